package org.evomerge.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WilsonTest {

    @Test
    void fiveOfTenIsTheTextbookInterval() {
        Interval interval = Wilson.of(5, 10);
        assertEquals(0.5, interval.estimate(), 0);
        assertEquals(0.236593090512564, interval.lower(), 1e-12);
        assertEquals(0.7634069094874361, interval.upper(), 1e-12);
        assertEquals("0.50 [0.24, 0.76]", interval.format(2));
    }

    @Test
    void allOrNothingStaysInsideZeroToOne() {
        assertEquals(0, Wilson.of(0, 20).lower(), 0);
        assertEquals(1, Wilson.of(20, 20).upper(), 0);
        assertThrows(IllegalArgumentException.class, () -> Wilson.of(3, 2));
    }
}
