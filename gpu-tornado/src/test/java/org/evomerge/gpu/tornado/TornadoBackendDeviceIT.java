package org.evomerge.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.WeightHandle;
import org.evomerge.api.tensor.DType;
import org.evomerge.inference.CpuInferenceOperations;
import org.evomerge.compute.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backend on a real TornadoVM device against the CPU reference. Skipped when no TornadoVM runtime is present
 * (the JVM was not started with TornadoVM's argfile, or no device was found).
 */
class TornadoBackendDeviceIT {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    /** Every array goes to the device, whatever its size. */
    @RegisterExtension
    static final TornadoDevice DEVICE = new TornadoDevice(Map.of(TornadoBackend.MIN_DEVICE_ELEMENTS_PROPERTY, "1"));

    private static float[] random(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void weightedSumIsBitIdenticalAndPlansAreReused() {
        SplittableRandom random = new SplittableRandom(21);
        for (int round = 0; round < 3; round++) {
            int n = 50_000;
            float[][] inputs = {random(random, n), random(random, n), random(random, n)};
            float[] weights = {0.25f, 0.5f + round, -0.125f};
            float[] expected = new float[n];
            float[] got = new float[n];
            REFERENCE.weightedSum(inputs, weights, expected);
            DEVICE.backend().weightedSum(inputs, weights, got);
            assertArrayEquals(expected, got, "round " + round);
        }
    }

    @Test
    void axpyIsBitIdentical() {
        SplittableRandom random = new SplittableRandom(22);
        float[] x = random(random, 30_001);
        float[] y = random(random, 30_001);
        float[] expected = y.clone();
        REFERENCE.axpy(1.75f, x, expected);
        DEVICE.backend().axpy(1.75f, x, y);
        assertArrayEquals(expected, y);
        // A second call through the same plan with another factor.
        REFERENCE.axpy(-0.5f, x, expected);
        DEVICE.backend().axpy(-0.5f, x, y);
        assertArrayEquals(expected, y);
    }

    @Test
    void slerpReductionsAgreeToDoubleRounding() {
        SplittableRandom random = new SplittableRandom(23);
        int n = 100_003;
        float[] a = random(random, n);
        float[] b = random(random, n);
        assertEquals(REFERENCE.dot(a, b), DEVICE.backend().dot(a, b), 1e-9 * n);
        assertEquals(REFERENCE.sumOfSquares(a), DEVICE.backend().sumOfSquares(a), 1e-9 * n);
    }

    @Test
    void matVecWeightsStayOnTheDevice() {
        SplittableRandom random = new SplittableRandom(24);
        int rows = 256;
        int cols = 512;
        float[] w = random(random, rows * cols);
        int uploadsBefore = DEVICE.backend().device().weightUploads();
        for (int call = 0; call < 3; call++) {
            float[] x = random(random, cols);
            float[] y = new float[rows];
            DEVICE.backend().matVec(w, rows, cols, x, y);
            // Inference products accumulate in float (DeviceMath.multiplyAdd): within float rounding of the exact
            // dot product, the bound of a column-order sum of cols terms.
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) w[r * cols + c] * x[c];
                    magnitude += Math.abs((double) w[r * cols + c] * x[c]);
                }
                assertEquals(exact, y[r], cols * 0x1p-24 * magnitude, "call " + call + " row " + r);
            }
        }
        assertEquals(uploadsBefore + 1, DEVICE.backend().device().weightUploads());
        DEVICE.backend().release(w);
    }

    /** Masks for DARE and magnitude bands: the same bits as the reference, norms within double rounding. */
    @Test
    void masksAreTheReferenceMasks() {
        SplittableRandom random = new SplittableRandom(25);
        int n = 70_001;
        float[] base = random(random, n);
        float[] x = random(random, n);
        for (int i = 0; i < n; i += 13) {
            x[i] = base[i]; // unchanged elements
        }
        for (int stream = 0; stream < 2; stream++) {
            long[] expected = new long[(n + 63) >>> 6];
            long[] got = new long[(n + 63) >>> 6];
            MaskNorms e = REFERENCE.randomMask(99, stream, x, base, 0.3, expected);
            MaskNorms g = DEVICE.backend().randomMask(99, stream, x, base, 0.3, got);
            assertArrayEquals(expected, got, "DARE mask, stream " + stream);
            assertEquals(e.total(), g.total(), 1e-9 * e.total());
            assertEquals(e.kept(), g.kept(), 1e-9 * e.total());
        }
        long[] expected = new long[(n + 63) >>> 6];
        long[] got = new long[(n + 63) >>> 6];
        MagnitudeRank to = new MagnitudeRank(0.5f, n / 2);
        MaskNorms e = REFERENCE.magnitudeMask(x, base, MagnitudeRank.NONE, to, expected);
        MaskNorms g = DEVICE.backend().magnitudeMask(x, base, MagnitudeRank.NONE, to, got);
        assertArrayEquals(expected, got, "magnitude mask");
        assertEquals(e.kept(), g.kept(), 1e-9 * e.total());
    }

    /** TIES (sum and count) and plain combines, and SLERP's combination: the reference's floats. */
    @Test
    void combinesAreTheReferenceCombines() {
        SplittableRandom random = new SplittableRandom(26);
        int n = 40_000;
        float[] base = random(random, n);
        float[][] models = {random(random, n), random(random, n), random(random, n)};
        long[][] masks = {new long[(n + 63) >>> 6], null, new long[(n + 63) >>> 6]};
        REFERENCE.randomMask(5, 0, models[0], base, 0.4, masks[0]);
        REFERENCE.magnitudeMask(models[2], base, MagnitudeRank.NONE, new MagnitudeRank(1f, 0), masks[2]);
        double[] factors = {0.7, 1.3, 0.4};
        for (SignElection election : SignElection.values()) {
            for (boolean normalize : new boolean[] {false, true}) {
                TaskVectorCombine combine = new TaskVectorCombine(factors, factors, election, normalize, 0.9);
                float[] expected = new float[n];
                float[] got = new float[n];
                REFERENCE.combineTaskVectors(base, models, masks, combine, expected);
                DEVICE.backend().combineTaskVectors(base, models, masks, combine, got);
                assertArrayEquals(expected, got, 1e-6f, election + " normalize " + normalize);
            }
        }
        float[] expected = new float[n];
        float[] got = new float[n];
        REFERENCE.linearCombination(models[0], 0.25, models[1], 0.8, expected);
        DEVICE.backend().linearCombination(models[0], 0.25, models[1], 0.8, got);
        assertArrayEquals(expected, got, 1e-6f);
        REFERENCE.taskVector(models[0], base, expected);
        DEVICE.backend().taskVector(models[0], base, got);
        assertArrayEquals(expected, got);
    }

    /**
     * Products through uploaded handles: uploaded once, reused, kept on the device after their handles close and
     * found again by content; the CPU kernels' results.
     */
    @Test
    void inferenceWeightsAreUploadedOnceAndAgreeWithTheCpuKernels() {
        InferenceOperations device = DEVICE.backend().inference().orElseThrow();
        TornadoInferenceOperations operations = (TornadoInferenceOperations) device;
        int uploadsBefore = operations.uploads();
        int residentBefore = operations.resident();
        CpuInferenceOperations cpu = new CpuInferenceOperations(1);
        SplittableRandom random = new SplittableRandom(27);
        int rows = 96;
        int cols = 128;
        float[] w = random(random, rows * cols);
        MemorySegment f32 = MemorySegment.ofArray(w);
        MemorySegment bf16 = Arena.ofAuto().allocate(2L * rows * cols);
        REFERENCE.fromFloat(w, DType.BF16, bf16, rows * cols);
        for (var entry : java.util.Map.of(DType.F32, f32, DType.BF16, bf16).entrySet()) {
            WeightHandle onDevice = device.upload(entry.getValue(), entry.getKey(), rows, cols);
            WeightHandle onCpu = cpu.upload(entry.getValue(), entry.getKey(), rows, cols);
            for (int tokens : new int[] {1, 3}) {
                float[] x = random(random, tokens * cols);
                float[] expected = new float[tokens * rows];
                float[] got = new float[tokens * rows];
                cpu.multiply(onCpu, x, tokens, expected);
                device.multiply(onDevice, x, tokens, got);
                assertArrayEquals(expected, got, 1e-3f, entry.getKey() + " × " + tokens + " tokens");
            }
            onDevice.close();
        }
        assertEquals(uploadsBefore + 2, operations.uploads());
        assertEquals(residentBefore + 2, operations.resident(), "closed handles' matrices stay for reuse");
        int reusesBefore = operations.reuses();
        device.upload(MemorySegment.ofArray(w.clone()), DType.F32, rows, cols).close();
        assertEquals(uploadsBefore + 2, operations.uploads(), "equal bytes in another array: no upload");
        assertEquals(reusesBefore + 1, operations.reuses());
        float[] changed = w.clone();
        changed[rows * cols - 1] += 1f;
        device.upload(MemorySegment.ofArray(changed), DType.F32, rows, cols).close();
        assertEquals(uploadsBefore + 3, operations.uploads(), "one element changed: a new upload");
    }
}
