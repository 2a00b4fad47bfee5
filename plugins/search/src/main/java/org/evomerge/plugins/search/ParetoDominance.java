package org.evomerge.plugins.search;

import org.evomerge.api.selection.Fitness;

/** Pareto dominance for maximised objectives. */
final class ParetoDominance {

    private ParetoDominance() {
    }

    /** Whether {@code a} is at least as good as {@code b} in every objective and better in one. */
    static boolean dominates(Fitness a, Fitness b) {
        boolean better = false;
        int n = Math.min(a.size(), b.size());
        for (int k = 0; k < n; k++) {
            double x = a.objectives().get(k);
            double y = b.objectives().get(k);
            if (x < y) {
                return false;
            }
            better |= x > y;
        }
        return better;
    }
}
