package org.evomerge.kernels;

/**
 * Per-element maths of transformer inference (normalisation, rotary embeddings, activations, block-quantised
 * weights), shared by the CPU code and the TornadoVM kernels. Static, primitive-only and allocation-free so that a
 * GPU compiler can inline every method; only {@link Math} calls that TornadoVM maps to device intrinsics are used.
 */
public final class InferenceMath {

    /** Bytes of one Q8_0 block: an f16 scale followed by 32 signed bytes. */
    public static final int Q8_0_BLOCK_BYTES = 34;
    /** Elements of one Q8_0 block. */
    public static final int Q8_0_BLOCK_SIZE = 32;

    private InferenceMath() {
    }

    /** The RMSNorm factor {@code 1 / sqrt(Σx²/n + eps)} from a sum of squares over {@code n} elements. */
    public static float rmsScale(double sumOfSquares, int n, float eps) {
        return (float) (1.0 / Math.sqrt(sumOfSquares / n + eps));
    }

    /** One RMSNorm output element: {@code weight · (scale · x)}, the order llama.cpp and HF transformers use. */
    public static float rmsNormalize(float x, float scale, float weight) {
        return weight * (scale * x);
    }

    /**
     * The rotation angle of rotary pair {@code pair} (0 ≤ pair &lt; headSize/2) at position {@code position}:
     * {@code position · theta^(−2·pair/headSize)}, computed in double so that long contexts keep their precision.
     */
    public static double ropeAngle(int position, int pair, int headSize, double theta) {
        return position * Math.pow(theta, -2.0 * pair / headSize);
    }

    /** The first output of rotating {@code (x0, x1)} by an angle with cosine {@code cos} and sine {@code sin}. */
    public static float rotateFirst(float x0, float x1, float cos, float sin) {
        return x0 * cos - x1 * sin;
    }

    /** The second output of rotating {@code (x0, x1)} by an angle with cosine {@code cos} and sine {@code sin}. */
    public static float rotateSecond(float x0, float x1, float cos, float sin) {
        return x0 * sin + x1 * cos;
    }

    /** SiLU, {@code x · σ(x)}. */
    public static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    /** One unnormalised softmax weight, {@code exp(x − max)}, where {@code max} is the row's maximum. */
    public static float softmaxNumerator(float x, float max) {
        return (float) Math.exp(x - max);
    }

    /**
     * IEEE binary16 bits (the low 16 bits of {@code bits}) to float32 with integer and float arithmetic only, for
     * device code: TornadoVM's OpenCL backend compiles neither {@link Float#float16ToFloat} nor
     * {@link Float#intBitsToFloat}. Exact (an 11-bit integer times a power of two), subnormals, signed zeros and
     * infinities included; NaN payloads are not kept. Agrees bit for bit with {@link FloatCodecs#f16ToFloat} on every
     * non-NaN code (tested over all 65536).
     */
    public static float halfBitsToFloat(int bits) {
        float sign = (bits & 0x8000) != 0 ? -1f : 1f;
        int exponent = (bits >> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            // NaN as inf − inf rather than the constant Float.NaN, which TornadoVM 5.2 prints as an undeclared
            // OpenCL identifier.
            float infinity = sign * Float.POSITIVE_INFINITY;
            return mantissa == 0 ? infinity : infinity - infinity;
        }
        if (exponent == 0) {
            // Zero or subnormal: m · 2^-24.
            return sign * (mantissa * 0x1.0p-24f);
        }
        // (1024 + m) · 2^(e − 25): the integer has 11 bits, so every product below is exact.
        return sign * ((1024 + mantissa) * (float) (1 << exponent) * 0x1.0p-25f);
    }

    /** The f16 scale of a Q8_0 block from its two little-endian bytes. */
    public static float q8Scale(byte low, byte high) {
        return halfBitsToFloat((low & 0xFF) | ((high & 0xFF) << 8));
    }
}
