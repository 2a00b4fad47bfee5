package org.evomerge.api.compute;

import org.evomerge.api.Stable;

/**
 * Element-wise operations and reductions over float arrays: weighted sums (linear), dot products and norms (SLERP,
 * Karcher, kinship) and SLERP's final combination. Every {@link ComputeBackend} has them. Arrays are used in full;
 * arrays that must be as long as each other and are not throw {@link IllegalArgumentException}. Implementations are
 * thread-safe.
 */
@Stable(since = "0.1.0")
public interface VectorOperations {

    /** {@code out[i] = Σ_m weights[m] · inputs[m][i]}, accumulated in float in model order. */
    void weightedSum(float[][] inputs, float[] weights, float[] out);

    /** {@code y[i] += a · x[i]}. */
    void axpy(float a, float[] x, float[] y);

    /** {@code Σ a[i]·b[i]}, accumulated in double. */
    double dot(float[] a, float[] b);

    /** {@code Σ a[i]²}, accumulated in double. */
    double sumOfSquares(float[] a);

    /**
     * {@code out[i] = (float) (ca·a[i] + cb·b[i])} computed in double and rounded once: SLERP's combination (and its
     * linear fallback) once the dot product and norms gave the coefficients.
     */
    void linearCombination(float[] a, double ca, float[] b, double cb, float[] out);
}
