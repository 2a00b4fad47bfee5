package org.evomerge.gpu.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.evomerge.api.tensor.DType;

/**
 * What identifies a weight matrix's device copy: its dtype, shape and a 128-bit hash of its stored bytes. Two loads
 * of the same content (the same model loaded again, a merge candidate that equals one already evaluated, tied
 * tensors) get equal keys and so share one device copy. The two 64-bit halves are independent multiply-xorshift
 * hashes of the bytes read as little-endian words, so an accidental match of different content needs both to collide.
 */
record WeightContentKey(DType dtype, int rows, int cols, long low, long high) {

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The key of the {@code bytes} of a {@code rows × cols} matrix stored as {@code dtype}. */
    static WeightContentKey of(MemorySegment bytes, DType dtype, int rows, int cols) {
        long size = bytes.byteSize();
        long low = 0x9E3779B97F4A7C15L ^ size;
        long high = 0xC2B2AE3D27D4EB4FL + size;
        long words = size / Long.BYTES;
        for (long i = 0; i < words; i++) {
            long word = bytes.get(WORD, i * Long.BYTES);
            low = mix(low ^ word, 0xBF58476D1CE4E5B9L);
            high = mix(high + word, 0x94D049BB133111EBL) ^ i;
        }
        long tail = 0;
        for (long i = words * Long.BYTES; i < size; i++) {
            tail = (tail << 8) | (bytes.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        }
        low = mix(low ^ tail, 0xBF58476D1CE4E5B9L);
        high = mix(high + tail, 0x94D049BB133111EBL);
        return new WeightContentKey(dtype, rows, cols, low, high);
    }

    private static long mix(long z, long multiplier) {
        z = (z ^ (z >>> 31)) * multiplier;
        return z ^ (z >>> 29);
    }
}
