package org.evomerge.statistics.irt;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing their mean rank (as scipy's
 * {@code spearmanr}). How well estimated scores order candidates as their full scores do, which is what a search
 * needs of a fitness.
 */
public final class SpearmanCorrelation {

    private SpearmanCorrelation() {
    }

    /**
     * @param x at least two values
     * @param y as many values as {@code x}
     * @return in [-1, 1]; NaN when either side has every value equal
     */
    public static double of(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("rank correlation needs two equally long series of 2+ values");
        }
        return pearson(ranks(x), ranks(y));
    }

    static double[] ranks(double[] values) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[n];
        int start = 0;
        while (start < n) {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            double mean = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) {
                ranks[order[k]] = mean;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static double pearson(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
