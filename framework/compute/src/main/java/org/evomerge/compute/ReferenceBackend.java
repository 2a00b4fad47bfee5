package org.evomerge.compute;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.kernels.ElementMath;
import org.evomerge.kernels.FloatCodecs;
import org.evomerge.kernels.QuantCodecs;

/**
 * Plain scalar loops over the shared element maths: the oracle every other backend is tested against, with every
 * capability (codecs, vector and task-vector operations) in this one class. It favours obviousness over speed.
 */
public final class ReferenceBackend implements SelfContainedBackend, TaskVectorOperations {

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(LITTLE_ENDIAN);

    @Override
    public String id() {
        return "cpu-reference";
    }

    @Override
    public String description() {
        return "scalar Java, the reference the other backends are tested against";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Optional<TaskVectorOperations> taskVectors() {
        return Optional.of(this);
    }

    @Override
    public void toFloat(MemorySegment src, DType type, float[] dst, int count) {
        checkBounds(src, type, dst.length, count);
        if (type.isQuantized()) {
            decodeBlocks(src, type, dst, count);
            return;
        }
        for (int i = 0; i < count; i++) {
            dst[i] = switch (type) {
                case F32 -> src.getAtIndex(F32, i);
                case F64 -> (float) src.getAtIndex(F64, i);
                case BF16 -> FloatCodecs.bf16ToFloat(src.getAtIndex(I16, i));
                case F16 -> FloatCodecs.f16ToFloat(src.getAtIndex(I16, i));
                case F8_E4M3 -> FloatCodecs.f8e4m3ToFloat(src.get(ValueLayout.JAVA_BYTE, i));
                case F8_E5M2 -> FloatCodecs.f8e5m2ToFloat(src.get(ValueLayout.JAVA_BYTE, i));
                case I64 -> (float) src.getAtIndex(I64, i);
                case I32 -> (float) src.getAtIndex(I32, i);
                case I16 -> src.getAtIndex(I16, i);
                case I8 -> src.get(ValueLayout.JAVA_BYTE, i);
                case U8, BOOL -> src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K ->
                        throw new AssertionError("block types are decoded by decodeBlocks");
            };
        }
    }

    /** Decodes whole blocks; {@code count} is a multiple of the block size, which {@link #checkBounds} made sure of. */
    private static void decodeBlocks(MemorySegment src, DType type, float[] dst, int count) {
        int blocks = count / type.blockSize();
        for (int b = 0; b < blocks; b++) {
            long offset = (long) b * type.bytesPerBlock();
            int dstOffset = b * type.blockSize();
            switch (type) {
                case Q8_0 -> QuantCodecs.decodeQ8_0(src, offset, dst, dstOffset);
                case Q4_0 -> QuantCodecs.decodeQ4_0(src, offset, dst, dstOffset);
                case Q4_K -> QuantCodecs.decodeQ4K(src, offset, dst, dstOffset);
                case Q5_K -> QuantCodecs.decodeQ5K(src, offset, dst, dstOffset);
                case Q6_K -> QuantCodecs.decodeQ6K(src, offset, dst, dstOffset);
                default -> throw new IllegalArgumentException(type + " is not a block type");
            }
        }
    }

    @Override
    public void fromFloat(float[] src, DType type, MemorySegment dst, int count) {
        checkBounds(dst, type, src.length, count);
        for (int i = 0; i < count; i++) {
            float v = src[i];
            switch (type) {
                case F32 -> dst.setAtIndex(F32, i, v);
                case F64 -> dst.setAtIndex(F64, i, v);
                case BF16 -> dst.setAtIndex(I16, i, FloatCodecs.floatToBf16(v));
                case F16 -> dst.setAtIndex(I16, i, FloatCodecs.floatToF16(v));
                case F8_E4M3 -> dst.set(ValueLayout.JAVA_BYTE, i, FloatCodecs.floatToF8e4m3(v));
                case F8_E5M2 -> dst.set(ValueLayout.JAVA_BYTE, i, FloatCodecs.floatToF8e5m2(v));
                default -> throw new IllegalArgumentException("cannot encode floats as " + type
                        + ": merges write floating-point tensors only");
            }
        }
    }

    @Override
    public void weightedSum(float[][] inputs, float[] weights, float[] out) {
        checkWeightedSum(inputs, weights, out);
        for (int i = 0; i < out.length; i++) {
            float acc = 0f;
            for (int m = 0; m < inputs.length; m++) {
                acc = ElementMath.weightedAccumulate(acc, weights[m], inputs[m][i]);
            }
            out[i] = acc;
        }
    }

    @Override
    public void axpy(float a, float[] x, float[] y) {
        checkSameLength(x.length, y.length);
        for (int i = 0; i < y.length; i++) {
            y[i] = ElementMath.weightedAccumulate(y[i], a, x[i]);
        }
    }

    @Override
    public double dot(float[] a, float[] b) {
        checkSameLength(a.length, b.length);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    @Override
    public double sumOfSquares(float[] a) {
        double sum = 0;
        for (float v : a) {
            sum += (double) v * v;
        }
        return sum;
    }

    @Override
    public void taskVector(float[] x, float[] base, float[] out) {
        checkSameLength(x.length, base.length);
        checkSameLength(x.length, out.length);
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] - base[i];
        }
    }

    @Override
    public MagnitudeRank magnitudeRank(float[] x, float[] base, int position) {
        checkSameLength(x.length, base.length);
        return MagnitudeSelection.rank(x, base, position);
    }

    @Override
    public MagnitudeRank[] magnitudeRanks(TensorBlocks blocks, int[] positions) {
        return MagnitudeSelection.ranks(blocks, positions);
    }

    @Override
    public MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        int n = checkMask(x, base, mask);
        java.util.Arrays.fill(mask, 0, words(n), 0L);
        double total = 0;
        double kept = 0;
        for (int i = 0; i < n; i++) {
            float m = Math.abs(x[i] - base[i]);
            boolean keep = ElementMath.ranksBefore(m, i, to.threshold(), to.tieIndex())
                    && !ElementMath.ranksBefore(m, i, from.threshold(), from.tieIndex());
            total += m;
            if (keep) {
                mask[i >>> 6] |= 1L << i;
                kept += m;
            }
        }
        return new MaskNorms(total, kept);
    }

    @Override
    public MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base, double density,
                                long[] mask) {
        int n = checkMask(x, base, mask);
        java.util.Arrays.fill(mask, 0, words(n), 0L);
        long streamSeed = ElementMath.streamSeed(seed, stream);
        double total = 0;
        double kept = 0;
        for (int i = 0; i < n; i++) {
            float m = Math.abs(x[i] - base[i]);
            total += m;
            if (ElementMath.dareKeeps(streamSeed, firstIndex + i, density)) {
                mask[i >>> 6] |= 1L << i;
                kept += m;
            }
        }
        return new MaskNorms(total, kept);
    }

    @Override
    public void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine,
                                   float[] out) {
        checkCombine(base, models, masks, combine, out);
        int count = models.length;
        double[] factors = combine.factors();
        double[] shares = combine.shares();
        SignElection election = combine.election();
        double[] weighted = new double[count];
        double shareSum = 0;
        for (double share : shares) {
            shareSum += share;
        }
        for (int i = 0; i < out.length; i++) {
            float b = base[i];
            double sum = 0;
            int votes = 0;
            for (int m = 0; m < count; m++) {
                double v = isKept(masks[m], i) ? (models[m][i] - b) * factors[m] : 0.0;
                weighted[m] = v;
                sum += v;
                votes += v > 0 ? 1 : v < 0 ? -1 : 0;
            }
            double mixed;
            double divisor;
            if (election == SignElection.NONE) {
                mixed = sum;
                divisor = shareSum;
            } else {
                boolean negative = ElementMath.electsNegative(election == SignElection.SUM ? sum : votes);
                mixed = 0;
                divisor = 0;
                for (int m = 0; m < count; m++) {
                    if (ElementMath.agrees(weighted[m], negative)) {
                        mixed += weighted[m];
                        divisor += shares[m];
                    }
                }
            }
            if (combine.normalize()) {
                mixed /= ElementMath.guardedDivisor(divisor);
            }
            out[i] = (float) (b + mixed * combine.lambda());
        }
    }

    @Override
    public void linearCombination(float[] a, double ca, float[] b, double cb, float[] out) {
        checkSameLength(a.length, b.length);
        checkSameLength(a.length, out.length);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (ca * a[i] + cb * b[i]);
        }
    }

    static boolean isKept(long[] mask, int i) {
        return mask == null || (mask[i >>> 6] & (1L << i)) != 0;
    }

    static int words(int n) {
        return (n + 63) >>> 6;
    }

    static int checkMask(float[] x, float[] base, long[] mask) {
        checkSameLength(x.length, base.length);
        if (mask.length < words(x.length)) {
            throw new IllegalArgumentException(x.length + " elements need " + words(x.length) + " mask words, got "
                    + mask.length);
        }
        return x.length;
    }

    static void checkCombine(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out) {
        checkSameLength(base.length, out.length);
        if (models.length != masks.length || models.length != combine.factors().length) {
            throw new IllegalArgumentException(models.length + " models, " + masks.length + " masks and "
                    + combine.factors().length + " factors");
        }
        for (int m = 0; m < models.length; m++) {
            checkSameLength(models[m].length, out.length);
            if (masks[m] != null && masks[m].length < words(out.length)) {
                throw new IllegalArgumentException("mask of model " + m + " is too short");
            }
        }
    }

    static void checkBounds(MemorySegment segment, DType type, int arrayLength, int count) {
        if (count < 0 || count > arrayLength) {
            throw new IndexOutOfBoundsException("count " + count + " outside array of " + arrayLength);
        }
        // For block types byteSize also rejects a count that is not a whole number of blocks.
        if (segment.byteSize() < type.byteSize(count)) {
            throw new IndexOutOfBoundsException(count + " " + type + " values need " + type.byteSize(count)
                    + " bytes, segment has " + segment.byteSize());
        }
    }

    static void checkWeightedSum(float[][] inputs, float[] weights, float[] out) {
        if (inputs.length != weights.length) {
            throw new IllegalArgumentException(inputs.length + " inputs but " + weights.length + " weights");
        }
        for (float[] input : inputs) {
            checkSameLength(input.length, out.length);
        }
    }

    static void checkSameLength(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("arrays differ in length: " + a + " and " + b);
        }
    }
}
