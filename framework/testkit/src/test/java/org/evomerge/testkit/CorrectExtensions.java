package org.evomerge.testkit;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.pf4j.Extension;

/**
 * Small but correct extensions, one or two per extension point: what the contracts must accept. The broken fixtures
 * reuse their descriptors and arithmetic so that each fixture differs from a correct extension by one defect.
 */
final class CorrectExtensions {

    private CorrectExtensions() {
    }

    static final ModelConfig TOY_CONFIG = new ModelConfig(Map.of(), Map.of("architectures", List.of("ToyForCausalLM"),
            "model_type", "toy", "num_hidden_layers", 1, "hidden_size", 4, "intermediate_size", 8,
            "num_attention_heads", 1, "head_dim", 4, "vocab_size", 16, "rope_theta", 10_000.0, "rms_norm_eps", 1e-5));

    /** A model whose values average exactly to {@code mean} (so evaluators have a known answer). */
    static InMemoryModel model(float mean) {
        return InMemoryModel.of(TOY_CONFIG, List.of(
                InMemoryTensor.ofFloats("model.embed_tokens.weight", Shape.of(2, 3), mean - 1, mean + 1, mean - 2,
                        mean + 2, mean, mean),
                InMemoryTensor.ofFloats("model.norm.weight", Shape.of(2), mean - 0.5f, mean + 0.5f)));
    }

    /** A genome inside the contract's default search box. */
    static ParameterGenome genome() {
        return new ParameterGenome(new double[] {0.5, -0.25, 1.0});
    }

    // ---------------------------------------------------------------------------------------------------- merge

    /** Weighted element-wise mean. */
    @Extension
    public static final class MeanMergeFactory implements MergeMethodFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("mean", "1.0.0",
                ExtensionKind.MERGE_METHOD, "Weighted element-wise mean of the models.",
                ParameterSchema.of(ParameterSpec.number("weight", 1.0, 0.0, null, "this model's weight")
                        .withScope(ParameterScope.PER_MODEL)),
                Set.of());

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                double[] weights = weights(input);
                values.merge((block, out) -> mean(block.models(), weights, out));
            };
        }

        /** The models' weights; their sum is not zero. */
        static double[] weights(MergeInput input) {
            double[] weights = new double[input.models().size()];
            double total = 0;
            for (int m = 0; m < weights.length; m++) {
                weights[m] = input.models().get(m).parameters().number("weight");
                total += weights[m];
            }
            if (total == 0) {
                // The documented degenerate case: an error naming the tensor rather than 0/0 = NaN.
                throw EvomergeException.configuration(input.tensorName() + ": the mean's weights sum to zero");
            }
            return weights;
        }

        /** The weighted mean of {@code models} into {@code out}, element by element. */
        static void mean(float[][] models, double[] weights, float[] out) {
            double total = 0;
            for (double weight : weights) {
                total += weight;
            }
            for (int i = 0; i < out.length; i++) {
                double sum = 0;
                for (int m = 0; m < models.length; m++) {
                    sum += weights[m] * models[m][i];
                }
                out[i] = (float) (sum / total);
            }
        }
    }

    /** {@code base + scale · Σ (model − base)}: exercises the contract's base-model checks. */
    @Extension
    public static final class TaskArithmeticFactory implements MergeMethodFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("task-arithmetic", "1.0.0",
                ExtensionKind.MERGE_METHOD, "Adds the models' task vectors to the base model.",
                ParameterSchema.of(ParameterSpec.number("scale", 1.0, 0.0, 10.0, "multiplier of the task vectors")
                        .withScope(ParameterScope.PER_TENSOR)),
                Set.of(Capability.REQUIRES_BASE_MODEL));

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                input.base().orElseThrow(() -> EvomergeException.configuration(
                        input.tensorName() + ": task-arithmetic needs a base model"));
                double scale = input.parameters().number("scale");
                values.merge((block, out) -> taskArithmetic(block.models(), block.base(), scale, out));
            };
        }

        static void taskArithmetic(float[][] models, float[] base, double scale, float[] out) {
            for (int i = 0; i < out.length; i++) {
                double delta = 0;
                for (float[] model : models) {
                    delta += model[i] - base[i];
                }
                out[i] = (float) (base[i] + scale * delta);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ selection

    /** Tournament selection with replacement: the fittest of {@code size} uniform draws wins each slot. */
    @Extension
    public static final class TournamentFactory implements SelectionSchemeFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("tournament", "1.0.0",
                ExtensionKind.SELECTION_SCHEME, "The fittest of a few random candidates wins.",
                ParameterSchema.of(ParameterSpec.integer("size", 2, 1L, 16L, "candidates per tournament")),
                Set.of(Capability.RANDOMIZED));

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            int size = (int) parameters.integer("size");
            return (population, count, random) -> {
                checkArguments(population, count);
                return tournaments(population, count, size, random.generator());
            };
        }

        static void checkArguments(List<Candidate> population, int count) {
            if (population.isEmpty()) {
                throw new IllegalArgumentException("cannot select from an empty population");
            }
            if (count < 0) {
                throw new IllegalArgumentException("cannot select " + count + " candidates");
            }
        }

        static List<Integer> tournaments(List<Candidate> population, int count, int size, RandomGenerator generator) {
            List<Integer> chosen = new ArrayList<>(count);
            for (int slot = 0; slot < count; slot++) {
                int best = generator.nextInt(population.size());
                for (int round = 1; round < size; round++) {
                    int challenger = generator.nextInt(population.size());
                    if (population.get(challenger).fitness().primary() > population.get(best).fitness().primary()) {
                        best = challenger;
                    }
                }
                chosen.add(best);
            }
            return List.copyOf(chosen);
        }
    }

    // ------------------------------------------------------------------------------------------------- mutation

    /** Adds Gaussian noise to every coordinate of a parameter genome. */
    @Extension
    public static final class GaussianMutationFactory implements MutationFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("gaussian", "1.0.0",
                ExtensionKind.MUTATION, "Adds N(0, sigma²) noise to every coordinate.",
                ParameterSchema.of(ParameterSpec.number("sigma", 0.1, 0.0, null, "standard deviation of the noise")),
                Set.of(Capability.PARAMETER_GENOMES, Capability.RANDOMIZED));

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public Mutation create(Parameters parameters, RunContext context) {
            double sigma = parameters.number("sigma");
            return new Mutation() {
                @Override
                public boolean accepts(Genome genome) {
                    return genome instanceof ParameterGenome;
                }

                @Override
                public Genome mutate(MutationInput input) {
                    return perturb((ParameterGenome) input.parent(), sigma, input.random().generator());
                }
            };
        }

        static ParameterGenome perturb(ParameterGenome parent, double sigma, RandomGenerator generator) {
            double[] values = parent.values();
            for (int i = 0; i < values.length; i++) {
                values[i] += sigma * generator.nextGaussian();
            }
            return new ParameterGenome(values);
        }
    }

    // ------------------------------------------------------------------------------------------------ evaluator

    /** Scores a model by how close the mean of all its float32 values is to {@code target}. */
    @Extension
    public static final class TensorMeanEvaluatorFactory implements EvaluatorFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("tensor-mean", "1.0.0",
                ExtensionKind.EVALUATOR, "Negated distance of the mean weight from a target.",
                ParameterSchema.of(ParameterSpec.number("target", 0.0, null, null, "the mean to aim for")),
                Set.of());

        static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            double target = parameters.number("target");
            return model -> {
                double mean = mean(model);
                double error = Math.abs(mean - target);
                return new EvaluationResult(Map.of("mean", mean, "abs_error", error), -error);
            };
        }

        /** The mean of every element, summed in storage order so the answer never depends on scheduling. */
        static double mean(Model model) {
            double sum = 0;
            long count = 0;
            for (TensorInfo info : model.tensors().tensors()) {
                if (info.dtype() != DType.F32) {
                    throw EvomergeException.input(info.name() + ": tensor-mean reads float32 only, got " + info.dtype(),
                            null);
                }
                MemorySegment data = model.tensors().tensor(info.name()).data();
                long n = info.shape().elementCount();
                for (long i = 0; i < n; i++) {
                    sum += data.getAtIndex(F32, i);
                }
                count += n;
            }
            return count == 0 ? 0 : sum / count;
        }
    }

    // --------------------------------------------------------------------------------------------------- search

    /**
     * A seeded hill climber: a uniform first batch, then Gaussian steps around the best genome so far, clamped to the
     * box. Its only state is the generator and the best genome, both functions of the seed and the scores told.
     */
    @Extension
    public static final class HillClimbFactory implements SearchStrategyFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("hill-climb", "1.0.0",
                ExtensionKind.SEARCH_STRATEGY, "Gaussian steps around the best point so far.",
                ParameterSchema.of(
                        ParameterSpec.integer("batch_size", 4, 1L, 4096L, "genomes per batch"),
                        ParameterSpec.integer("generations", 10, 1L, 1_000_000L, "batches before the climber stops"),
                        ParameterSpec.number("step", 0.2, 0.0, null, "step as a fraction of each dimension's width")),
                Set.of(Capability.PARAMETER_GENOMES, Capability.RANDOMIZED));

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            return new HillClimb(problem.space(), parameters, context.random(), true);
        }
    }

    /** The climber itself; {@code clamp} exists so a fixture can leave the box. */
    static class HillClimb implements SearchStrategy {

        private final SearchSpace space;
        private final int batchSize;
        private final long generations;
        private final double step;
        private final boolean clamp;
        private final RandomGenerator generator;
        private ParameterGenome best;
        private double bestScore = Double.NEGATIVE_INFINITY;
        private List<Genome> pending = List.of();
        private long asked;

        HillClimb(SearchSpace space, Parameters parameters, RandomSource random, boolean clamp) {
            this.space = space;
            this.batchSize = (int) parameters.integer("batch_size");
            this.generations = parameters.integer("generations");
            this.step = parameters.number("step");
            this.clamp = clamp;
            this.generator = random.generator();
        }

        @Override
        public List<Genome> ask() {
            if (isFinished()) {
                return List.of();
            }
            List<Genome> batch = new ArrayList<>(batchSize);
            for (int b = 0; b < batchSize; b++) {
                batch.add(propose());
            }
            asked++;
            pending = List.copyOf(batch);
            return pending;
        }

        /** One genome of the next batch; a fixture overrides it to get the genome's size wrong. */
        protected ParameterGenome propose() {
            double[] values = new double[space.size()];
            for (int i = 0; i < values.length; i++) {
                SearchSpace.Dimension d = space.dimensions().get(i);
                double width = d.upper() - d.lower();
                double value = best == null ? d.lower() + generator.nextDouble() * width
                        : best.get(i) + step * width * generator.nextGaussian();
                values[i] = clamp ? Math.clamp(value, d.lower(), d.upper()) : value;
            }
            return new ParameterGenome(values);
        }

        @Override
        public void tell(List<ScoredGenome> results) {
            if (results.size() != pending.size()) {
                throw new IllegalStateException("told " + results.size() + " scores for a batch of " + pending.size());
            }
            for (ScoredGenome result : results) {
                // Strictly better only, so ties keep the earliest genome and replays agree.
                if (result.fitness().primary() > bestScore && result.genome() instanceof ParameterGenome p) {
                    best = p;
                    bestScore = result.fitness().primary();
                }
            }
            pending = List.of();
        }

        @Override
        public boolean isFinished() {
            return asked >= generations;
        }
    }
}
