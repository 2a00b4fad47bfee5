package org.evomerge.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.compute.VectorBackend;
import org.evomerge.kernels.FloatCodecs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The TIES and DARE kernels of a merge on one layer-sized tensor (2048 x 5632, a TinyLlama MLP projection; bf16 values
 * as checkpoints hold them, so magnitudes tie often), one core, milliseconds per call, for the scalar reference and
 * the Vector API backend side by side: the magnitude selection alone, TIES trimming (the selection and the mask),
 * DARE's random mask, and the sign-consensus combine of two models.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Threads(1)
public class MergeKernelBenchmark {

    static final int ELEMENTS = 2048 * 5632;

    @Param({"cpu-reference", "cpu-vector"})
    public String backend;

    private TaskVectorOperations compute;
    private float[] base;
    private float[] first;
    private float[] second;
    private long[] mask;
    private long[] otherMask;
    private float[] out;
    private TaskVectorCombine combine;

    @Setup(Level.Trial)
    public void setUp() {
        compute = (backend.equals("cpu-vector") ? new VectorBackend() : new ReferenceBackend()).taskVectors().orElseThrow();
        SplittableRandom random = new SplittableRandom(1);
        base = new float[ELEMENTS];
        first = new float[ELEMENTS];
        second = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            base[i] = bf16(random.nextGaussian() * 0.02);
            first[i] = bf16(base[i] + random.nextGaussian() * 0.002);
            second[i] = bf16(base[i] + random.nextGaussian() * 0.002);
        }
        mask = new long[(ELEMENTS + 63) >>> 6];
        otherMask = new long[mask.length];
        out = new float[ELEMENTS];
        combine = new TaskVectorCombine(new double[] {0.5, 0.5}, new double[] {0.5, 0.5}, SignElection.SUM, true,
                1.0);
        compute.topMagnitudeMask(first, base, ELEMENTS / 2, mask);
        compute.topMagnitudeMask(second, base, ELEMENTS / 2, otherMask);
    }

    private static float bf16(double value) {
        return FloatCodecs.bf16ToFloat(FloatCodecs.floatToBf16((float) value));
    }

    @Benchmark
    public MagnitudeRank magnitudeRank() {
        return compute.magnitudeRank(first, base, ELEMENTS / 2);
    }

    @Benchmark
    public MaskNorms tiesTrim() {
        return compute.topMagnitudeMask(first, base, ELEMENTS / 2, mask);
    }

    @Benchmark
    public MaskNorms dareRandomMask() {
        return compute.randomMask(7, 0, first, base, 0.5, mask);
    }

    @Benchmark
    public float[] consensusCombineOfTwo() {
        compute.combineTaskVectors(base, new float[][] {first, second}, new long[][] {mask, otherMask}, combine, out);
        return out;
    }
}
