package org.evomerge.engine.lora;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.kernels.FloatCodecs;

/**
 * Element-wise float views of the dtypes a LoRA adapter and the weights it changes are stored in (F64, F32, F16,
 * BF16): LoRA updates are added element by element, at any offset, so block-quantized weights are out of reach.
 */
final class TensorFloats {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorFloats() {
    }

    /** Whether {@code type} is one a LoRA update is added to. */
    static boolean supports(DType type) {
        return type == DType.F32 || type == DType.F16 || type == DType.BF16 || type == DType.F64;
    }

    /**
     * The whole tensor as float32.
     *
     * @throws EvomergeException (INPUT) naming {@code file} and the tensor when its dtype is not one of F64, F32, F16,
     *                           BF16 or it has 2^31 elements or more
     */
    static float[] of(Tensor tensor, Path file) {
        if (!supports(tensor.info().dtype())) {
            throw EvomergeException.input(file + ": tensor '" + tensor.info().name() + "' is "
                    + tensor.info().dtype() + "; LoRA tensors are F32, F16, BF16 or F64", null);
        }
        long count = tensor.info().shape().elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw EvomergeException.input(file + ": tensor '" + tensor.info().name() + "' has " + count
                    + " elements, more than evomerge holds in one piece (2^31)", null);
        }
        float[] values = new float[(int) count];
        MemorySegment data = tensor.data();
        for (int i = 0; i < values.length; i++) {
            values[i] = get(data, tensor.info().dtype(), i);
        }
        return values;
    }

    static float get(MemorySegment data, DType type, long index) {
        return switch (type) {
            case F32 -> data.get(F32, index * 4);
            case F64 -> (float) data.get(F64, index * 8);
            case F16 -> FloatCodecs.f16ToFloat(data.get(I16, index * 2) & 0xFFFF);
            case BF16 -> FloatCodecs.bf16ToFloat(data.get(I16, index * 2) & 0xFFFF);
            default -> throw new IllegalArgumentException("not an element-wise float type: " + type);
        };
    }

    static void set(MemorySegment data, DType type, long index, double value) {
        switch (type) {
            case F32 -> data.set(F32, index * 4, (float) value);
            case F64 -> data.set(F64, index * 8, value);
            case F16 -> data.set(I16, index * 2, FloatCodecs.floatToF16((float) value));
            case BF16 -> data.set(I16, index * 2, FloatCodecs.floatToBf16((float) value));
            default -> throw new IllegalArgumentException("not an element-wise float type: " + type);
        }
    }
}
