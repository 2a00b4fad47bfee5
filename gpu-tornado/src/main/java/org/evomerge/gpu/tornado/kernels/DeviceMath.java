package org.evomerge.gpu.tornado.kernels;

/**
 * The one piece of element maths whose device form differs from {@link org.evomerge.kernels.ElementMath}'s:
 * TornadoVM cannot compile {@link Math#fma} (its Java fallback uses {@code BigDecimal}), but its OpenCL compiler
 * turns every float or double {@code a·b + c} into OpenCL's {@code fma} (a compiler phase, {@code OCLFMAPhase}), which
 * rounds once, exactly as {@code Math.fma} and the CPU backends' {@code ElementMath.weightedAccumulate} do. So on
 * the device the kernels are bit-identical to the CPU backends (the device tests assert it), while the same kernels
 * run as plain Java round twice and agree only to float rounding (the JVM tests allow for it).
 */
public final class DeviceMath {

    private DeviceMath() {
    }

    /** {@code acc + weight·x}: fused (one rounding) on a TornadoVM OpenCL device, two roundings on a plain JVM. */
    public static float weightedAccumulate(float acc, float weight, float x) {
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
