package org.evomerge.compute;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Optional;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.tensor.DType;

/**
 * The CPU backend with the Vector API (SIMD): its codecs and vector operations here, its task-vector operations in
 * {@link VectorTaskVectorOperations}. Element-wise operations use lane-wise fused multiply-add, so they give the same
 * bits as {@link ReferenceBackend}; reductions accumulate in double but in another order (one partial sum per lane,
 * then the lanes in lane order: {@link #sumLanes}), so they agree with the reference within rounding and give the same
 * bits from run to run on machines of one vector width. Types without a SIMD path use the reference loops.
 */
public final class VectorBackend implements SelfContainedBackend {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}, to widen bf16 into floats lane by lane. */
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** The widest doubles, and floats with as many lanes: widening one into the other is a single instruction. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F_HALF =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, D.vectorBitSize() / 2)));

    private final ReferenceBackend scalar = new ReferenceBackend();
    private final Optional<TaskVectorOperations> taskVectors = Optional.of(new VectorTaskVectorOperations());

    /**
     * Each kernel warms on its own first use ({@link KernelWarmup}): a TIES merge does not wait for the dot product or
     * the weighted sum, and commands that only list backends pay for none.
     */
    private enum Kernel { DECODE_BF16, DECODE_F32, ENCODE_BF16, DOT, WEIGHTED_SUM, AXPY, LINEAR_COMBINATION }

    private static final KernelWarmup WARM = new KernelWarmup(Kernel.values().length);
    /** Small: until the JIT compiles them, kernel calls run the slow generic code, and it takes hundreds of calls. */
    private static final int WARM_ELEMENTS = 264;

    private void warm(Kernel kernel) {
        if (WARM.ready(kernel.ordinal())) {
            return;
        }
        KernelWarmup.Operands operands = KernelWarmup.Operands.of(WARM_ELEMENTS);
        float[][] a = operands.a();
        float[][] b = operands.b();
        float[][] out = operands.out();
        // The real calls decode and encode native buffers: warm on one, so the compiled code is for them.
        MemorySegment bf16 = java.lang.foreign.Arena.ofAuto().allocate(WARM_ELEMENTS * 2L, 64);
        MemorySegment f32 = java.lang.foreign.Arena.ofAuto().allocate(WARM_ELEMENTS * 4L, 64);
        double[] sink = {0};
        int[] calls = {0};
        Runnable call = switch (kernel) {
            case DECODE_BF16 -> () -> {
                int s = calls[0]++ & 1;
                decode(bf16, DType.BF16, out[s], out[s].length);
            };
            case DECODE_F32 -> () -> {
                int s = calls[0]++ & 1;
                decode(f32, DType.F32, out[s], out[s].length);
            };
            case ENCODE_BF16 -> () -> {
                int s = calls[0]++ & 1;
                encode(a[s], DType.BF16, bf16, a[s].length);
            };
            case DOT -> () -> {
                int s = calls[0]++ & 1;
                sink[0] += dotLanes(a[s], b[s]);
            };
            case WEIGHTED_SUM -> () -> {
                int s = calls[0]++ & 1;
                weightedSumLanes(new float[][] {a[s], b[s]}, new float[] {0.5f, 0.5f}, out[s]);
            };
            case AXPY -> () -> {
                int s = calls[0]++ & 1;
                axpyLanes(0.5f, a[s], out[s]);
            };
            case LINEAR_COMBINATION -> () -> {
                int s = calls[0]++ & 1;
                linearCombinationLanes(a[s], 0.5, b[s], 0.5, out[s]);
            };
        };
        WARM.ensure(kernel.ordinal(), WARM_ELEMENTS, call);
        if (Double.isNaN(sink[0])) {
            throw new AssertionError("unreachable: keeps the warm-up from being optimised away");
        }
    }

    @Override
    public String id() {
        return "cpu-vector";
    }

    @Override
    public String description() {
        return "Java Vector API, " + F.length() + " float lanes (" + F.vectorBitSize() + "-bit)";
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public boolean isAvailable() {
        // Below 128-bit vectors the API falls back to slow emulation; the reference loops are then faster.
        return F.length() >= 4;
    }

    @Override
    public Optional<TaskVectorOperations> taskVectors() {
        return taskVectors;
    }

    @Override
    public void toFloat(MemorySegment src, DType type, float[] dst, int count) {
        if (type == DType.BF16 || type == DType.F32) {
            warm(type == DType.BF16 ? Kernel.DECODE_BF16 : Kernel.DECODE_F32);
        }
        decode(src, type, dst, count);
    }

    /**
     * The kernels below are the public methods without their warm-up check: the warm-ups call them, so a check whose
     * outcome changes once warm never sits inside the compiled kernel (it deoptimised the kernel when it flipped).
     */
    private void decode(MemorySegment src, DType type, float[] dst, int count) {
        ReferenceBackend.checkBounds(src, type, dst.length, count);
        switch (type) {
            case F32 -> {
                int i = 0;
                for (int bound = F.loopBound(count); i < bound; i += F.length()) {
                    FloatVector.fromMemorySegment(F, src, (long) i * Float.BYTES, ByteOrder.LITTLE_ENDIAN).intoArray(dst, i);
                }
                tail(src, type, dst, i, count);
            }
            case BF16 -> {
                int i = 0;
                for (int bound = F.loopBound(count); i < bound; i += F.length()) {
                    ShortVector raw = ShortVector.fromMemorySegment(S, src, (long) i * Short.BYTES, ByteOrder.LITTLE_ENDIAN);
                    // Sign extension puts ones above bit 15, but the shift moves them out of the 32-bit lane.
                    IntVector widened = (IntVector) raw.convertShape(VectorOperators.S2I, I, 0);
                    widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
                }
                tail(src, type, dst, i, count);
            }
            default -> scalar.toFloat(src, type, dst, count);
        }
    }

    private void tail(MemorySegment src, DType type, float[] dst, int from, int count) {
        if (from < count) {
            float[] rest = new float[count - from];
            long byteOffset = type.byteSize(from);
            scalar.toFloat(src.asSlice(byteOffset), type, rest, rest.length);
            System.arraycopy(rest, 0, dst, from, rest.length);
        }
    }

    @Override
    public void fromFloat(float[] src, DType type, MemorySegment dst, int count) {
        if (type == DType.BF16) {
            warm(Kernel.ENCODE_BF16);
        }
        encode(src, type, dst, count);
    }

    private void encode(float[] src, DType type, MemorySegment dst, int count) {
        ReferenceBackend.checkBounds(dst, type, src.length, count);
        if (type != DType.BF16) {
            scalar.fromFloat(src, type, dst, count);
            return;
        }
        int i = 0;
        for (int bound = F.loopBound(count); i < bound; i += F.length()) {
            IntVector bits = FloatVector.fromArray(F, src, i).reinterpretAsInts();
            IntVector magnitude = bits.and(0x7FFF_FFFF);
            VectorMask<Integer> nan = magnitude.compare(VectorOperators.GT, 0x7F80_0000);
            IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector rounded = bits.add(lsb.add(0x7FFF)).lanewise(VectorOperators.LSHR, 16);
            IntVector quietNan = bits.lanewise(VectorOperators.LSHR, 16).or(0x0040);
            IntVector result = rounded.blend(quietNan, nan);
            ((ShortVector) result.convertShape(VectorOperators.I2S, S, 0))
                    .intoMemorySegment(dst, (long) i * Short.BYTES, ByteOrder.LITTLE_ENDIAN);
        }
        if (i < count) {
            float[] rest = java.util.Arrays.copyOfRange(src, i, count);
            scalar.fromFloat(rest, type, dst.asSlice(type.byteSize(i)), rest.length);
        }
    }

    @Override
    public void weightedSum(float[][] inputs, float[] weights, float[] out) {
        warm(Kernel.WEIGHTED_SUM);
        weightedSumLanes(inputs, weights, out);
    }

    private void weightedSumLanes(float[][] inputs, float[] weights, float[] out) {
        ReferenceBackend.checkWeightedSum(inputs, weights, out);
        int n = out.length;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int m = 0; m < inputs.length; m++) {
                acc = FloatVector.fromArray(F, inputs[m], i).fma(FloatVector.broadcast(F, weights[m]), acc);
            }
            acc.intoArray(out, i);
        }
        for (; i < n; i++) {
            float acc = 0f;
            for (int m = 0; m < inputs.length; m++) {
                acc = Math.fma(weights[m], inputs[m][i], acc);
            }
            out[i] = acc;
        }
    }

    @Override
    public void axpy(float a, float[] x, float[] y) {
        warm(Kernel.AXPY);
        axpyLanes(a, x, y);
    }

    private void axpyLanes(float a, float[] x, float[] y) {
        ReferenceBackend.checkSameLength(x.length, y.length);
        FloatVector va = FloatVector.broadcast(F, a);
        int i = 0;
        for (int bound = F.loopBound(y.length); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, i).fma(va, FloatVector.fromArray(F, y, i)).intoArray(y, i);
        }
        for (; i < y.length; i++) {
            y[i] = Math.fma(a, x[i], y[i]);
        }
    }

    @Override
    public double dot(float[] a, float[] b) {
        warm(Kernel.DOT);
        return dotLanes(a, b);
    }

    private double dotLanes(float[] a, float[] b) {
        ReferenceBackend.checkSameLength(a.length, b.length);
        // Widen half-width float vectors into full-width double vectors (part 0 only): the form the JIT compiles to
        // one conversion instruction; splitting a full-width float vector into two parts falls back to slow code.
        DoubleVector acc = DoubleVector.zero(D);
        int i = 0;
        if (F_HALF.length() == D.length()) {
            for (int bound = F_HALF.loopBound(a.length); i < bound; i += F_HALF.length()) {
                DoubleVector da = (DoubleVector) FloatVector.fromArray(F_HALF, a, i).convertShape(VectorOperators.F2D, D, 0);
                DoubleVector db = (DoubleVector) FloatVector.fromArray(F_HALF, b, i).convertShape(VectorOperators.F2D, D, 0);
                acc = da.fma(db, acc);
            }
        }
        double sum = sumLanes(acc);
        for (; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    /**
     * The lanes' sum, added in lane order. Not {@code reduceLanes(ADD)}: its order is unspecified, and the Vector API's
     * Java code (what runs before the JIT compiles a kernel, and again after a deoptimisation) and the compiled
     * intrinsic add in different orders, so a merge's sums, and the merged weights that depend on them, would vary
     * with when the JIT got to the kernel.
     */
    static double sumLanes(DoubleVector v) {
        double sum = v.lane(0);
        for (int lane = 1; lane < v.length(); lane++) {
            sum += v.lane(lane);
        }
        return sum;
    }

    @Override
    public double sumOfSquares(float[] a) {
        return dot(a, a);
    }

    @Override
    public void linearCombination(float[] a, double ca, float[] b, double cb, float[] out) {
        warm(Kernel.LINEAR_COMBINATION);
        linearCombinationLanes(a, ca, b, cb, out);
    }

    private void linearCombinationLanes(float[] a, double ca, float[] b, double cb, float[] out) {
        ReferenceBackend.checkSameLength(a.length, b.length);
        ReferenceBackend.checkSameLength(a.length, out.length);
        int i = 0;
        if (LaneShapes.USABLE) {
            for (int end = out.length - out.length % LaneShapes.LANES; i < end; i += LaneShapes.LANES) {
                DoubleVector da = (DoubleVector) FloatVector.fromArray(LaneShapes.F, a, i)
                        .convertShape(VectorOperators.F2D, LaneShapes.D, 0);
                DoubleVector db = (DoubleVector) FloatVector.fromArray(LaneShapes.F, b, i)
                        .convertShape(VectorOperators.F2D, LaneShapes.D, 0);
                DoubleVector r = da.mul(ca).add(db.mul(cb));
                ((FloatVector) r.convertShape(VectorOperators.D2F, LaneShapes.F, 0)).intoArray(out, i);
            }
        }
        for (; i < out.length; i++) {
            out[i] = (float) (ca * a[i] + cb * b[i]);
        }
    }
}
