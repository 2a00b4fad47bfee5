package org.evomerge.engine.evolution;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.engine.merge.ArrayMergeMethod;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.plugin.ExtensionCatalog;

/**
 * Extensions defined in test code, since the real evaluator and strategy plugins are built elsewhere: a linear merge
 * and a passthrough (mergekit semantics), an evaluator that scores a model by its distance to a target model's
 * weights (a real fitness over the merged tensors), a (1+λ) evolution strategy over parameter genomes and a small
 * genetic algorithm over whole models.
 */
final class TestExtensions {

    private TestExtensions() {
    }

    /** A catalog with the toy format and every test extension. */
    static ExtensionCatalog catalog() {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new ToyFormat(), "tests");
        catalog.register(new Linear(), "tests");
        catalog.register(new Passthrough(), "tests");
        catalog.register(new DareTies(), "tests");
        catalog.register(new Distance(), "tests");
        catalog.register(new ThresholdItems(false), "tests");
        catalog.register(new ThresholdItems(true), "tests");
        catalog.register(new OnePlusLambda(), "tests");
        catalog.register(new TinyGa(), "tests");
        return catalog;
    }

    /** mergekit's linear: Σ w·x / Σ w (normalize) or Σ w·x. */
    static final class Linear implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("linear", "1.0.0", ExtensionKind.MERGE_METHOD, "weighted average",
                    ParameterSchema.of(
                            ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL),
                            ParameterSpec.bool("normalize", true, "")),
                    Set.of());
        }

        @Override
        public MergeMethod create(Parameters parameters, RunContext context) {
            boolean normalize = parameters.bool("normalize");
            return (ArrayMergeMethod) (input, models, base) -> {
                float[] out = new float[Math.toIntExact(input.elementCount())];
                double total = 0;
                for (int m = 0; m < models.length; m++) {
                    double w = input.models().get(m).parameters().number("weight");
                    total += w;
                    for (int i = 0; i < out.length; i++) {
                        out[i] += (float) (w * models[m][i]);
                    }
                }
                if (normalize && total != 0) {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) (out[i] / total);
                    }
                }
                return out;
            };
        }
    }

    /**
     * DARE-TIES as mergekit defines it, a random method: each model's delta from the base keeps element i iff
     * {@code input.random().fork(m).uniform(i) < density} (rescaled by 1/density), then the weighted deltas that
     * agree with the sign of their sum are added to the base, divided by the agreeing weights.
     */
    static final class DareTies implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("dare_ties", "1.0.0", ExtensionKind.MERGE_METHOD, "random drop and rescale",
                    ParameterSchema.of(
                            ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL),
                            ParameterSpec.number("density", 1.0, 0.0, 1.0, "").withScope(ParameterScope.PER_MODEL)),
                    Set.of(Capability.REQUIRES_BASE_MODEL, Capability.RANDOMIZED));
        }

        @Override
        public MergeMethod create(Parameters parameters, RunContext context) {
            return (ArrayMergeMethod) (input, values, base) -> {
                int n = Math.toIntExact(input.elementCount());
                int models = input.models().size();
                double[][] deltas = new double[models][n];
                double[] weights = new double[models];
                for (int m = 0; m < models; m++) {
                    InputModel model = input.models().get(m);
                    double density = model.parameters().number("density");
                    weights[m] = model.parameters().number("weight");
                    RandomSource random = input.random().fork(m);
                    for (int i = 0; i < n; i++) {
                        boolean kept = density > 0 && random.uniform(i) < density;
                        deltas[m][i] = kept ? weights[m] * ((double) values[m][i] - base[i]) / density : 0;
                    }
                }
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int m = 0; m < models; m++) {
                        sum += deltas[m][i];
                    }
                    double agreeing = 0;
                    double agreeingWeight = 0;
                    for (int m = 0; m < models; m++) {
                        if (deltas[m][i] != 0 && Math.signum(deltas[m][i]) == Math.signum(sum)) {
                            agreeing += deltas[m][i];
                            agreeingWeight += weights[m];
                        }
                    }
                    out[i] = (float) (base[i] + (agreeingWeight == 0 ? 0 : agreeing / agreeingWeight));
                }
                return out;
            };
        }
    }

    /** mergekit's passthrough: the single input, times {@code scale}. */
    static final class Passthrough implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("passthrough", "1.0.0", ExtensionKind.MERGE_METHOD, "copy",
                    ParameterSchema.of(ParameterSpec.number("scale", 1.0, null, null, "")
                            .withScope(ParameterScope.PER_MODEL)),
                    Set.of(Capability.LAYER_STACKING));
        }

        @Override
        public MergeMethod create(Parameters parameters, RunContext context) {
            return (ArrayMergeMethod) (input, models, base) -> {
                float scale = (float) input.models().getFirst().parameters().number("scale");
                float[] out = models[0].clone();
                for (int i = 0; i < out.length; i++) {
                    out[i] *= scale;
                }
                return out;
            };
        }
    }

    /**
     * Item scores from a JSONL {@code data} file whose records are {@code {"threshold": T}}: item i scores 1 when the
     * model's mean squared difference to the target is below its threshold (an easy item has a large one), else 0;
     * the score is their mean. Reports its item scores, as the generation evaluator does.
     */
    static final class ThresholdItems implements EvaluatorFactory {

        /** {@code threshold-items-listed}: takes {@code items} (the indices to score), as lm-eval does. */
        private final boolean listed;

        ThresholdItems(boolean listed) {
            this.listed = listed;
        }

        /** Models scored by every threshold-items evaluator of this JVM (each evaluation counts once). */
        static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();
        /** Every evaluation past this many {@link #CALLS} fails: a crash the run file does not show. */
        static final java.util.concurrent.atomic.AtomicLong CRASH_AFTER =
                new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);

        @Override
        public ExtensionDescriptor descriptor() {
            List<ParameterSpec> specs = new ArrayList<>(List.of(
                    new ParameterSpec("target", ParameterType.STRING, null, null, null, null, true,
                            ParameterScope.GLOBAL, "target model folder"),
                    new ParameterSpec("data", ParameterType.STRING, null, null, null, null, true,
                            ParameterScope.GLOBAL, "JSONL of {threshold: T}"),
                    ParameterSpec.bool("report_items", true, "report the item scores")));
            if (listed) {
                specs.add(new ParameterSpec("items", ParameterType.STRING, null, null, null, null, false,
                        ParameterScope.GLOBAL, "item indices to score, comma-separated"));
            }
            return new ExtensionDescriptor(listed ? "threshold-items-listed" : "threshold-items", "1.0.0",
                    ExtensionKind.EVALUATOR, "item scores by distance thresholds",
                    ParameterSchema.of(specs.toArray(ParameterSpec[]::new)),
                    Set.of());
        }

        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            Distance distance = new Distance();
            Evaluator mse = distance.create(org.evomerge.engine.parameter.ParameterValidator.validate(
                    distance.descriptor(), Map.of("target", parameters.string("target"))), context);
            boolean reportItems = parameters.bool("report_items");
            List<Double> all = new ArrayList<>();
            List<Double> thresholds = all;
            try {
                for (String line : java.nio.file.Files.readAllLines(Path.of(parameters.string("data")))) {
                    if (!line.isBlank()) {
                        all.add(Double.parseDouble(line.substring(line.indexOf(':') + 1)
                                .replaceAll("[^0-9.eE+-]", "")));
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (parameters.has("items")) {
                thresholds = java.util.Arrays.stream(parameters.string("items").split(","))
                        .map(i -> all.get(Integer.parseInt(i))).toList();
            }
            List<Double> scored = thresholds;
            return new Evaluator() {
                @Override
                public EvaluationResult evaluate(Model model) {
                    if (CALLS.incrementAndGet() > CRASH_AFTER.get()) {
                        throw new IllegalStateException("crashed on purpose");
                    }
                    double d = -mse.evaluate(model).score();
                    List<Double> items = scored.stream().map(t -> d < t ? 1.0 : 0.0).toList();
                    double mean = items.stream().mapToDouble(Double::doubleValue).average().orElse(0);
                    return new EvaluationResult(Map.of("acc", mean), mean, reportItems ? items : List.of());
                }

                @Override
                public void close() {
                    mse.close();
                }
            };
        }
    }

    /**
     * Score = −mean squared difference between the model's tensors and the target's (double precision), over every
     * element, or over a seeded sample of elements when {@code sample} is set. {@code delay_ms} slows each
     * evaluation down, so a test can kill a run in the middle; {@code fail_after} makes every evaluation after that
     * many fail.
     */
    static final class Distance implements EvaluatorFactory {

        /** Evaluations by every distance evaluator of this JVM: what a test counts to see nothing evaluated again. */
        static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();
        /** Every evaluation past this many {@link #CALLS} fails: a crash the run file does not show. */
        static final java.util.concurrent.atomic.AtomicLong CRASH_AFTER =
                new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);

        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("distance", "1.0.0", ExtensionKind.EVALUATOR, "distance to a target",
                    ParameterSchema.of(
                            new ParameterSpec("target", ParameterType.STRING, null, null, null, null, true,
                                    ParameterScope.GLOBAL, "target model folder"),
                            new ParameterSpec("sample", ParameterType.NUMBER, null, 0.0, null, null, false,
                                    ParameterScope.GLOBAL, "elements sampled (count or fraction)"),
                            ParameterSpec.integer("sample_seed", 0, null, null, ""),
                            ParameterSpec.integer("delay_ms", 0, 0L, null, ""),
                            ParameterSpec.integer("fail_after", -1, -1L, null, "")),
                    Set.of());
        }

        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            Model target = ToyFormat.open(Path.of(parameters.string("target")));
            double sample = parameters.has("sample") ? parameters.number("sample") : 0;
            long sampleSeed = parameters.integer("sample_seed");
            long delay = parameters.integer("delay_ms");
            long failAfter = parameters.has("fail_after") ? parameters.integer("fail_after") : -1;
            java.util.concurrent.atomic.AtomicLong evaluated = new java.util.concurrent.atomic.AtomicLong();
            ReferenceBackend compute = new ReferenceBackend();
            return new Evaluator() {
                @Override
                public EvaluationResult evaluate(Model model) {
                    if (CALLS.incrementAndGet() > CRASH_AFTER.get()) {
                        throw new IllegalStateException("crashed on purpose");
                    }
                    if (failAfter >= 0 && evaluated.incrementAndGet() > failAfter) {
                        throw new IllegalStateException("evaluation failed on purpose");
                    }
                    if (delay > 0) {
                        try {
                            Thread.sleep(delay);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    double sum = 0;
                    long count = 0;
                    for (TensorInfo t : target.tensors().tensors()) {
                        int n = Math.toIntExact(t.shape().elementCount());
                        float[] want = new float[n];
                        float[] got = new float[n];
                        compute.toFloat(target.tensors().tensor(t.name()).data(), t.dtype(), want, n);
                        TensorInfo mine = model.tensors().find(t.name()).orElseThrow();
                        compute.toFloat(model.tensors().tensor(t.name()).data(), mine.dtype(), got, n);
                        for (int i = 0; i < n; i++) {
                            if (sample > 0) {
                                double p = sample < 1 ? sample : Math.min(1, sample / n);
                                long h = (t.name().hashCode() * 0x9E3779B97F4A7C15L) ^ (i * 0xBF58476D1CE4E5B9L)
                                        ^ sampleSeed;
                                h ^= h >>> 31;
                                h *= 0x94D049BB133111EBL;
                                h ^= h >>> 29;
                                if ((h >>> 11) * 0x1.0p-53 >= p) {
                                    continue;
                                }
                            }
                            double d = (double) got[i] - want[i];
                            sum += d * d;
                            count++;
                        }
                    }
                    double mse = count == 0 ? 0 : sum / count;
                    return new EvaluationResult(Map.of("mse", mse), -mse);
                }

                @Override
                public void close() {
                    target.close();
                }
            };
        }
    }

    /** A (1+λ) evolution strategy: λ Gaussian steps around the best point so far; deterministic for its seed. */
    static final class OnePlusLambda implements SearchStrategyFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("test-es", "1.0.0", ExtensionKind.SEARCH_STRATEGY, "(1+lambda)-ES",
                    ParameterSchema.of(ParameterSpec.integer("lambda", 4, 1L, null, ""),
                            ParameterSpec.number("sigma", 0.2, 0.0, null, "")),
                    Set.of(Capability.PARAMETER_GENOMES));
        }

        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            int lambda = (int) parameters.integer("lambda");
            double sigma = parameters.number("sigma");
            RandomSource random = context.random().fork("test-es");
            SearchSpace space = problem.space();
            return new SearchStrategy() {
                private ParameterGenome best = (ParameterGenome) problem.seeds().getFirst();
                private double bestFitness = Double.NEGATIVE_INFINITY;
                private long counter;
                private boolean first = true;

                @Override
                public List<Genome> ask() {
                    List<Genome> batch = new ArrayList<>();
                    if (first) {
                        batch.add(best);
                    }
                    while (batch.size() < lambda) {
                        double[] x = best.values();
                        for (int i = 0; i < x.length; i++) {
                            double u1 = Math.max(1e-300, random.uniform(counter++));
                            double u2 = random.uniform(counter++);
                            double z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
                            SearchSpace.Dimension d = space.dimensions().get(i);
                            x[i] = Math.max(d.lower(), Math.min(d.upper(), x[i] + sigma * (d.upper() - d.lower()) * z));
                        }
                        batch.add(new ParameterGenome(x));
                    }
                    first = false;
                    return batch;
                }

                @Override
                public void tell(List<ScoredGenome> results) {
                    for (ScoredGenome s : results) {
                        if (s.fitness().primary() > bestFitness) {
                            bestFitness = s.fitness().primary();
                            best = (ParameterGenome) s.genome();
                        }
                    }
                }

                @Override
                public boolean isFinished() {
                    return false;
                }
            };
        }
    }

    /**
     * A small generational GA over whole models: the seeds are scored first; then each generation breeds
     * {@code children} by crossover (through the run's merge method) of two parents, picked by the run's selection
     * scheme or uniformly, optionally mutated; the best {@code population} survive.
     */
    static final class TinyGa implements SearchStrategyFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("test-ga", "1.0.0", ExtensionKind.SEARCH_STRATEGY, "tiny GA",
                    ParameterSchema.of(ParameterSpec.integer("children", 2, 1L, null, "")),
                    Set.of(Capability.MODEL_GENOMES));
        }

        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            int children = (int) parameters.integer("children");
            RandomSource random = context.random().fork("test-ga");
            int size = problem.seeds().size();
            return new SearchStrategy() {
                private List<ScoredGenome> population = new ArrayList<>();
                private List<Genome> asked = List.of();
                private long counter;

                @Override
                public List<Genome> ask() {
                    if (population.isEmpty()) {
                        asked = problem.seeds();
                        return asked;
                    }
                    List<Genome> batch = new ArrayList<>();
                    for (int c = 0; c < children; c++) {
                        int a = (int) (random.uniform(counter++) * population.size());
                        int b = (int) (random.uniform(counter++) * population.size());
                        if (b == a) {
                            b = (a + 1) % population.size();
                        }
                        Genome child = problem.crossover().orElseThrow().apply(
                                List.of(population.get(a).genome(), population.get(b).genome()),
                                random.fork(counter++));
                        batch.add(child);
                    }
                    asked = batch;
                    return batch;
                }

                @Override
                public void tell(List<ScoredGenome> results) {
                    List<ScoredGenome> all = new ArrayList<>(population);
                    all.addAll(results);
                    all.sort(Comparator.comparingDouble((ScoredGenome s) -> -s.fitness().primary()));
                    Map<String, ScoredGenome> unique = new LinkedHashMap<>();
                    for (ScoredGenome s : all) {
                        unique.putIfAbsent(((ModelGenome) s.genome()).contentHash(), s);
                    }
                    population = new ArrayList<>(unique.values()).subList(0, Math.min(size, unique.size()));
                }

                @Override
                public boolean isFinished() {
                    return false;
                }
            };
        }
    }
}
