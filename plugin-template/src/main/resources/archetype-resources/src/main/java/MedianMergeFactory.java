package ${package};

import java.util.Arrays;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * Element-wise median merge. Without a base model each output element is the median of the models' elements;
 * with one, it is {@code base + scale · median(model − base)}, a robust alternative to averaging task vectors
 * that ignores a single model's outliers. With an even number of models the median is the mean of the two middle
 * values.
 *
 * <p>Each element depends only on the same element of the inputs, so the method merges tensors in the blocks the
 * engine streams them in (the default of {@code MergeMethod.needsWholeTensor}): no scan, one merge pass. A method that
 * needs per-tensor statistics makes its scans first; one that needs the whole tensor at once says so with
 * {@code needsWholeTensor} and gets it as a single block.
 */
@Extension
public class MedianMergeFactory implements MergeMethodFactory {

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("${methodId}", "1.0.0",
            ExtensionKind.MERGE_METHOD,
            "Element-wise median of the models (of their task vectors when a base model is given).",
            ParameterSchema.of(ParameterSpec.number("scale", 1.0, 0.0, 10.0,
                    "multiplier of the median task vector (used with a base model)").withScope(ParameterScope.PER_TENSOR)),
            Set.of(Capability.ACCEPTS_BASE_MODEL));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return (input, values, statistics) -> {
            double scale = input.parameters().number("scale");
            double[] column = new double[input.models().size()];
            values.merge((block, out) -> {
                float[] base = block.base();
                for (int i = 0; i < out.length; i++) {
                    for (int m = 0; m < column.length; m++) {
                        double value = block.models()[m][i];
                        column[m] = base == null ? value : value - base[i];
                    }
                    double median = median(column);
                    out[i] = (float) (base == null ? median : base[i] + scale * median);
                }
            });
        };
    }

    /** The median of {@code values} (sorted in place); the mean of the two middle values for an even count. */
    static double median(double[] values) {
        Arrays.sort(values);
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
