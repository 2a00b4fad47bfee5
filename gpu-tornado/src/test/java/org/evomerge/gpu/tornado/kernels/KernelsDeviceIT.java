package org.evomerge.gpu.tornado.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.evomerge.gpu.tornado.TornadoDevice;
import org.evomerge.kernels.FloatCodecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Every kernel compiled by TornadoVM and run on the device, against the same kernel run as plain Java. Skipped
 * without a TornadoVM runtime. The test JVM runs with {@code -Dtornado.recover.bailout=False}, so a kernel that
 * TornadoVM cannot compile fails here instead of silently running on the JVM.
 */
class KernelsDeviceIT {

    @RegisterExtension
    static final TornadoDevice DEVICE = new TornadoDevice();

    private static void run(TaskGraph graph) {
        ImmutableTaskGraph snapshot = graph.snapshot();
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(snapshot)) {
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError("TornadoVM execution failed: " + e, e);
        }
    }

    private static float[] random(SplittableRandom random, int n) {
        return MergeKernelsJvmTest.random(random, n);
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    @Test
    void tiesTrimAndConsensusCombine() {
        SplittableRandom random = new SplittableRandom(31);
        int models = 3;
        int n = 20_000;
        FloatArray base = FloatArray.fromArray(random(random, n));
        FloatArray values = FloatArray.fromArray(random(random, models * n));
        FloatArray thresholds = FloatArray.fromElements(0.2f, 0.5f, 0.9f);
        DoubleArray factors = DoubleArray.fromElements(0.6, 1.1, 0.3);
        FloatArray keep = new FloatArray(models * n);
        FloatArray out = new FloatArray(n);
        run(new TaskGraph("ties")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, base, values, thresholds, factors)
                .task("trim", MergeKernels::trimByMagnitude, values, base, thresholds, keep, models, n)
                .task("combine", MergeKernels::consensusCombine, base, values, keep, factors, factors, out, models, n, 0,
                        1, 0.8)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, keep, out));
        FloatArray jvmKeep = new FloatArray(models * n);
        FloatArray jvmOut = new FloatArray(n);
        MergeKernels.trimByMagnitude(values, base, thresholds, jvmKeep, models, n);
        MergeKernels.consensusCombine(base, values, jvmKeep, factors, factors, jvmOut, models, n, 0, 1, 0.8);
        assertArrayEquals(jvmKeep.toHeapArray(), keep.toHeapArray());
        assertClose(jvmOut.toHeapArray(), out.toHeapArray(), 1e-6);
    }

    @Test
    void dareMaskMatchesTheCpuDrawsExactly() {
        int models = 2;
        int n = 40_000;
        LongArray seeds = LongArray.fromElements(0x1234_5678_9ABCL, -42L);
        DoubleArray densities = DoubleArray.fromElements(0.3, 0.75);
        FloatArray keep = new FloatArray(models * n);
        SplittableRandom random = new SplittableRandom(32);
        FloatArray base = FloatArray.fromArray(random(random, n));
        FloatArray values = FloatArray.fromArray(random(random, models * n));
        int chunk = 1024;
        int chunks = (n + chunk - 1) / chunk;
        DoubleArray before = new DoubleArray(models * chunks);
        DoubleArray after = new DoubleArray(models * chunks);
        run(new TaskGraph("dare")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, seeds, densities, base, values)
                .task("mask", MergeKernels::dareMask, seeds, densities, keep, models, n)
                .task("norms", MergeKernels::partialL1Norms, values, base, keep, before, after, models, n, chunk, chunks)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, keep, before, after));
        FloatArray jvmKeep = new FloatArray(models * n);
        DoubleArray jvmBefore = new DoubleArray(models * chunks);
        DoubleArray jvmAfter = new DoubleArray(models * chunks);
        MergeKernels.dareMask(seeds, densities, jvmKeep, models, n);
        MergeKernels.partialL1Norms(values, base, jvmKeep, jvmBefore, jvmAfter, models, n, chunk, chunks);
        assertArrayEquals(jvmKeep.toHeapArray(), keep.toHeapArray());
        assertArrayEquals(jvmBefore.toHeapArray(), before.toHeapArray(), 1e-9);
        assertArrayEquals(jvmAfter.toHeapArray(), after.toHeapArray(), 1e-9);
    }

    @Test
    void linearCombine() {
        SplittableRandom random = new SplittableRandom(33);
        int models = 2;
        int n = 10_000;
        FloatArray base = FloatArray.fromArray(random(random, n));
        FloatArray values = FloatArray.fromArray(random(random, models * n));
        FloatArray keep = new FloatArray(models * n);
        keep.init(1f);
        DoubleArray factors = DoubleArray.fromElements(0.5, 0.7);
        FloatArray out = new FloatArray(n);
        run(new TaskGraph("linear")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, base, values, keep, factors)
                .task("combine", MergeKernels::linearCombine, base, values, keep, factors, out, models, n, 1.2, 1.0)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
        FloatArray jvm = new FloatArray(n);
        MergeKernels.linearCombine(base, values, keep, factors, jvm, models, n, 1.2, 1.0);
        assertClose(jvm.toHeapArray(), out.toHeapArray(), 1e-6);
    }

    @Test
    void matVecInAllThreeEncodings() {
        SplittableRandom random = new SplittableRandom(34);
        int rows = 64;
        int cols = 256;
        float[] dense = random(random, rows * cols);
        short[] halves = new short[dense.length];
        for (int i = 0; i < dense.length; i++) {
            halves[i] = FloatCodecs.floatToF16(dense[i]);
        }
        byte[] q8 = new byte[rows * cols / 32 * 34];
        for (int b = 0; b < rows * cols / 32; b++) {
            short scale = FloatCodecs.floatToF16(0.02f);
            q8[b * 34] = (byte) scale;
            q8[b * 34 + 1] = (byte) (scale >> 8);
            for (int j = 0; j < 32; j++) {
                q8[b * 34 + 2 + j] = (byte) (random.nextInt(255) - 127);
            }
        }
        FloatArray w = FloatArray.fromArray(dense);
        ShortArray wh = ShortArray.fromArray(halves);
        ByteArray wq = ByteArray.fromArray(q8);
        FloatArray x = FloatArray.fromArray(random(random, cols));
        FloatArray y32 = new FloatArray(rows);
        FloatArray y16 = new FloatArray(rows);
        FloatArray yq = new FloatArray(rows);
        run(new TaskGraph("matvec")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w, wh, wq, x)
                .task("f32", InferenceKernels::matVecF32, w, x, y32, rows, cols)
                .task("f16", InferenceKernels::matVecF16, wh, x, y16, rows, cols)
                .task("q8", InferenceKernels::matVecQ8_0, wq, x, yq, rows, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y32, y16, yq));
        FloatArray e32 = new FloatArray(rows);
        FloatArray e16 = new FloatArray(rows);
        FloatArray eq = new FloatArray(rows);
        InferenceKernels.matVecF32(w, x, e32, rows, cols);
        InferenceKernels.matVecF16(wh, x, e16, rows, cols);
        InferenceKernels.matVecQ8_0(wq, x, eq, rows, cols);
        assertClose(e32.toHeapArray(), y32.toHeapArray(), 1e-5);
        assertClose(e16.toHeapArray(), y16.toHeapArray(), 1e-5);
        assertClose(eq.toHeapArray(), yq.toHeapArray(), 1e-5);
    }
}
