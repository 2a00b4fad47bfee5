package org.evomerge.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class StudentTTest {

    @Test
    void quantilesAreTheTablesValues() {
        assertEquals(12.706204736174698, StudentT.quantile(1), 1e-8);
        assertEquals(4.302652729749464, StudentT.quantile(2), 1e-9);
        assertEquals(2.7764451051977987, StudentT.quantile(4), 1e-9);
    }

    @Test
    void intervalOfOneTwoThreeIsTwoPlusOrMinusT2TimesOneOverRootThree() {
        Interval interval = StudentT.overSeeds(new double[] {1, 2, 3});
        // mean 2, s = 1, t(0.975, 2) / sqrt(3) = 2.484137711750331
        assertEquals(2, interval.estimate(), 0);
        assertEquals(2 - 2.484137711750331, interval.lower(), 1e-9);
        assertEquals(2 + 2.484137711750331, interval.upper(), 1e-9);
    }

    @Test
    void identicalSeedsGiveAPointAndOneSeedNoInterval() {
        Interval same = StudentT.overSeeds(new double[] {0.4, 0.4, 0.4});
        assertEquals(0.4, same.estimate(), 1e-15);
        assertEquals(same.lower(), same.upper(), 1e-15);
        Interval one = StudentT.overSeeds(new double[] {0.3});
        assertEquals(0.3, one.estimate(), 0);
        assertFalse(one.defined());
        assertEquals("0.30 [n/a]", one.format(2));
    }
}
