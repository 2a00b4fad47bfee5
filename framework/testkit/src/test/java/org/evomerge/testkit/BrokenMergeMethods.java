package org.evomerge.testkit;

import java.util.Set;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.testkit.CorrectExtensions.MeanMergeFactory;
import org.evomerge.testkit.CorrectExtensions.TaskArithmeticFactory;
import org.pf4j.Extension;

/** Merge methods with one defect each, and the {@link MergeMethodContract} fixtures that must catch it. */
final class BrokenMergeMethods {

    private BrokenMergeMethods() {
    }

    /** Variants of the mean: same descriptor, so only the arithmetic differs from the correct method. */
    private abstract static class MeanVariant implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return MeanMergeFactory.DESCRIPTOR;
        }
    }

    /** Geometric mean through logarithms: NaN for every negative weight, and half of all weights are negative. */
    @Extension
    public static final class GeometricMeanFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> values.merge((block, out) -> {
                for (int i = 0; i < out.length; i++) {
                    double logSum = 0;
                    for (float[] model : block.models()) {
                        logSum += Math.log(model[i]);
                    }
                    out[i] = (float) Math.exp(logSum / block.models().length);
                }
            });
        }
    }

    @MustFail({"producesOneFiniteValuePerElementAndLeavesInputsUntouched", "mergingCopiesOfOneTensorReturnsIt"})
    static class GeometricMeanFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new GeometricMeanFactory();
        }
    }

    /**
     * Saves a pass by writing the result into the input blocks, which are the engine's (and, for a tensor given whole,
     * the inputs themselves). Merging again gives the same result, so only the check that inputs stay untouched can
     * see it.
     */
    @Extension
    public static final class InputScribblingFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                double[] weights = MeanMergeFactory.weights(input);
                values.merge((block, out) -> {
                    MeanMergeFactory.mean(block.models(), weights, out);
                    for (float[] model : block.models()) {
                        System.arraycopy(out, 0, model, 0, out.length);
                    }
                });
            };
        }
    }

    @MustFail("producesOneFiniteValuePerElementAndLeavesInputsUntouched")
    static class InputScribblingFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new InputScribblingFactory();
        }
    }

    /** Adds the mean to what the output holds instead of overwriting it: right only while outputs start zeroed. */
    @Extension
    public static final class AccumulatingFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                double[] weights = MeanMergeFactory.weights(input);
                values.merge((block, out) -> {
                    float[] mean = new float[out.length];
                    MeanMergeFactory.mean(block.models(), weights, mean);
                    for (int i = 0; i < out.length; i++) {
                        out[i] += mean[i];
                    }
                });
            };
        }
    }

    @MustFail("writesEveryElementOfTheOutput")
    static class AccumulatingFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new AccumulatingFactory();
        }
    }

    /** Computes the result and returns without the merge pass, so the engine would write whatever the output held. */
    @Extension
    public static final class NoMergePassFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> values.scan(0, block -> {
                MeanMergeFactory.mean(block.models(), MeanMergeFactory.weights(input), new float[block.length()]);
                return true;
            });
        }
    }

    @MustFail({"mergingCopiesOfOneTensorReturnsIt", "writesEveryElementOfTheOutput", "makesExactlyOneMergePass"})
    static class NoMergePassFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new NoMergePassFactory();
        }
    }

    /**
     * Scales the mean to the first model's L1 norm, but measures both norms per block instead of over the tensor: right
     * for a tensor given whole, wrong once the tensor comes in blocks.
     */
    @Extension
    public static final class PerBlockNormFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                double[] weights = MeanMergeFactory.weights(input);
                values.merge((block, out) -> {
                    MeanMergeFactory.mean(block.models(), weights, out);
                    double first = 0;
                    double mean = 0;
                    for (int i = 0; i < out.length; i++) {
                        first += Math.abs(block.models()[0][i]);
                        mean += Math.abs(out[i]);
                    }
                    double scale = mean == 0 ? 1 : first / mean;
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) (out[i] * scale);
                    }
                });
            };
        }
    }

    @MustFail("blocksOfAnySizeGiveTheOneBlockResult")
    static class PerBlockNormFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new PerBlockNormFactory();
        }
    }

    /** Sums the weighted models and forgets to divide by the total weight: merging a model with itself scales it. */
    @Extension
    public static final class UnnormalisedSumFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> values.merge((block, out) -> {
                for (int i = 0; i < out.length; i++) {
                    float sum = 0;
                    for (int m = 0; m < block.models().length; m++) {
                        sum += (float) (input.models().get(m).parameters().number("weight") * block.models()[m][i]);
                    }
                    out[i] = sum;
                }
            });
        }
    }

    @MustFail("mergingCopiesOfOneTensorReturnsIt")
    static class UnnormalisedSumFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new UnnormalisedSumFactory();
        }
    }

    /**
     * Takes each element from a randomly chosen model, but draws from a clock-seeded generator instead of
     * {@code input.random()}. Copies still merge to themselves, so only the checks that merge one tensor twice see it.
     */
    @Extension
    public static final class UnseededPickFactory implements MergeMethodFactory {
        private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("random-pick", "1.0.0",
                ExtensionKind.MERGE_METHOD, "Each element from a random model.", ParameterSchema.EMPTY,
                Set.of(Capability.RANDOMIZED));

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return new MergeMethod() {
                @Override
                public boolean needsWholeTensor(MergeInput input) {
                    return true;
                }

                @Override
                public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
                    SplittableRandom random = new SplittableRandom();
                    values.merge((block, out) -> {
                        for (int i = 0; i < out.length; i++) {
                            out[i] = block.models()[random.nextInt(block.models().length)][i];
                        }
                    });
                }
            };
        }
    }

    @MustFail({"dependsOnlyOnTheSeed", "writesEveryElementOfTheOutput",
            "runsOnABackendWithoutTheOperationsItDoesNotDeclare"})
    static class UnseededPickFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new UnseededPickFactory();
        }
    }

    /**
     * Task arithmetic through the backend's task-vector operations, without declaring
     * {@link Capability#TASK_VECTOR_OPERATIONS}: the engine would let it start on a backend that lacks them.
     */
    @Extension
    public static final class UndeclaredTaskVectorsFactory implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return TaskArithmeticFactory.DESCRIPTOR;
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            TaskVectorOperations operations = context.compute().taskVectors()
                    .orElseThrow(() -> new IllegalStateException("no task-vector operations"));
            return (input, values, statistics) -> {
                input.base().orElseThrow(() -> EvomergeException.configuration(
                        input.tensorName() + ": task-arithmetic needs a base model"));
                double scale = input.parameters().number("scale");
                values.merge((block, out) -> {
                    float[] delta = new float[out.length];
                    double[] sum = new double[out.length];
                    for (float[] model : block.models()) {
                        operations.taskVector(model, block.base(), delta);
                        for (int i = 0; i < out.length; i++) {
                            sum[i] += delta[i];
                        }
                    }
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) (block.base()[i] + scale * sum[i]);
                    }
                });
            };
        }
    }

    @MustFail("runsOnABackendWithoutTheOperationsItDoesNotDeclare")
    static class UndeclaredTaskVectorsFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new UndeclaredTaskVectorsFactory();
        }
    }

    /** Declares that it requires a base model, then silently uses zeros when none is given. */
    @Extension
    public static final class ZeroBaseFactory implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return TaskArithmeticFactory.DESCRIPTOR;
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                double scale = input.parameters().number("scale");
                values.merge((block, out) -> TaskArithmeticFactory.taskArithmetic(block.models(),
                        block.base() != null ? block.base() : new float[out.length], scale, out));
            };
        }
    }

    @MustFail("refusesToRunWithoutABaseModelWhenItNeedsOne")
    static class ZeroBaseFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new ZeroBaseFactory();
        }
    }
}
