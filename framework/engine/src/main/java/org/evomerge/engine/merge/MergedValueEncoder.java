package org.evomerge.engine.merge;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.tensor.DType;
import org.evomerge.compute.NaNScan;
import org.evomerge.engine.tensor.TensorReader;

/**
 * What happens to a method's merged values before they are written, whether a block (streamed) or a whole tensor:
 * a NaN is an error naming the tensor and the method; the values are rounded to the working precision (mergekit casts
 * results to its dtype); then they are encoded in the output dtype.
 *
 * @param working the precision results are rounded to (the plan's working dtype)
 * @param output  the dtype written (the plan's output dtype)
 */
record MergedValueEncoder(String methodId, DType working, DType output, TensorReader reader, TensorCodecs codecs) {

    MergedValueEncoder(MergePlan plan, String methodId, TensorReader reader, TensorCodecs codecs) {
        this(methodId, plan.workingDtype(), plan.outDtype(), reader, codecs);
    }

    /**
     * Checks, rounds and encodes {@code values[0..n)} of tensor {@code tensorName} into {@code target}
     * ({@code n} elements of the output dtype); {@code values} is rounded in place.
     *
     * @param values exactly {@code n} long
     */
    void encode(String tensorName, float[] values, int n, MemorySegment target) {
        if (NaNScan.any(values)) {
            throw EvomergeException.input(tensorName + ": merge method '" + methodId
                    + "' produced NaN (are the inputs finite?)", null);
        }
        if (output != working) {
            // Encoding to the working dtype rounds exactly as this would: only a different output dtype needs it.
            reader.round(values, n, working);
        }
        codecs.fromFloat(values, output, target, n);
    }
}
