package org.evomerge.api.tensor;

import java.util.Arrays;
import org.evomerge.api.Stable;

/** A tensor shape in row-major (PyTorch, safetensors) order: the last dimension varies fastest. */
@Stable(since = "0.1.0")
public record Shape(long[] dims) {

    public Shape {
        dims = dims.clone();
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
            count = Math.multiplyExact(count, d);
        }
    }

    public static Shape of(long... dims) {
        return new Shape(dims);
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int index) {
        return dims[index];
    }

    /** The number of elements (1 for a scalar). */
    public long elementCount() {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
