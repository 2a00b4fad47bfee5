package org.evomerge.statistics.irt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.api.Test;

class SpearmanCorrelationTest {

    @Test
    void tiesShareTheirMeanRank() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, SpearmanCorrelation.ranks(new double[] {0.1, 0.5, 0.5, 0.9}));
    }

    @Test
    void handComputedAndCommonsMathAgree() {
        // Ranks (1,2,3,4,5) vs (2,1,4,3,5): sum d^2 = 4, rho = 1 - 6*4/(5*24) = 0.8.
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {0.2, 0.1, 0.4, 0.3, 0.5};
        assertEquals(0.8, SpearmanCorrelation.of(x, y), 1e-15);
        double[] u = {0.3, 0.3, 0.1, 0.7, 0.2, 0.7, 0.9};
        double[] v = {5, 6, 1, 6, 2, 8, 7};
        assertEquals(new SpearmansCorrelation().correlation(u, v), SpearmanCorrelation.of(u, v), 1e-12);
    }
}
