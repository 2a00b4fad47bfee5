package org.evomerge.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedComparisonTest {

    @Test
    void aBetterModelOnManyItemsBeatsTheOtherAndATieDoesNot() {
        double[] a = new double[200];
        double[] b = new double[200];
        for (int i = 0; i < 200; i++) {
            a[i] = i < 120 ? 1 : 0; // 0.60
            b[i] = i < 80 ? 1 : 0; // 0.40, every item b gets right a gets right too
        }
        PairedComparison better = PairedComparison.of(List.of(a), List.of(b), new Bootstrap(1));
        assertEquals(0.2, better.difference().estimate(), 1e-15);
        assertEquals(40, better.mcNemar().onlyA());
        assertEquals(0, better.mcNemar().onlyB());
        assertEquals(2 / Math.pow(2, 40), better.mcNemar().pValue(), 1e-25);
        assertTrue(better.aBeatsB());
        PairedComparison same = PairedComparison.of(List.of(a), List.of(a.clone()), new Bootstrap(1));
        assertFalse(same.aBeatsB());
        assertEquals(1.0, same.mcNemar().pValue(), 0);
    }
}
