package org.evomerge.plugins.merge;

/**
 * Spherical linear interpolation between two tensors, in the two forms mergekit uses: {@code slerp} (whole
 * tensors, lerp above a dot-product threshold) and {@code nuslerp} (whole tensors or one vector per row or column,
 * lerp where the angle's sine vanishes). Norms, dot products and angles are computed in double; results are
 * rounded to float32 once. Stateless and thread-safe.
 */
final class SphericalInterpolation {

    /** SLERP: above this |cos θ| the vectors count as colinear and plain lerp is used. */
    static final double DOT_THRESHOLD = 0.9995;
    /** SLERP: a vector is normalised only when its norm exceeds this. */
    static final double SLERP_NORM_EPS = 1e-8;
    /** NuSLERP: norms are clamped to at least this before normalising. */
    static final double NUSLERP_NORM_CLAMP = 1e-7;
    /** NuSLERP: where |sin θ| is below this the vectors count as colinear and plain lerp is used. */
    static final double NUSLERP_COLINEAR = 1e-8;

    private SphericalInterpolation() {
    }

    /**
     * mergekit's {@code slerp} over the flattened tensors, as the coefficients {c0, c1} of the result
     * {@code c0·v0 + c1·v1}, from the tensors' sums of squares and dot product however those were accumulated (whole,
     * or block by block): each tensor is normalised only if its norm exceeds 1e-8 and d = ⟨v̂0, v̂1⟩; if |d| > 0.9995
     * the result is {@code (1−t)·v0 + t·v1}, otherwise θ = acos d and the result is
     * {@code (sin((1−t)θ)·v0 + sin(tθ)·v1) / sin θ}, applied to the original (un-normalised) tensors. t = 0 returns
     * {@code v0} and t = 1 returns {@code v1} exactly.
     */
    static double[] slerpCoefficients(double t, double sumOfSquares0, double sumOfSquares1, double dotProduct) {
        double n0 = Math.sqrt(sumOfSquares0);
        double n1 = Math.sqrt(sumOfSquares1);
        double dot = dotProduct / (n0 > SLERP_NORM_EPS ? n0 : 1.0) / (n1 > SLERP_NORM_EPS ? n1 : 1.0);
        if (Math.abs(dot) > DOT_THRESHOLD) {
            return new double[] {1 - t, t};
        }
        double theta = Math.acos(dot);
        double sinTheta = Math.sin(theta);
        return new double[] {Math.sin((1 - t) * theta) / sinTheta, Math.sin(t * theta) / sinTheta};
    }

    /**
     * How NuSLERP cuts a tensor into vectors: {@code count} vectors of {@code length} elements, vector k starting at
     * element {@code k·start} and stepping by {@code stride}.
     */
    record VectorLayout(int count, int length, int start, int stride) {

        /** The whole tensor as one vector ({@code nuslerp_flatten}). */
        static VectorLayout flat(int elements) {
            return new VectorLayout(1, elements, 0, 1);
        }

        /**
         * One vector per slice along the last dimension (mergekit's default {@code dim=-1}: the rows of a matrix,
         * contiguous in row-major order); a tensor of rank 0 or 1 is one vector.
         */
        static VectorLayout alongLastDimension(long[] dims, int elements) {
            int length = dims.length == 0 ? elements : (int) dims[dims.length - 1];
            return length == 0 ? new VectorLayout(0, 0, 0, 1) : new VectorLayout(elements / length, length, length, 1);
        }

        /**
         * One vector per slice along the first dimension ({@code nuslerp_row_wise}, mergekit's {@code dim=0}: the
         * columns of a matrix, strided in row-major order); a tensor of rank 0 or 1 is one vector.
         */
        static VectorLayout alongFirstDimension(long[] dims, int elements) {
            int length = dims.length == 0 ? elements : (int) dims[0];
            return length == 0 ? new VectorLayout(0, 0, 0, 1)
                    : new VectorLayout(elements / length, length, 1, elements / length);
        }
    }

    /**
     * mergekit's {@code nuslerp} for every vector of {@code layout}: each vector is normalised with its norm clamped
     * at 1e-7, cos θ = ⟨v̂0, v̂1⟩ clamped to [−1, 1], and the result is
     * {@code (sin((1−t)θ)·v0 + sin(tθ)·v1) / sin θ}, or {@code (1−t)·v0 + t·v1} where |sin θ| < 1e-8.
     *
     * <p>With a {@code base} the vectors are the task vectors {@code a − base} and {@code b − base} (in double) and
     * {@code base} is added back: {@code base + nuslerp(t, a − base, b − base)}.
     *
     * @param base null for plain NuSLERP of {@code a} and {@code b}
     * @param out  as long as the inputs; every element is written
     */
    static void nuslerp(double t, float[] a, float[] b, float[] base, VectorLayout layout, float[] out) {
        int length = layout.length();
        int stride = layout.stride();
        for (int k = 0; k < layout.count(); k++) {
            int start = k * layout.start();
            double ss0 = 0;
            double ss1 = 0;
            double dot = 0;
            for (int j = 0, i = start; j < length; j++, i += stride) {
                double v0 = element(a, base, i);
                double v1 = element(b, base, i);
                ss0 += v0 * v0;
                ss1 += v1 * v1;
                dot += v0 * v1;
            }
            double cos = dot / Math.max(Math.sqrt(ss0), NUSLERP_NORM_CLAMP)
                    / Math.max(Math.sqrt(ss1), NUSLERP_NORM_CLAMP);
            double theta = Math.acos(Math.clamp(cos, -1.0, 1.0));
            double sinTheta = Math.sin(theta);
            double s0;
            double s1;
            if (Math.abs(sinTheta) < NUSLERP_COLINEAR) {
                s0 = 1 - t;
                s1 = t;
            } else {
                s0 = Math.sin((1 - t) * theta) / sinTheta;
                s1 = Math.sin(t * theta) / sinTheta;
            }
            for (int j = 0, i = start; j < length; j++, i += stride) {
                double r = s0 * element(a, base, i) + s1 * element(b, base, i);
                out[i] = (float) (base == null ? r : base[i] + r);
            }
        }
    }

    private static double element(float[] x, float[] base, int i) {
        return base == null ? x[i] : (double) x[i] - base[i];
    }
}
