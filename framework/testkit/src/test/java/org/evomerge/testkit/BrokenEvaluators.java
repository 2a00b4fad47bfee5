package org.evomerge.testkit;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.testkit.CorrectExtensions.TensorMeanEvaluatorFactory;
import org.pf4j.Extension;

/** Tensor-mean evaluators with one defect each, and the {@link EvaluatorContract} fixtures that must catch it. */
final class BrokenEvaluators {

    private BrokenEvaluators() {
    }

    /** Variants of the tensor-mean evaluator: same descriptor and parameters. */
    private abstract static class TensorMeanVariant implements EvaluatorFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return TensorMeanEvaluatorFactory.DESCRIPTOR;
        }
    }

    /** Fixtures score a model whose mean is exactly the default target 0, the degenerate case of some defects. */
    private abstract static class OnTargetFixture extends EvaluatorContract {
        @Override
        protected Model model() {
            return CorrectExtensions.model(0f);
        }
    }

    /**
     * Estimates the mean from a few sampled elements, drawing from one generator kept across calls: every call
     * sees a different sample, so the same model gets a different fitness each time.
     */
    @Extension
    public static final class ResamplingFactory extends TensorMeanVariant {
        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            RandomGenerator generator = context.random().generator();
            return model -> {
                TensorInfo info = model.tensors().tensors().getFirst();
                MemorySegment data = model.tensors().tensor(info.name()).data();
                double sum = 0;
                for (int s = 0; s < 4; s++) {
                    sum += data.getAtIndex(TensorMeanEvaluatorFactory.F32,
                            generator.nextLong(info.shape().elementCount()));
                }
                return new EvaluationResult(Map.of("sampled_mean", sum / 4), -Math.abs(sum / 4));
            };
        }
    }

    @MustFail("givesTheSameAnswerTwice")
    static class ResamplingFixture extends OnTargetFixture {
        @Override
        protected EvaluatorFactory factory() {
            return new ResamplingFactory();
        }
    }

    /** Scores on a log scale, {@code -log(error)}: a perfect model scores +Infinity. */
    @Extension
    public static final class LogScoreFactory extends TensorMeanVariant {
        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            double target = parameters.number("target");
            return model -> {
                double error = Math.abs(TensorMeanEvaluatorFactory.mean(model) - target);
                return new EvaluationResult(Map.of("abs_error", error), -Math.log(error));
            };
        }
    }

    @MustFail("scoresAModelWithFiniteNamedMetrics")
    static class LogScoreFixture extends OnTargetFixture {
        @Override
        protected EvaluatorFactory factory() {
            return new LogScoreFactory();
        }
    }

    /** Reports a relative error, {@code error / |target|}: 0 / 0 = NaN for a perfect model and the default target. */
    @Extension
    public static final class RelativeErrorFactory extends TensorMeanVariant {
        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            double target = parameters.number("target");
            return model -> {
                double error = Math.abs(TensorMeanEvaluatorFactory.mean(model) - target);
                return new EvaluationResult(Map.of("relative_error", error / Math.abs(target)), -error);
            };
        }
    }

    @MustFail("scoresAModelWithFiniteNamedMetrics")
    static class RelativeErrorFixture extends OnTargetFixture {
        @Override
        protected EvaluatorFactory factory() {
            return new RelativeErrorFactory();
        }
    }

    /** Returns a bare score: nothing to show the user or to log in the journal. */
    @Extension
    public static final class NoMetricsFactory extends TensorMeanVariant {
        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            double target = parameters.number("target");
            return model -> new EvaluationResult(Map.of(), -Math.abs(TensorMeanEvaluatorFactory.mean(model) - target));
        }
    }

    @MustFail("scoresAModelWithFiniteNamedMetrics")
    static class NoMetricsFixture extends OnTargetFixture {
        @Override
        protected EvaluatorFactory factory() {
            return new NoMetricsFactory();
        }
    }
}
