package org.evomerge.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.demo.DemoReport;
import org.evomerge.statistics.Bootstrap;
import org.evomerge.statistics.Interval;
import org.evomerge.statistics.PairedComparison;

/**
 * The statistics of the demo table: each score's 95% percentile bootstrap interval over the split's items, the
 * combined test score's interval (the mean of the three tasks' test scores, resampled within each task), and each
 * evolved model against every parent, untuned merge and control on combined test (paired bootstrap of the
 * difference, stratified by task in the same way, and the exact McNemar test on the discordant items of all three
 * tasks). Every model is
 * scored on the same task files, so item {@code i} of a split is the same problem for every model. Seeded with the
 * demo's seed: the same models give the same intervals.
 */
final class DemoStatistics {

    /**
     * The evolved model against another one on combined test.
     *
     * @param paired empty when either model has no per-item outcomes
     */
    record Comparison(DemoReport.ModelResult evolved, DemoReport.ModelResult other,
                      Optional<PairedComparison> paired) {

        /** {@code evolved - other} on combined test. */
        double difference() {
            return evolved.combinedTest() - other.combinedTest();
        }

        /**
         * The evolved model beats the other one when the paired interval of the difference lies above zero (or,
         * without per-item outcomes, when its point estimate is higher).
         */
        boolean beats() {
            return paired.map(PairedComparison::aBeatsB).orElse(difference() > 0);
        }

        /** Against a source or an untuned merge, what the demo's targets name (not against a control). */
        boolean againstSourceOrUntuned() {
            return other.role().equals(DemoReport.PARENT) || other.role().equals(DemoReport.UNTUNED);
        }
    }

    private final long seed;
    private final Bootstrap bootstrap;

    DemoStatistics(long seed) {
        this.seed = seed;
        this.bootstrap = new Bootstrap(seed);
    }

    long seed() {
        return seed;
    }

    int resamples() {
        return Bootstrap.DEFAULT_RESAMPLES;
    }

    /** The interval of a split's score; empty without per-item outcomes. */
    Optional<Interval> interval(List<Double> items) {
        return items.isEmpty() ? Optional.empty() : Optional.of(bootstrap.mean(array(items)));
    }

    /** The interval of the combined test score; empty without per-item outcomes. */
    Optional<Interval> combinedTest(DemoReport.ModelResult model) {
        return testItems(model).map(bootstrap::meanOfStrata);
    }

    /**
     * The best evolved model: the highest mean dev score over the three tasks (the searches' fitness), the first in
     * table order on a tie. Chosen on dev, never on test, so its test scores are an honest estimate.
     */
    static Optional<DemoReport.ModelResult> bestEvolved(DemoReport report) {
        DemoReport.ModelResult best = null;
        for (DemoReport.ModelResult m : report.models()) {
            if (m.role().equals(DemoReport.EVOLVED) && (best == null || m.combinedDev() > best.combinedDev())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The best evolved model ({@link #bestEvolved}) against every parent, untuned merge and control, in table order;
     * empty when there is no evolved model.
     */
    List<Comparison> comparisons(DemoReport report) {
        return bestEvolved(report).map(best -> comparisons(report, best)).orElse(List.of());
    }

    /** {@code evolved} against every parent, untuned merge and control, in table order. */
    List<Comparison> comparisons(DemoReport report, DemoReport.ModelResult evolved) {
        List<Comparison> comparisons = new ArrayList<>();
        Optional<List<double[]>> evolvedItems = testItems(evolved);
        for (DemoReport.ModelResult other : report.models()) {
            if (other.role().equals(DemoReport.EVOLVED)) {
                continue;
            }
            Optional<List<double[]>> otherItems = testItems(other);
            Optional<PairedComparison> paired = evolvedItems.isPresent() && otherItems.isPresent()
                    ? Optional.of(PairedComparison.of(evolvedItems.get(), otherItems.get(), bootstrap))
                    : Optional.empty();
            comparisons.add(new Comparison(evolved, other, paired));
        }
        return comparisons;
    }

    /** The test outcomes of the three tasks, in {@link DemoReport#TASKS} order, when all are recorded. */
    private static Optional<List<double[]>> testItems(DemoReport.ModelResult model) {
        List<double[]> strata = new ArrayList<>();
        for (String task : DemoReport.TASKS) {
            List<Double> items = model.scores().get(task).testItems();
            if (items.isEmpty()) {
                return Optional.empty();
            }
            strata.add(array(items));
        }
        return Optional.of(strata);
    }

    private static double[] array(List<Double> items) {
        return items.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
