package org.evomerge.api.tensor;

import java.util.Optional;
import org.evomerge.api.Stable;

/**
 * Element types of stored tensors: the safetensors dtypes and the llama.cpp block-quantised types evomerge reads.
 * A block type stores {@link #blockSize()} elements in {@link #bytesPerBlock()} bytes; a plain type has block size 1.
 */
@Stable(since = "0.1.0")
public enum DType {
    F64(1, 8, true),
    F32(1, 4, true),
    F16(1, 2, true),
    BF16(1, 2, true),
    I64(1, 8, false),
    I32(1, 4, false),
    I16(1, 2, false),
    I8(1, 1, false),
    U8(1, 1, false),
    BOOL(1, 1, false),
    F8_E4M3(1, 1, true),
    F8_E5M2(1, 1, true),
    /** GGUF: fp16 scale + 32 signed bytes. */
    Q8_0(32, 34, true),
    /** GGUF: fp16 scale + 32 four-bit values. */
    Q4_0(32, 18, true),
    /** GGUF: 256-element super-block with 6-bit sub-block scales and minimums. */
    Q4_K(256, 144, true),
    /** GGUF: 256-element super-block with 6-bit sub-block scales and minimums and a fifth bit per value. */
    Q5_K(256, 176, true),
    /** GGUF: 256-element super-block with 8-bit sub-block scales. */
    Q6_K(256, 210, true);

    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean floatingPoint;

    DType(int blockSize, int bytesPerBlock, boolean floatingPoint) {
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.floatingPoint = floatingPoint;
    }

    public int blockSize() {
        return blockSize;
    }

    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether the values are real numbers (floats or quantised floats), which merge methods can combine. */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes needed for {@code elements} values.
     *
     * @throws IllegalArgumentException if a block type gets a count that is not a multiple of its block size
     */
    public long byteSize(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("negative element count " + elements);
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " stores whole blocks of " + blockSize + " elements, not " + elements);
        }
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    /** The name safetensors headers use, or empty for types safetensors cannot store. */
    public Optional<String> safetensorsName() {
        return isQuantized() ? Optional.empty() : Optional.of(name());
    }

    /** The type a safetensors header names, or empty when the name is unknown. */
    public static Optional<DType> fromSafetensorsName(String name) {
        for (DType type : values()) {
            if (!type.isQuantized() && type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
