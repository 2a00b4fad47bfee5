package org.evomerge.api.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import org.evomerge.api.Experimental;

/**
 * A tensor whose bytes are held in memory: a merge result, trained weights, a test fixture. The bytes are exposed
 * read-only.
 *
 * @param info its name, dtype and shape
 * @param data its bytes in {@code info().dtype()} layout, little-endian, exactly {@code info().byteSize()} long; kept
 *             as a read-only view
 */
@Experimental(since = "0.1.0", reason = "models and tensors held in memory; how their memory is released may change")
public record InMemoryTensor(TensorInfo info, MemorySegment data) implements Tensor {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public InMemoryTensor {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(data, "data");
        if (data.byteSize() != info.byteSize()) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + data.byteSize() + " bytes, "
                    + info.byteSize() + " expected for " + info.dtype() + " " + info.shape());
        }
        data = data.asReadOnly();
    }

    /**
     * A float32 tensor holding a copy of {@code values}, in memory the garbage collector frees.
     *
     * @throws IllegalArgumentException if the number of values is not the shape's element count
     */
    public static InMemoryTensor ofFloats(String name, Shape shape, float... values) {
        if (values.length != shape.elementCount()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + shape);
        }
        MemorySegment data = Arena.ofAuto().allocate((long) values.length * Float.BYTES, Float.BYTES);
        MemorySegment.copy(values, 0, data, F32, 0, values.length);
        return new InMemoryTensor(new TensorInfo(name, DType.F32, shape, ""), data);
    }
}
