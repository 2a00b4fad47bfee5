package org.evomerge.engine.merge;

import java.util.function.BooleanSupplier;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * A merge method called on one tensor, whole (one block) or streamed in blocks alike: the method's internal failure
 * ({@link IllegalStateException}) and a method that returns without a merge pass are errors naming the method.
 */
final class MergeMethodCall {

    private MergeMethodCall() {
    }

    /**
     * @param merged whether {@code values} saw its merge pass, asked once the method has returned
     */
    static void merge(MergeMethod method, String methodId, MergeInput input, TensorBlocks values,
                      ModelWideStatistics statistics, BooleanSupplier merged) {
        try {
            method.merge(input, values, statistics);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(methodId + ": " + e.getMessage(), e);
        }
        if (!merged.getAsBoolean()) {
            throw new IllegalStateException(methodId + ": tensor '" + input.tensorName()
                    + "' was not merged (merge returned without a merge pass)");
        }
    }
}
