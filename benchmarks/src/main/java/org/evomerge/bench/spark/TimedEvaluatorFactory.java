package org.evomerge.bench.spark;

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
import org.evomerge.api.tensor.TensorInfo;

/**
 * The benchmark's evaluator, packed by {@code SparkBenchmark} into a folder plugin: score = −(mean weight − 0.7)² of
 * the float32 candidate, after sleeping {@code delay_ms} (a fixed evaluation cost, so what differs between executors
 * is their overhead).
 */
public final class TimedEvaluatorFactory implements EvaluatorFactory {

    @Override
    public ExtensionDescriptor descriptor() {
        return new ExtensionDescriptor("bench-timed", "1.0.0", ExtensionKind.EVALUATOR, "mean weight after a delay",
                ParameterSchema.of(ParameterSpec.integer("delay_ms", 0, 0L, 600_000L, "fixed cost per evaluation")),
                Set.of());
    }

    @Override
    public Evaluator create(Parameters parameters, RunContext context) {
        long delay = parameters.integer("delay_ms");
        return (Model model) -> {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            double sum = 0;
            long count = 0;
            for (TensorInfo t : model.tensors().tensors()) {
                MemorySegment data = model.tensors().tensor(t.name()).data();
                long n = t.shape().elementCount();
                for (long i = 0; i < n; i++) {
                    sum += data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i);
                }
                count += n;
            }
            double mean = sum / count;
            return new EvaluationResult(Map.of("mean", mean), -(mean - 0.7) * (mean - 0.7));
        };
    }
}
