package org.evomerge.plugins.selection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.evomerge.api.selection.Candidate;

/**
 * NSGA-II's ordering of a population (Deb, Pratap, Agarwal and Meyarivan, 2002), objectives maximised: fast
 * non-dominated sorting into fronts, crowding distance within each front, and the crowded-comparison order (lower
 * front first, then larger crowding distance; remaining ties by population index, so the order never depends on a
 * sort's stability). Immutable once computed.
 */
final class ParetoRanking {

    private final int[] front;
    private final double[] crowding;
    private final List<List<Integer>> fronts;

    private ParetoRanking(int[] front, double[] crowding, List<List<Integer>> fronts) {
        this.front = front;
        this.crowding = crowding;
        this.fronts = fronts;
    }

    /**
     * @throws IllegalArgumentException if the candidates do not all have the same number of objectives
     */
    static ParetoRanking of(List<Candidate> population) {
        int n = population.size();
        double[][] f = new double[n][];
        for (int i = 0; i < n; i++) {
            f[i] = population.get(i).fitness().objectives().stream().mapToDouble(Double::doubleValue).toArray();
            if (f[i].length != f[0].length) {
                throw new IllegalArgumentException("candidate " + population.get(i).id() + " has " + f[i].length
                        + " objectives, candidate " + population.getFirst().id() + " has " + f[0].length);
            }
        }
        // Fast non-dominated sort: S_p (whom p dominates) and n_p (how many dominate p).
        List<List<Integer>> dominates = new ArrayList<>();
        int[] dominatedBy = new int[n];
        for (int p = 0; p < n; p++) {
            dominates.add(new ArrayList<>());
        }
        for (int p = 0; p < n; p++) {
            for (int q = p + 1; q < n; q++) {
                if (dominates(f[p], f[q])) {
                    dominates.get(p).add(q);
                    dominatedBy[q]++;
                } else if (dominates(f[q], f[p])) {
                    dominates.get(q).add(p);
                    dominatedBy[p]++;
                }
            }
        }
        int[] front = new int[n];
        List<List<Integer>> fronts = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            if (dominatedBy[p] == 0) {
                current.add(p);
            }
        }
        int rank = 0;
        while (!current.isEmpty()) {
            fronts.add(List.copyOf(current));
            List<Integer> next = new ArrayList<>();
            for (int p : current) {
                front[p] = rank;
                for (int q : dominates.get(p)) {
                    if (--dominatedBy[q] == 0) {
                        next.add(q);
                    }
                }
            }
            next.sort(null);
            current = next;
            rank++;
        }
        double[] crowding = new double[n];
        for (List<Integer> members : fronts) {
            assignCrowding(members, f, crowding);
        }
        return new ParetoRanking(front, crowding, List.copyOf(fronts));
    }

    /** Whether {@code a} is at least as good as {@code b} in every objective and better in at least one. */
    static boolean dominates(double[] a, double[] b) {
        boolean better = false;
        for (int k = 0; k < a.length; k++) {
            if (a[k] < b[k]) {
                return false;
            }
            better |= a[k] > b[k];
        }
        return better;
    }

    /**
     * Crowding distance: per objective, the boundary members get infinity and the others the normalised side length
     * (f[next] − f[previous]) / (f_max − f_min) of the cuboid their neighbours span, summed over objectives. An
     * objective on which the whole front is equal adds nothing.
     */
    private static void assignCrowding(List<Integer> members, double[][] f, double[] crowding) {
        int size = members.size();
        int objectives = f[members.getFirst()].length;
        for (int m = 0; m < objectives; m++) {
            int objective = m;
            Integer[] sorted = members.toArray(Integer[]::new);
            Arrays.sort(sorted, Comparator.<Integer>comparingDouble(i -> f[i][objective]).thenComparingInt(i -> i));
            double min = f[sorted[0]][objective];
            double max = f[sorted[size - 1]][objective];
            crowding[sorted[0]] = Double.POSITIVE_INFINITY;
            crowding[sorted[size - 1]] = Double.POSITIVE_INFINITY;
            if (max == min) {
                continue;
            }
            for (int k = 1; k < size - 1; k++) {
                crowding[sorted[k]] += (f[sorted[k + 1]][objective] - f[sorted[k - 1]][objective]) / (max - min);
            }
        }
    }

    /** The front of candidate {@code i}: 0 for the non-dominated ones. */
    int front(int i) {
        return front[i];
    }

    double crowding(int i) {
        return crowding[i];
    }

    /** The fronts, best first; members in population order. */
    List<List<Integer>> fronts() {
        return fronts;
    }

    /** Whether {@code i} beats {@code j} in the crowded comparison (ties to the lower index). */
    boolean better(int i, int j) {
        if (front[i] != front[j]) {
            return front[i] < front[j];
        }
        if (crowding[i] != crowding[j]) {
            return crowding[i] > crowding[j];
        }
        return i < j;
    }

    /** All indices in crowded-comparison order, best first. */
    int[] order() {
        return IntStream.range(0, front.length).boxed()
                .sorted((i, j) -> i.equals(j) ? 0 : better(i, j) ? -1 : 1)
                .mapToInt(Integer::intValue).toArray();
    }
}
