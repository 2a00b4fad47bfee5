package org.evomerge.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Reads stored tensors as float32: a range of elements or a whole tensor, with positional reads ({@link Tensor#read})
 * into this thread's {@link ThreadBuffers} and decoding through the run's {@link TensorCodecs}, a chunk at a time.
 * Merging (whole tensors and blocks), the magnitude pre-pass, kinship and the model store all read through it, so a
 * tensor's bytes become the same floats on every path.
 *
 * <p>The memory mapping is never touched: input pages stay in the page cache instead of counting towards the
 * process's resident memory. Thread-safe: every buffer is the calling thread's.
 */
public final class TensorReader {

    /** Elements decoded per read of a whole tensor: 4 MB of float32, a whole number of every block type's blocks. */
    public static final int CHUNK_ELEMENTS = 1 << 20;

    private final TensorCodecs codecs;

    public TensorReader(TensorCodecs codecs) {
        this.codecs = Objects.requireNonNull(codecs, "codecs");
    }

    /**
     * Checks that a tensor can be read whole into one float array for merging: a floating-point type and fewer than
     * 2^31 elements.
     *
     * @param owner the model reference that errors name
     * @throws EvomergeException (input) naming {@code owner} and the tensor otherwise
     */
    public static void requireWholeMergeable(String owner, TensorInfo info) {
        if (!info.dtype().isFloatingPoint()) {
            throw EvomergeException.input(owner + ": tensor '" + info.name() + "' is " + info.dtype()
                    + ", which merge methods cannot combine", null);
        }
        long count = info.shape().elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw EvomergeException.input(owner + ": tensor '" + info.name() + "' has " + count
                    + " elements, more than evomerge merges in one piece (2^31)", null);
        }
    }

    /**
     * Decodes elements {@code [offset, offset + n)} of {@code source}, stored as {@code type}, into
     * {@code target[0..n)}.
     */
    public void read(Tensor source, DType type, long offset, int n, float[] target) {
        MemorySegment bytes = ThreadBuffers.get(type.byteSize(n));
        source.read(type.byteSize(offset), bytes);
        codecs.toFloat(bytes, type, target, n);
    }

    /**
     * Decodes the whole of {@code source}, stored as {@code type}, into {@code values} (exactly its element count
     * long), a chunk at a time. A tensor of one chunk decodes straight into {@code values}; larger ones go through
     * this thread's chunk array (the backend decodes to the start of an array), never a fresh one per tensor.
     */
    public void readWhole(Tensor source, DType type, float[] values) {
        int count = values.length;
        int chunk = Math.min(count, CHUNK_ELEMENTS);
        float[] decoded = count <= chunk ? values : ThreadBuffers.chunk(chunk);
        for (int done = 0; done < count; done += chunk) {
            int n = Math.min(chunk, count - done);
            read(source, type, done, n, decoded);
            if (decoded != values) {
                System.arraycopy(decoded, 0, values, done, n);
            }
        }
    }

    /**
     * Rounds {@code values[0..n)} to {@code working} precision, as storing them in that type and reading them back
     * would (mergekit casts inputs and results to its dtype). Nothing to do for float32.
     */
    public void round(float[] values, int n, DType working) {
        if (working == DType.F32 || n == 0) {
            return;
        }
        if (n <= CHUNK_ELEMENTS) {
            MemorySegment buffer = ThreadBuffers.get(working.byteSize(n));
            codecs.fromFloat(values, working, buffer, n);
            codecs.toFloat(buffer, working, values, n);
            return;
        }
        float[] part = ThreadBuffers.chunk(CHUNK_ELEMENTS);
        MemorySegment buffer = ThreadBuffers.get(working.byteSize(CHUNK_ELEMENTS));
        for (int done = 0; done < n; done += CHUNK_ELEMENTS) {
            int length = Math.min(CHUNK_ELEMENTS, n - done);
            System.arraycopy(values, done, part, 0, length);
            codecs.fromFloat(part, working, buffer, length);
            codecs.toFloat(buffer, working, part, length);
            System.arraycopy(part, 0, values, done, length);
        }
    }
}
