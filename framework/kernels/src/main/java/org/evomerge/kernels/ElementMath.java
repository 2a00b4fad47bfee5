package org.evomerge.kernels;

/**
 * Element-wise arithmetic of the merge methods. The scalar backend loops over these, the vector backend must give
 * bit-identical results for the operations marked exact, and GPU kernels call them from {@code @Parallel} loops.
 */
public final class ElementMath {

    private ElementMath() {
    }

    /**
     * One step of a weighted sum, {@code acc + w·x} with a single rounding (fused multiply-add), so the vector
     * backend's lane-wise FMA gives the same bits.
     */
    public static float weightedAccumulate(float acc, float weight, float x) {
        return Math.fma(weight, x, acc);
    }

    /** Linear interpolation {@code (1−t)·a + t·b}, computed as {@code a + t·(b−a)} with one fused rounding. */
    public static float lerp(float a, float b, float t) {
        return Math.fma(t, b - a, a);
    }

    /**
     * A counter-based random 64-bit value for element {@code counter} under {@code seed} (SplitMix64's finaliser
     * over a Weyl sequence): the same on every thread and device, so random merges do not depend on scheduling.
     */
    public static long randomBits(long seed, long counter) {
        long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
