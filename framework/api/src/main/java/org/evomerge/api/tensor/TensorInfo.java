package org.evomerge.api.tensor;

import java.util.Objects;
import org.evomerge.api.Stable;

/**
 * A tensor's name, type and shape, without its data.
 *
 * @param name  the Hugging Face name (e.g. {@code model.layers.0.self_attn.q_proj.weight})
 * @param dtype the stored element type
 * @param shape the shape in row-major order
 * @param file  the file that holds it, relative to the model folder (for listings); may be empty for in-memory data
 */
@Stable(since = "0.1.0")
public record TensorInfo(String name, DType dtype, Shape shape, String file) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        file = file == null ? "" : file;
    }

    /** The stored size in bytes. */
    public long byteSize() {
        return dtype.byteSize(shape.elementCount());
    }
}
