package org.evomerge.kernels;

/**
 * Conversions between float32 and the narrow float formats checkpoints store. Every encoder rounds to nearest, ties
 * to even, keeps NaN (as a quiet NaN) and signed zeros, and follows PyTorch on overflow: bf16, f16 and f8 E5M2 go to
 * infinity, f8 E4M3 (the "fn" variant, which has no infinity) goes to NaN.
 */
public final class FloatCodecs {

    private FloatCodecs() {
    }

    /** bf16 bits (low 16 bits of {@code bits}) to float32: exact. */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 to bf16 bits, round to nearest even. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            // NaN: keep sign and the top payload bits, force the quiet bit so truncation cannot make it infinity.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** IEEE binary16 bits to float32: exact, subnormals included. */
    public static float f16ToFloat(int bits) {
        return Float.float16ToFloat((short) bits);
    }

    /** float32 to IEEE binary16 bits, round to nearest even, subnormals and overflow to infinity included. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** float8 E4M3 ("fn": bias 7, no infinities, 0x7F/0xFF are NaN) to float32: exact. */
    public static float f8e4m3ToFloat(int bits) {
        int exponent = (bits >>> 3) & 0xF;
        int mantissa = bits & 0x7;
        if (exponent == 0xF && mantissa == 0x7) {
            return Float.NaN;
        }
        float magnitude = exponent == 0
                ? mantissa * 0x1.0p-9f // subnormal: m/8 · 2^(1-7)
                : (1f + mantissa / 8f) * Math.scalb(1f, exponent - 7);
        return (bits & 0x80) != 0 ? -magnitude : magnitude;
    }

    /** float8 E5M2 (bias 15, IEEE-like with infinities) to float32: exact. */
    public static float f8e5m2ToFloat(int bits) {
        // E5M2 is the top byte of a binary16 value.
        return Float.float16ToFloat((short) ((bits & 0xFF) << 8));
    }

    /** float32 to float8 E4M3fn bits. Values that round above 448 become NaN, as PyTorch does. */
    public static byte floatToF8e4m3(float value) {
        return (byte) encodeMinifloat(value, 4, 3, 7, 448f, true);
    }

    /** float32 to float8 E5M2 bits. Values that round above 57344 become infinity. */
    public static byte floatToF8e5m2(float value) {
        return (byte) encodeMinifloat(value, 5, 2, 15, 57344f, false);
    }

    /**
     * Rounds {@code value} to a float with {@code exponentBits}/{@code mantissaBits} and returns its bits. The
     * rounding is done in double on a power-of-two grid, which is exact for every float32 input.
     */
    private static int encodeMinifloat(float value, int exponentBits, int mantissaBits, int bias, float maxFinite,
                                       boolean finiteOnly) {
        int signBit = Float.floatToRawIntBits(value) < 0 ? 1 << (exponentBits + mantissaBits) : 0;
        int allOnesExponent = ((1 << exponentBits) - 1) << mantissaBits;
        int nan = finiteOnly ? (allOnesExponent | ((1 << mantissaBits) - 1)) : (allOnesExponent | (1 << (mantissaBits - 1)));
        if (Float.isNaN(value)) {
            return signBit | nan;
        }
        double magnitude = Math.abs((double) value);
        if (Double.isInfinite(magnitude)) {
            return signBit | (finiteOnly ? nan : allOnesExponent);
        }
        int minNormalExponent = 1 - bias;
        int exponent = Math.max(Math.getExponent(magnitude), minNormalExponent);
        double quantum = Math.scalb(1.0, exponent - mantissaBits);
        double rounded = Math.rint(magnitude / quantum) * quantum;
        if (rounded > maxFinite) {
            return signBit | (finiteOnly ? nan : allOnesExponent);
        }
        if (rounded < Math.scalb(1.0, minNormalExponent)) {
            return signBit | (int) (rounded / Math.scalb(1.0, minNormalExponent - mantissaBits));
        }
        int e = Math.getExponent(rounded);
        int mantissa = (int) ((rounded / Math.scalb(1.0, e) - 1.0) * (1 << mantissaBits));
        return signBit | ((e + bias) << mantissaBits) | mantissa;
    }
}
