package org.evomerge.testkit;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.merge.ModelTensor;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
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
            return input -> {
                float[] merged = new float[input.elementCount()];
                for (int i = 0; i < merged.length; i++) {
                    double logSum = 0;
                    for (ModelTensor model : input.models()) {
                        logSum += Math.log(model.values()[i]);
                    }
                    merged[i] = (float) Math.exp(logSum / input.models().size());
                }
                return merged;
            };
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
     * Saves an allocation by writing the result into the input buffers, which other tensors' merges may share. Merging
     * again gives the same result, so only the check that inputs stay untouched can see it.
     */
    @Extension
    public static final class InputScribblingFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return input -> {
                float[] merged = MeanMergeFactory.mean(input);
                for (ModelTensor model : input.models()) {
                    System.arraycopy(merged, 0, model.values(), 0, merged.length);
                }
                return input.models().getFirst().values();
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

    /** Pads the output to a multiple of 8 (for a vector loop) and forgets to trim it. */
    @Extension
    public static final class PaddedOutputFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return input -> {
                float[] merged = MeanMergeFactory.mean(input);
                return Arrays.copyOf(merged, (merged.length + 7) / 8 * 8);
            };
        }
    }

    @MustFail("producesOneFiniteValuePerElementAndLeavesInputsUntouched")
    static class PaddedOutputFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new PaddedOutputFactory();
        }
    }

    /** Sums the weighted models and forgets to divide by the total weight: merging a model with itself scales it. */
    @Extension
    public static final class UnnormalisedSumFactory extends MeanVariant {
        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return input -> {
                float[] merged = new float[input.elementCount()];
                for (ModelTensor model : input.models()) {
                    double weight = model.parameters().number("weight");
                    for (int i = 0; i < merged.length; i++) {
                        merged[i] += (float) (weight * model.values()[i]);
                    }
                }
                return merged;
            };
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
     * {@code input.random()}. Copies still merge to themselves, so only the seed check can see it.
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
            return input -> {
                SplittableRandom random = new SplittableRandom();
                List<ModelTensor> models = input.models();
                float[] merged = new float[input.elementCount()];
                for (int i = 0; i < merged.length; i++) {
                    merged[i] = models.get(random.nextInt(models.size())).values()[i];
                }
                return merged;
            };
        }
    }

    @MustFail("dependsOnlyOnTheSeed")
    static class UnseededPickFixture extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new UnseededPickFactory();
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
            return input -> TaskArithmeticFactory.taskArithmetic(input,
                    input.base().map(ModelTensor::values).orElseGet(() -> new float[input.elementCount()]));
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
