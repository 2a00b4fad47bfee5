package org.evomerge.statistics;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The mean of a measurement repeated over seeds with its Student t interval:
 * {@code mean ± t(0.975, n - 1) · s / sqrt(n)}, {@code s} the sample standard deviation. Seeds are few (5), so the
 * t quantile, not the normal one, and the number of seeds is always reported with the interval.
 */
public final class StudentT {

    private StudentT() {
    }

    /** The mean of {@code values} and its 95% t interval; the interval is undefined (NaN) for one value. */
    public static Interval overSeeds(double[] values) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("no seeds to average");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / n;
        if (n == 1) {
            return new Interval(mean, Double.NaN, Double.NaN);
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double half = quantile(n - 1) * Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
        return new Interval(mean, mean - half, mean + half);
    }

    /** The 0.975 quantile of Student's t with {@code degreesOfFreedom}. */
    static double quantile(int degreesOfFreedom) {
        return new TDistribution(null, degreesOfFreedom).inverseCumulativeProbability(0.5 + Interval.LEVEL / 2);
    }
}
