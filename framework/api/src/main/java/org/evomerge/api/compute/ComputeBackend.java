package org.evomerge.api.compute;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.Experimental;
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

    // ---- Merge operations (task vectors, TIES, DARE, SLERP). Defaults refuse, so older backends keep linking. ----

    /** {@code out[i] = x[i] − base[i]}, in float. */
    @Experimental(since = "0.1.0", reason = "issue 8: backend merge operations")
    default void taskVector(float[] x, float[] base, float[] out) {
        throw unsupported("taskVector");
    }

    /**
     * The position {@code position} of the <em>magnitude order</em> of the task vector δ = x − base (δ in float):
     * elements sorted by |δ| descending, equal magnitudes by index ascending. The result is the rank of the element
     * at that 0-based position, so exactly {@code position} elements rank before it: TIES keeps the top
     * k = ⌊density·n⌋ with {@code magnitudeMask(x, base, NONE, magnitudeRank(x, base, k), mask)}. Exact for every
     * input, whatever the ties; {@code position ≤ 0} gives {@link MagnitudeRank#NONE} and {@code position ≥ n}
     * {@link MagnitudeRank#ALL}.
     */
    @Experimental(since = "0.1.0", reason = "issue 4: magnitude selection on the backend")
    default MagnitudeRank magnitudeRank(float[] x, float[] base, int position) {
        throw unsupported("magnitudeRank");
    }

    /**
     * TIES trimming in one call: keeps the {@code keep} elements of δ = x − base that come first in the magnitude
     * order ({@link #magnitudeRank}), exactly as {@code magnitudeMask(x, base, NONE, magnitudeRank(x, base, keep),
     * mask)} does, which is what this default runs. A backend may do it in fewer passes over the tensor.
     *
     * @param mask as for {@link #magnitudeMask}
     * @return Σ|δ| over all elements and over the kept ones
     */
    @Experimental(since = "0.1.0", reason = "issue 4: magnitude selection on the backend")
    default MaskNorms topMagnitudeMask(float[] x, float[] base, int keep, long[] mask) {
        return magnitudeMask(x, base, MagnitudeRank.NONE, magnitudeRank(x, base, keep), mask);
    }

    /**
     * Magnitude trimming of the task vector δ = x − base (δ in float): bit {@code i} of {@code mask} (word
     * {@code i >>> 6}, bit {@code i & 63}) is set iff |δ_i| ranks before {@code to} but not before {@code from}
     * ({@link MagnitudeRank}); TIES keeps the top k with {@code from = NONE}, breadcrumbs cuts a band.
     *
     * @param mask at least {@code (n + 63) / 64} words; every word covering an element is overwritten
     * @return Σ|δ| over all elements and over the kept ones
     */
    @Experimental(since = "0.1.0", reason = "issue 8: backend merge operations")
    default MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        throw unsupported("magnitudeMask");
    }

    /**
     * DARE's random drop of the task vector δ = x − base: element {@code i} is kept iff the counter-based uniform
     * draw for ({@code seed}, {@code stream}, {@code i}) is below {@code density}. The draw is one fixed function
     * (SplitMix64 finaliser, see {@code org.evomerge.kernels.ElementMath#streamUniform}), so every backend and any
     * chunking or thread count keeps exactly the same elements; {@code stream} separates the models of one tensor.
     *
     * @param mask as for {@link #magnitudeMask}
     * @return Σ|δ| over all elements and over the kept ones
     */
    @Experimental(since = "0.1.0", reason = "issue 8: backend merge operations")
    default MaskNorms randomMask(long seed, long stream, float[] x, float[] base, double density, long[] mask) {
        throw unsupported("randomMask");
    }

    /**
     * {@link #randomMask(long, long, float[], float[], double, long[])} for a block of a tensor whose first element is
     * element {@code firstIndex} of the tensor: element {@code i} of the block draws with counter
     * {@code firstIndex + i}, so a tensor masked block by block keeps exactly the elements it keeps whole. Bit
     * {@code i} of {@code mask} is the block's element {@code i}. By default only {@code firstIndex = 0} is supported.
     */
    @Experimental(since = "0.1.0", reason = "issue 4: tensors streamed in blocks")
    default MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base, double density,
                                 long[] mask) {
        if (firstIndex == 0) {
            return randomMask(seed, stream, x, base, density, mask);
        }
        throw unsupported("randomMask of a block");
    }

    /**
     * {@link #magnitudeRank} for every model of a tensor streamed in blocks: the rank at position {@code positions[m]}
     * of the magnitude order of δ = {@code models[m] − base} over the whole tensor (positions ≤ 0 give
     * {@link MagnitudeRank#NONE}, positions ≥ n {@link MagnitudeRank#ALL}). A block's mask then needs only the rank
     * with its tie index shifted by the block's offset. The backend makes the scans it needs; the blocks must have
     * a base.
     */
    @Experimental(since = "0.1.0", reason = "issue 4: tensors streamed in blocks")
    default MagnitudeRank[] magnitudeRanks(org.evomerge.api.merge.TensorBlocks blocks, int[] positions) {
        throw unsupported("magnitudeRanks");
    }

    /**
     * Mixes the (masked) task vectors of {@code models} against {@code base} into {@code out}, as
     * {@link TaskVectorCombine} defines (sign election, disjoint mean, normalisation, lambda).
     *
     * @param masks per model a bit mask as {@link #magnitudeMask} writes, or {@code null} where every element is kept
     */
    @Experimental(since = "0.1.0", reason = "issue 8: backend merge operations")
    default void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine,
                                    float[] out) {
        throw unsupported("combineTaskVectors");
    }

    /**
     * {@code out[i] = (float) (ca·a[i] + cb·b[i])} computed in double and rounded once: SLERP's combination (and its
     * linear fallback) once the dot product and norms gave the coefficients.
     */
    @Experimental(since = "0.1.0", reason = "issue 8: backend merge operations")
    default void linearCombination(float[] a, double ca, float[] b, double cb, float[] out) {
        throw unsupported("linearCombination");
    }

    // ---- Inference. ----

    /**
     * The inference kernels of this backend, with weights resident where the backend computes, or empty when the
     * inference engine should use its own CPU kernels (the CPU backends: their weights are the memory-mapped files).
     * The same instance is returned on every call; the backend owns and closes it.
     */
    @Experimental(since = "0.1.0", reason = "issue 8: inference through the backend")
    default Optional<InferenceOperations> inference() {
        return Optional.empty();
    }

    private EvomergeException unsupported(String operation) {
        return EvomergeException.configuration("compute backend '" + id() + "' does not implement " + operation
                + "; choose another with --backend (e.g. cpu)");
    }
}
