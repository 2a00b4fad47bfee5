package org.evomerge.engine.kinship;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.Model;
import org.evomerge.api.search.KinshipOracle;
import org.evomerge.engine.model.ModelFormats;

/**
 * The run's {@link KinshipOracle}: the whole-model kinship of two individuals' task vectors against the run's base,
 * computed by a {@link KinshipCalculator}. The engine registers it as a run service when the run has a base model.
 *
 * <p>Values follow the oracle's contract: a similarity, higher is closer kin. Euclidean distances are negated; an
 * undefined correlation or cosine (an individual equal to the base) is 0, "unrelated". Results are cached per
 * unordered pair, so a strategy asking again costs nothing. Thread-safe.
 */
public final class TaskVectorKinshipOracle implements KinshipOracle {

    private final KinshipCalculator calculator;
    private final KinshipCalculator.NamedModel base;
    private final Function<Genome, Model> opener;
    private final KinshipMetric metric;
    private final KinshipOptions options;
    private final Map<List<Genome>, Double> cache = new ConcurrentHashMap<>();

    /**
     * @param opener opens an individual as a model that the oracle closes after use; throws
     *               {@link IllegalArgumentException} for genome types it cannot open
     */
    public TaskVectorKinshipOracle(KinshipCalculator calculator, KinshipCalculator.NamedModel base,
                                   Function<Genome, Model> opener, KinshipMetric metric, KinshipPrecision precision) {
        this.calculator = Objects.requireNonNull(calculator, "calculator");
        this.base = Objects.requireNonNull(base, "base");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.metric = Objects.requireNonNull(metric, "metric");
        this.options = new KinshipOptions(false, precision);
    }

    /** An oracle for whole-model individuals ({@link ModelGenome}), opened with the installed formats. */
    public static TaskVectorKinshipOracle forModelGenomes(KinshipCalculator calculator,
                                                         KinshipCalculator.NamedModel base, ModelFormats formats,
                                                         KinshipMetric metric) {
        return new TaskVectorKinshipOracle(calculator, base, genome -> {
            if (genome instanceof ModelGenome model) {
                return formats.open(model.folder());
            }
            throw new IllegalArgumentException("kinship of task vectors needs whole-model individuals, not "
                    + genome.getClass().getSimpleName());
        }, metric, KinshipPrecision.FULL);
    }

    @Override
    public double kinship(Genome a, Genome b) {
        // Unordered pair: order the two by hash so (a, b) and (b, a) share one entry; equal hashes fall back to
        // the given order and at worst compute the same value twice.
        List<Genome> key = a.hashCode() <= b.hashCode() ? List.of(a, b) : List.of(b, a);
        Double cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        double value = compute(a, b);
        cache.putIfAbsent(key, value);
        return value;
    }

    private double compute(Genome a, Genome b) {
        try (Model first = opener.apply(a); Model second = opener.apply(b)) {
            double raw = calculator.compute(base, List.of(new KinshipCalculator.NamedModel(describe(a), first),
                    new KinshipCalculator.NamedModel(describe(b), second)), options).matrix(metric)[0][1];
            if (Double.isNaN(raw)) {
                return 0;
            }
            return metric.isSimilarity() ? raw : -raw;
        }
    }

    private static String describe(Genome genome) {
        return genome instanceof ModelGenome m ? m.folder().toString() : genome.getClass().getSimpleName();
    }
}
