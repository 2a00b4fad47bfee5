package org.evomerge.inference;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code e^x} in float32 for the softmax and SiLU of the forward pass, built only from operations IEEE 754 rounds
 * exactly (add, multiply, fused multiply-add, compares, integer bit operations), once lane-wise and once for single
 * values with the same operations in the same order: both give the same bits for the same input, in the interpreter
 * and in JIT-compiled code alike. The Vector API's own {@code EXP} does not: it runs the JDK's Java code until C2
 * compiles it and then the JIT's vector math library, a different approximation, so the first calls of a fresh JVM
 * and later ones disagreed in about one lane in a hundred.
 *
 * <p>Method: {@code x = k·ln 2 + r} with {@code k} the integer nearest {@code x / ln 2} and {@code |r| ≤ ln 2 / 2}
 * (Cody and Waite's two-part ln 2), {@code e^r} by its Taylor polynomial of degree 7 (truncation below 1e-8 relative),
 * and {@code 2^k} as two exponent-field scalings, so subnormal results round once. Within 1 ulp of the exact value
 * (tested against {@link Math#exp}); inputs above 89 give infinity, below −104 zero (as the exact value rounds), NaN
 * gives NaN.
 */
final class Exponential {

    private static final float LOG2_E = 1.44269504f;
    /** ln 2 = LN2_HIGH + LN2_LOW; LN2_HIGH has 9 significant bits, so {@code k · LN2_HIGH} is exact. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer (ties to even). */
    private static final float ROUNDER = 12582912f;
    private static final float UPPER = 89f;
    private static final float LOWER = -104f;
    private static final float C2 = 1f / 2;
    private static final float C3 = 1f / 6;
    private static final float C4 = 1f / 24;
    private static final float C5 = 1f / 120;
    private static final float C6 = 1f / 720;
    private static final float C7 = 1f / 5040;

    private Exponential() {
    }

    /** {@code e^x} for one value; the same bits as a lane of {@link #exp(FloatVector)}. */
    static float exp(float x) {
        float clamped = x > UPPER ? UPPER : x < LOWER ? LOWER : x;
        float k = Math.fma(clamped, LOG2_E, ROUNDER) - ROUNDER;
        float r = Math.fma(k, -LN2_HIGH, clamped);
        r = Math.fma(k, -LN2_LOW, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int n = (int) k;
        int half = n >> 1;
        return p * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((n - half + 127) << 23);
    }

    /** {@code e^x} lane by lane. */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.blend(UPPER, x.compare(VectorOperators.GT, UPPER));
        clamped = clamped.blend(LOWER, clamped.compare(VectorOperators.LT, LOWER));
        FloatVector k = clamped.fma(LOG2_E, ROUNDER).sub(ROUNDER);
        FloatVector r = k.fma(FloatVector.broadcast(x.species(), -LN2_HIGH), clamped);
        r = k.fma(FloatVector.broadcast(x.species(), -LN2_LOW), r);
        FloatVector p = r.fma(C7, C6);
        p = p.fma(r, FloatVector.broadcast(x.species(), C5));
        p = p.fma(r, FloatVector.broadcast(x.species(), C4));
        p = p.fma(r, FloatVector.broadcast(x.species(), C3));
        p = p.fma(r, FloatVector.broadcast(x.species(), C2));
        FloatVector one = FloatVector.broadcast(x.species(), 1f);
        p = p.fma(r, one);
        p = p.fma(r, one);
        IntVector n = (IntVector) k.convert(VectorOperators.F2I, 0);
        IntVector half = n.lanewise(VectorOperators.ASHR, 1);
        FloatVector low = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector high = n.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(low).mul(high);
    }
}
