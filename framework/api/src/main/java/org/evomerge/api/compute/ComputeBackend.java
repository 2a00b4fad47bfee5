package org.evomerge.api.compute;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.Stable;
import org.evomerge.api.tensor.DType;

/**
 * The numeric primitives merges and inference are built from, implemented once per kind of hardware (scalar CPU
 * reference, CPU with the Vector API, GPU through TornadoVM). Backends are found with {@link java.util.ServiceLoader}
 * on the application class path, not through plugins, because GPU runtimes load kernel classes through the system
 * class loader.
 *
 * <p>Every backend must agree with the reference backend within the tolerance its tests declare; results never
 * depend on the number of threads. Arrays are used in full unless a length is given. Implementations are
 * thread-safe.
 */
@Stable(since = "0.1.0")
public interface ComputeBackend {

    /** Stable id used by {@code --backend} ({@code cpu-reference}, {@code cpu-vector}, {@code tornado}). */
    String id();

    /** One line for {@code --version}. */
    String description();

    /** Higher wins when the backend is chosen automatically. */
    int priority();

    /** Whether this backend can run here (e.g. a GPU runtime is present). Cheap and never throws. */
    boolean isAvailable();

    /** Decodes {@code count} elements of type {@code type} at byte offset 0 of {@code src} into {@code dst[0..count)}. */
    void toFloat(MemorySegment src, DType type, float[] dst, int count);

    /**
     * Encodes {@code src[0..count)} into {@code dst} as {@code type}, rounding to nearest even; NaN and infinities
     * are kept, values beyond the type's range become infinities.
     */
    void fromFloat(float[] src, DType type, MemorySegment dst, int count);

    /** {@code out[i] = Σ_m weights[m] · inputs[m][i]}, accumulated in float in model order. */
    void weightedSum(float[][] inputs, float[] weights, float[] out);

    /** {@code y[i] += a · x[i]}. */
    void axpy(float a, float[] x, float[] y);

    /** {@code Σ a[i]·b[i]}, accumulated in double. */
    double dot(float[] a, float[] b);

    /** {@code Σ a[i]²}, accumulated in double. */
    double sumOfSquares(float[] a);
}
