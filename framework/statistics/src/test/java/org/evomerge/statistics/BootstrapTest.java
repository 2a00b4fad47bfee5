package org.evomerge.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapTest {

    private static double[] outcomes(int right, int n) {
        double[] items = new double[n];
        for (int i = 0; i < right; i++) {
            items[i] = 1;
        }
        return items;
    }

    /**
     * 5 of 10 right: a resampled mean is Binomial(10, 1/2) / 10, whose 2.5% quantile is 0.2 (P(X <= 1) = 11/1024,
     * P(X <= 2) = 56/1024) and 97.5% quantile 0.8 (P(X <= 7) = 968/1024, P(X <= 8) = 1013/1024). With 2,000
     * resamples the order statistics either side of both percentiles sit on those values whatever the seed.
     */
    @Test
    void percentilesOfASmallCaseAreTheExactBootstrapDistributionsQuantiles() {
        for (long seed = 1; seed <= 5; seed++) {
            Interval interval = new Bootstrap(seed).mean(outcomes(5, 10));
            assertEquals(0.5, interval.estimate(), 0);
            assertEquals(0.2, interval.lower(), 1e-12, "seed " + seed);
            assertEquals(0.8, interval.upper(), 1e-12, "seed " + seed);
        }
    }

    @Test
    void forManyItemsTheBootstrapAgreesWithWilsonToAHundredth() {
        // 120 of 300 right: Wilson [0.34617, 0.45636] by hand
        Interval wilson = Wilson.of(120, 300);
        assertEquals(0.3461651905860969, wilson.lower(), 1e-12);
        assertEquals(0.4563634036588123, wilson.upper(), 1e-12);
        Interval bootstrap = new Bootstrap(42).mean(outcomes(120, 300));
        assertEquals(0.4, bootstrap.estimate(), 1e-15);
        assertEquals(wilson.lower(), bootstrap.lower(), 0.01);
        assertEquals(wilson.upper(), bootstrap.upper(), 0.01);
    }

    @Test
    void theSameSeedGivesTheSameBitsAndAnotherSeedOtherDraws() {
        double[] items = outcomes(37, 101);
        Interval one = new Bootstrap(2000, 7).mean(items);
        Interval two = new Bootstrap(2000, 7).mean(items);
        assertEquals(one, two);
        Interval other = new Bootstrap(9, 8).mean(items);
        assertNotEquals(one, other);
    }

    @Test
    void anIntervalHoldsItsEstimateAndStaysInTheRangeOfTheItems() {
        double[] items = {0.25, 1, 0, 0.5, 0.75, 1, 1, 0};
        Interval interval = new Bootstrap(3).mean(items);
        assertEquals(4.5 / 8, interval.estimate(), 1e-15);
        assertTrue(interval.lower() <= interval.estimate() && interval.estimate() <= interval.upper(), interval
                .toString());
        assertTrue(interval.lower() >= 0 && interval.upper() <= 1, interval.toString());
        assertEquals(new Interval(1, 1, 1), new Bootstrap(3).mean(outcomes(4, 4)));
    }

    @Test
    void strataAreResampledWithinThemselves() {
        // every resample keeps 4 right in the first task and 0 in the second: the combined score is always 0.5
        Interval combined = new Bootstrap(1).meanOfStrata(List.of(outcomes(4, 4), outcomes(0, 4)));
        assertEquals(new Interval(0.5, 0.5, 0.5), combined);
        // the combined score is the mean of the task means, not the pooled mean (1/3 + 1) / 2 != 4 / 7
        assertEquals((1.0 / 3 + 1) / 2, new Bootstrap(1).meanOfStrata(List.of(outcomes(1, 3), outcomes(4, 4)))
                .estimate(), 1e-15);
    }

    @Test
    void aPairedDifferenceResamplesTheSameItemsForBothModels() {
        double[] a = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1};
        // the same outcomes: each resample scores both models on the same items, so the difference is always 0
        assertEquals(new Interval(0, 0, 0), new Bootstrap(5).pairedDifference(a, a.clone()));
        // A right on all 10, B on the last 5: the difference is the mean of 5 ones and 5 zeros, [0.2, 0.8]
        Interval difference = new Bootstrap(5).pairedDifference(outcomes(10, 10), reversed(outcomes(5, 10)));
        assertInterval(0.5, 0.2, 0.8, difference);
        Interval negative = new Bootstrap(5).pairedDifference(reversed(outcomes(5, 10)), outcomes(10, 10));
        assertInterval(-0.5, -0.8, -0.2, negative);
    }

    @Test
    void aStratifiedPairedDifferenceIsTheDifferenceOfTheCombinedScores() {
        List<double[]> a = List.of(outcomes(3, 4), outcomes(2, 6));
        List<double[]> b = List.of(outcomes(1, 4), outcomes(2, 6));
        Interval difference = new Bootstrap(11).pairedDifferenceOfStrata(a, b);
        assertEquals((0.75 + 2.0 / 6) / 2 - (0.25 + 2.0 / 6) / 2, difference.estimate(), 1e-15);
        // per-item differences in the first task are {0, 1, 1, 0}: a resampled difference is in [0, 1] / 2
        assertTrue(difference.lower() >= 0 && difference.upper() <= 0.5, difference.toString());
        // the second task's outcomes are identical for both models: whatever they are, it adds nothing
        Interval otherSecondTask = new Bootstrap(11).pairedDifferenceOfStrata(List.of(a.get(0), outcomes(6, 6)),
                List.of(b.get(0), outcomes(6, 6)));
        assertInterval(difference.estimate(), difference.lower(), difference.upper(), otherSecondTask);
    }

    private static void assertInterval(double estimate, double lower, double upper, Interval actual) {
        assertEquals(estimate, actual.estimate(), 1e-12, actual.toString());
        assertEquals(lower, actual.lower(), 1e-12, actual.toString());
        assertEquals(upper, actual.upper(), 1e-12, actual.toString());
    }

    @Test
    void itemsThatDoNotPairUpAreRefused() {
        Bootstrap bootstrap = new Bootstrap(1);
        assertThrows(IllegalArgumentException.class, () -> bootstrap.pairedDifference(new double[3],
                new double[4]));
        assertThrows(IllegalArgumentException.class, () -> bootstrap.mean(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> new Bootstrap(1, 1));
    }

    @Test
    void percentilesInterpolateBetweenOrderStatisticsAsNumpyDoes() {
        double[] sorted = {0, 1, 2, 3, 4};
        assertEquals(0.1, Bootstrap.percentile(sorted, 0.025), 1e-15);
        assertEquals(3.9, Bootstrap.percentile(sorted, 0.975), 1e-15);
        assertEquals(2, Bootstrap.percentile(sorted, 0.5), 0);
    }

    private static double[] reversed(double[] items) {
        double[] r = new double[items.length];
        for (int i = 0; i < items.length; i++) {
            r[i] = items[items.length - 1 - i];
        }
        return r;
    }
}
