package org.evomerge.statistics;

import java.util.List;

/**
 * Model A against model B on the same items: the difference of their scores with its paired bootstrap interval,
 * and the exact McNemar test on the discordant items. "A beats B" when the interval lies above zero.
 *
 * @param difference {@code score(A) - score(B)} and its 95% paired bootstrap interval
 * @param mcNemar    the exact test, pooled over the tasks' items
 */
public record PairedComparison(Interval difference, McNemar mcNemar) {

    /**
     * Compares per-item 0/1 outcomes, one array per task (the score is the mean of the task means).
     *
     * @throws IllegalArgumentException when the items do not pair up
     */
    public static PairedComparison of(List<double[]> a, List<double[]> b, Bootstrap bootstrap) {
        return new PairedComparison(bootstrap.pairedDifferenceOfStrata(a, b), McNemar.ofOutcomes(a, b));
    }

    /** Whether the whole interval of the difference is above zero. */
    public boolean aBeatsB() {
        return difference.defined() && difference.lower() > 0;
    }
}
