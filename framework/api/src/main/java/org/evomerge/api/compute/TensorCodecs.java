package org.evomerge.api.compute;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.Stable;
import org.evomerge.api.tensor.DType;

/**
 * Stored tensor elements to float32 working values and back: how every merge, kinship measurement and model store
 * reads and writes tensors. Every {@link ComputeBackend} has them. Implementations are thread-safe.
 */
@Stable(since = "0.1.0")
public interface TensorCodecs {

    /**
     * Decodes {@code count} elements of type {@code type} at byte offset 0 of {@code src} into {@code dst[0..count)}.
     * Block-quantized types decode whole blocks only.
     *
     * @throws IndexOutOfBoundsException if {@code count} is negative, beyond {@code dst}, or needs more bytes than
     *                                   {@code src} holds
     * @throws IllegalArgumentException  if {@code count} is not a whole number of a block type's blocks
     */
    void toFloat(MemorySegment src, DType type, float[] dst, int count);

    /**
     * Encodes {@code src[0..count)} into {@code dst} as {@code type}, rounding to nearest even; NaN and infinities
     * are kept, values beyond the type's range become infinities.
     *
     * @throws IllegalArgumentException  if {@code type} is not a floating-point type merges write
     * @throws IndexOutOfBoundsException as for {@link #toFloat}
     */
    void fromFloat(float[] src, DType type, MemorySegment dst, int count);
}
