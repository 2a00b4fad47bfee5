package org.evomerge.gpu.tornado.kernels;

/**
 * Element maths whose device form differs from {@link org.evomerge.kernels.ElementMath}'s. TornadoVM cannot compile
 * {@link Math#fma} (its Java fallback uses {@code BigDecimal}), and its OpenCL compiler phase {@code OCLFMAPhase}
 * would turn every float or double {@code a·b + c} into OpenCL's {@code fma}, including the double sums of the
 * linear combinations and TIES combines, which the CPU backends round twice (on PoCL that changed one element in a
 * thousand by one ulp). So evomerge runs TornadoVM with that phase off ({@code -Dtornado.enable.fma=False}, set by
 * {@code bin/evomerge-gpu} and the device tests) and every plan builds its OpenCL code without
 * {@code -cl-mad-enable -cl-fast-relaxed-math} ({@code DevicePlan}); where the CPU backends do fuse, the kernel
 * computes the fused value itself ({@link #weightedAccumulate}).
 */
public final class DeviceMath {

    private DeviceMath() {
    }

    /**
     * {@code acc + weight·x} rounded once, as {@code Math.fma} and the CPU backends' {@code
     * ElementMath.weightedAccumulate} round it: the product of two floats is exact in a double, so the only roundings
     * are the double sum's and the float's, which agree with one rounding except where the double sum lands exactly
     * on a float rounding boundary (about one sum in 2^28). The same bits on the device and as plain Java.
     */
    public static float weightedAccumulate(float acc, float weight, float x) {
        return (float) ((double) weight * x + acc);
    }

    /**
     * {@code acc + weight·x} in float, for the inference kernels, which agree with the CPU kernels to float rounding
     * (not bit for bit) and should not pay for doubles on a GPU.
     */
    public static float multiplyAdd(float acc, float weight, float x) {
        return weight * x + acc;
    }

    /**
     * Gemma's soft cap {@code cap · tanh(x / cap)}, with tanh written through one {@link Math#exp} of a non-positive
     * argument (so it cannot overflow) because TornadoVM's OpenCL backend compiles {@code Math.exp} but not
     * {@code StrictMath.tanh}. Agrees with the CPU kernels' {@code StrictMath.tanh} to double rounding before the
     * result is rounded to float.
     */
    public static float softCap(float x, float cap) {
        double y = x / (double) cap;
        double magnitude = y < 0 ? -y : y;
        double e = Math.exp(-2.0 * magnitude);
        double tanh = (1.0 - e) / (1.0 + e);
        return (float) (cap * (y < 0 ? -tanh : tanh));
    }
}
