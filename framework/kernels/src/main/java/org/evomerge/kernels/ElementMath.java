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
        // The unsigned shifts are written as arithmetic shifts plus a mask (the same bits): TornadoVM 5.2's OpenCL
        // code generator compiles a long >>> as a signed >>, which would give the device other random numbers.
        long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ ((z >> 30) & 0x3_FFFF_FFFFL)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ ((z >> 27) & 0x1F_FFFF_FFFFL)) * 0x94D049BB133111EBL;
        return z ^ ((z >> 31) & 0x1_FFFF_FFFFL);
    }

    /**
     * A uniform double in [0, 1) for element {@code counter} under {@code seed}: the top 53 bits of
     * {@link #randomBits}, exactly what {@code RandomSource.uniform} returns for a source with this seed.
     */
    public static double uniform(long seed, long counter) {
        // (bits >>> 11) as a masked arithmetic shift, for TornadoVM (see randomBits).
        return ((randomBits(seed, counter) >> 11) & 0x1F_FFFF_FFFF_FFFFL) * 0x1.0p-53;
    }

    /**
     * The seed of stream {@code stream} under {@code seed}: what {@code RandomSource.fork(stream)} of a source with
     * this seed holds. DARE draws model m's elements from stream m of the tensor's seed.
     */
    public static long streamSeed(long seed, long stream) {
        return randomBits(seed ^ 0x1D_0000_0000L, stream);
    }

    /**
     * The uniform draw in [0, 1) for element {@code counter} of stream {@code stream} under {@code seed}: the one
     * definition of the counter-based random function the merge backends (CPU and GPU) use.
     */
    public static double streamUniform(long seed, long stream, long counter) {
        return uniform(streamSeed(seed, stream), counter);
    }

    /**
     * Whether an element of magnitude {@code magnitude} at {@code index} ranks before the magnitude-order position
     * ({@code threshold}, {@code tieIndex}): larger magnitudes first, equal ones by ascending index.
     */
    public static boolean ranksBefore(float magnitude, int index, float threshold, int tieIndex) {
        return magnitude > threshold | (magnitude == threshold & index < tieIndex);
    }

    /** DARE's drop decision: element {@code counter} is kept iff its uniform draw is below {@code density}. */
    public static boolean dareKeeps(long seed, long counter, double density) {
        return uniform(seed, counter) < density;
    }

    /**
     * TIES sign election over a sum of weighted deltas: {@code true} elects minus. A sum of exactly zero (either
     * sign of zero) elects plus, as mergekit does.
     */
    public static boolean electsNegative(double sum) {
        return sum < 0;
    }

    /**
     * Whether a weighted delta joins the disjoint mean: it is non-zero and has the elected sign. Zeros (trimmed,
     * dropped or unchanged elements) never agree.
     */
    public static boolean agrees(double weightedDelta, boolean electedNegative) {
        return weightedDelta != 0 && (weightedDelta < 0) == electedNegative;
    }

    /** The disjoint-mean divisor, or 1 where it is below 1e-8 in magnitude (agreeing weights that cancel). */
    public static double guardedDivisor(double divisor) {
        return Math.abs(divisor) < 1e-8 ? 1.0 : divisor;
    }
}
