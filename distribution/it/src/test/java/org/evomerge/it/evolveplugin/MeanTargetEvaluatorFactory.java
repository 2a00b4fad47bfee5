package org.evomerge.it.evolveplugin;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Test evaluator packed into a folder plugin by {@code EvolveIT}: score = −(mean of every weight − target)², read
 * from the candidate's tensors (float32 or bfloat16), so a merge's weights decide its fitness. {@code delay_ms} makes
 * it slow on purpose (ClusterIT kills an executor while evaluations run).
 */
public final class MeanTargetEvaluatorFactory implements EvaluatorFactory {

    @Override
    public ExtensionDescriptor descriptor() {
        return new ExtensionDescriptor("mean-target", "1.0.0", ExtensionKind.EVALUATOR, "distance of the mean weight",
                ParameterSchema.of(ParameterSpec.number("target", 0.0, null, null, "wanted mean weight"),
                        ParameterSpec.integer("delay_ms", 0, 0L, 60_000L, "sleep before answering (a slow"
                                + " evaluation, for the cluster test)")), Set.of());
    }

    @Override
    public Evaluator create(Parameters parameters, RunContext context) {
        double target = parameters.number("target");
        long delay = parameters.integer("delay_ms");
        return (Model model) -> {
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            double sum = 0;
            long count = 0;
            for (TensorInfo t : model.tensors().tensors()) {
                MemorySegment data = model.tensors().tensor(t.name()).data();
                long n = t.shape().elementCount();
                for (long i = 0; i < n; i++) {
                    sum += t.dtype() == DType.BF16
                            ? Float.intBitsToFloat((data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
                                    ByteOrder.LITTLE_ENDIAN), 2 * i) & 0xffff) << 16)
                            : data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i);
                }
                count += n;
            }
            double mean = sum / count;
            return new EvaluationResult(Map.of("mean", mean), -(mean - target) * (mean - target));
        };
    }
}
