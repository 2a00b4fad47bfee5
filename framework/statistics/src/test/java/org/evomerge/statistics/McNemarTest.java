package org.evomerge.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** p-values by hand: {@code 2 * sum_{k <= min(b,c)} C(b+c, k) / 2^(b+c)}, capped at 1 (Python fractions). */
class McNemarTest {

    @Test
    void exactTwoSidedPValuesMatchTheHandComputedBinomialSums() {
        assertEquals(0.125, McNemar.of(1, 6).pValue(), 0); // 2 (1 + 7) / 128
        assertEquals(0.125, McNemar.of(6, 1).pValue(), 0);
        assertEquals(0.001953125, McNemar.of(0, 10).pValue(), 0); // 2 / 1024
        assertEquals(0.03515625, McNemar.of(12, 3).pValue(), 1e-16); // 2 (1 + 15 + 105 + 455) / 32768
        assertEquals(0.05688793364098079, McNemar.of(40, 60).pValue(), 1e-15);
        assertEquals(1.0, McNemar.of(5, 5).pValue(), 0);
        assertEquals(1.0, McNemar.of(0, 0).pValue(), 0);
    }

    @Test
    void largeCountsNeitherOverflowNorUnderflow() {
        // 2 / 2^2000 is below the smallest double: the sum is exact, its double is 0
        assertEquals(0.0, McNemar.of(0, 2000).pValue(), 0);
        assertEquals(1.0, McNemar.of(1000, 1000).pValue(), 0);
    }

    @Test
    void outcomesCountOnlyTheDiscordantItemsOfEveryTask() {
        List<double[]> a = List.of(new double[] {1, 1, 0, 0, 1}, new double[] {1, 0});
        List<double[]> b = List.of(new double[] {1, 0, 1, 0, 0}, new double[] {0, 0});
        McNemar test = McNemar.ofOutcomes(a, b);
        assertEquals(3, test.onlyA());
        assertEquals(1, test.onlyB());
        assertEquals(0.625, test.pValue(), 0); // 2 (1 + 4) / 16
    }

    @Test
    void scoresThatAreNotOutcomesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> McNemar.ofOutcomes(List.of(new double[] {0.5}),
                List.of(new double[] {1})));
    }

    @Test
    void pValueTextHasThreeDecimalsOrTwoSignificantDigitsBelowAThousandth() {
        assertEquals("0.125", McNemar.of(1, 6).pValueText());
        assertEquals("1.000", McNemar.of(5, 5).pValueText());
        assertEquals("0.002", McNemar.of(0, 10).pValueText()); // 0.001953125
        assertEquals("9.8e-04", McNemar.of(0, 11).pValueText()); // 2 / 2048 = 0.0009765625
    }
}
