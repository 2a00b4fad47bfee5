package org.evomerge.plugins.selection;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.evomerge.api.selection.Candidate;

/** Argument checks and fitness ordering shared by the schemes of this plugin. */
final class SelectionPreconditions {

    private SelectionPreconditions() {
    }

    static void check(List<Candidate> population, int count, boolean withReplacement) {
        if (population.isEmpty()) {
            throw new IllegalArgumentException("cannot select from an empty population");
        }
        if (count < 0) {
            throw new IllegalArgumentException("cannot select a negative number of candidates: " + count);
        }
        if (!withReplacement && count > population.size()) {
            throw new IllegalArgumentException("cannot select " + count + " distinct candidates from " + population.size());
        }
    }

    /**
     * Indices from fittest to least fit by the primary objective; equal fitness keeps population order, so results
     * do not depend on how a sort breaks ties.
     */
    static int[] fittestFirst(List<Candidate> population) {
        return IntStream.range(0, population.size()).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> population.get(i).fitness().primary()).reversed()
                        .thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Index of the first cumulative weight above {@code target}; {@code cumulative} is non-decreasing. */
    static int search(double[] cumulative, double target) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
