package org.evomerge.statistics;

/**
 * The Wilson score interval of a proportion: the closed-form check of {@link Bootstrap#mean} for 0/1 outcomes (the
 * two agree to about 0.01 for a few hundred items away from 0 and 1).
 */
public final class Wilson {

    /** The standard normal 0.975 quantile. */
    static final double Z = 1.959963984540054;

    private Wilson() {
    }

    /** {@code successes / n} with its 95% Wilson interval. */
    public static Interval of(int successes, int n) {
        if (n <= 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("a proportion needs 0 <= successes <= n and n > 0, got " + successes
                    + " of " + n);
        }
        double p = (double) successes / n;
        double z2 = Z * Z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Interval(p, Math.max(0, centre - half), Math.min(1, centre + half));
    }
}
