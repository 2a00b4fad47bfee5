package org.evomerge.statistics;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap over items. Each resample draws, within every stratum (a task), as many item indices as the
 * stratum holds, uniformly with replacement; the statistic is the mean over strata of the stratum means (one
 * stratum: the plain mean). The interval is the 2.5th and 97.5th percentile of the resampled statistics, with
 * linear interpolation between order statistics (numpy's default). Stratifying keeps each task's size fixed, as it
 * is in the experiment, so a combined score of tasks of unequal size is resampled the way it was measured.
 *
 * <p>Every call starts a fresh {@link SplittableRandom} from the seed, so an interval depends only on the items
 * and the seed, not on what was computed before; two models compared with the same seed see the same index draws.
 * Immutable and thread-safe.
 */
public final class Bootstrap {

    /** Resamples per interval: enough for stable 2.5/97.5 percentiles (ALGORITHMS.md B.23 asks for 2,000+). */
    public static final int DEFAULT_RESAMPLES = 2000;

    private final int resamples;
    private final long seed;

    /**
     * @param resamples at least 2
     * @param seed      seeds the index draws
     */
    public Bootstrap(int resamples, long seed) {
        if (resamples < 2) {
            throw new IllegalArgumentException("a bootstrap needs at least 2 resamples, got " + resamples);
        }
        this.resamples = resamples;
        this.seed = seed;
    }

    /** {@link #DEFAULT_RESAMPLES} resamples. */
    public Bootstrap(long seed) {
        this(DEFAULT_RESAMPLES, seed);
    }

    /** The mean of {@code items} (per-item scores, e.g. 0/1) with its interval. */
    public Interval mean(double[] items) {
        return meanOfStrata(List.of(items));
    }

    /** The mean over strata of each stratum's mean, resampled within each stratum. */
    public Interval meanOfStrata(List<double[]> strata) {
        checkStrata(strata, "items");
        double[] statistics = new double[resamples];
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < resamples; r++) {
            double total = 0;
            for (double[] items : strata) {
                double sum = 0;
                for (int i = 0; i < items.length; i++) {
                    sum += items[random.nextInt(items.length)];
                }
                total += sum / items.length;
            }
            statistics[r] = total / strata.size();
        }
        return interval(statisticOf(strata), statistics);
    }

    /** The paired difference {@code mean(a) - mean(b)} over the same items, with its interval. */
    public Interval pairedDifference(double[] a, double[] b) {
        return pairedDifferenceOfStrata(List.of(a), List.of(b));
    }

    /**
     * The difference of {@link #meanOfStrata} of {@code a} and {@code b}, where {@code a.get(s)[i]} and
     * {@code b.get(s)[i]} are two models' scores of the same item: each resample draws the item indices once and
     * scores both models on them.
     *
     * @throws IllegalArgumentException when the strata or their items do not pair up
     */
    public Interval pairedDifferenceOfStrata(List<double[]> a, List<double[]> b) {
        checkPaired(a, b);
        double[] statistics = new double[resamples];
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < resamples; r++) {
            double totalA = 0;
            double totalB = 0;
            for (int s = 0; s < a.size(); s++) {
                double[] itemsA = a.get(s);
                double[] itemsB = b.get(s);
                double sumA = 0;
                double sumB = 0;
                for (int i = 0; i < itemsA.length; i++) {
                    int index = random.nextInt(itemsA.length);
                    sumA += itemsA[index];
                    sumB += itemsB[index];
                }
                totalA += sumA / itemsA.length;
                totalB += sumB / itemsB.length;
            }
            statistics[r] = totalA / a.size() - totalB / b.size();
        }
        return interval(statisticOf(a) - statisticOf(b), statistics);
    }

    /** The percentile {@code p} in [0, 1] of ascending {@code sorted}, interpolating linearly (numpy's default). */
    static double percentile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int below = (int) Math.floor(h);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
    }

    private static Interval interval(double estimate, double[] statistics) {
        Arrays.sort(statistics);
        double tail = (1 - Interval.LEVEL) / 2;
        return new Interval(estimate, percentile(statistics, tail), percentile(statistics, 1 - tail));
    }

    private static double statisticOf(List<double[]> strata) {
        double total = 0;
        for (double[] items : strata) {
            double sum = 0;
            for (double v : items) {
                sum += v;
            }
            total += sum / items.length;
        }
        return total / strata.size();
    }

    static void checkPaired(List<double[]> a, List<double[]> b) {
        checkStrata(a, "items of the first model");
        checkStrata(b, "items of the second model");
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("paired scores need the same tasks: " + a.size() + " against "
                    + b.size());
        }
        for (int s = 0; s < a.size(); s++) {
            if (a.get(s).length != b.get(s).length) {
                throw new IllegalArgumentException("paired scores need the same items: task " + (s + 1) + " has "
                        + a.get(s).length + " against " + b.get(s).length);
            }
        }
    }

    private static void checkStrata(List<double[]> strata, String what) {
        if (strata.isEmpty()) {
            throw new IllegalArgumentException("no " + what + " to resample");
        }
        for (double[] items : strata) {
            if (items.length == 0) {
                throw new IllegalArgumentException("a task without " + what + " has no mean to resample");
            }
        }
    }
}
