package org.evomerge.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.engine.compute.ReferenceBackend;
import org.evomerge.kernels.ElementMath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend on a real TornadoVM device against the CPU reference. Skipped when no TornadoVM runtime is present
 * (the JVM was not started with TornadoVM's argfile, or no device was found).
 */
class TornadoBackendDeviceIT {

    private static final ComputeBackend REFERENCE = new ReferenceBackend();
    private static TornadoBackend backend;

    @BeforeAll
    static void start() {
        // Every array goes to the device, whatever its size.
        System.setProperty(TornadoBackend.MIN_DEVICE_ELEMENTS_PROPERTY, "1");
        backend = new TornadoBackend();
        assumeTrue(backend.isAvailable(), () -> "no TornadoVM runtime: " + backend.description());
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
        }
    }

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
            backend.weightedSum(inputs, weights, got);
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
        backend.axpy(1.75f, x, y);
        assertArrayEquals(expected, y);
        // A second call through the same plan with another factor.
        REFERENCE.axpy(-0.5f, x, expected);
        backend.axpy(-0.5f, x, y);
        assertArrayEquals(expected, y);
    }

    @Test
    void slerpReductionsAgreeToDoubleRounding() {
        SplittableRandom random = new SplittableRandom(23);
        int n = 100_003;
        float[] a = random(random, n);
        float[] b = random(random, n);
        assertEquals(REFERENCE.dot(a, b), backend.dot(a, b), 1e-9 * n);
        assertEquals(REFERENCE.sumOfSquares(a), backend.sumOfSquares(a), 1e-9 * n);
    }

    @Test
    void matVecWeightsStayOnTheDevice() {
        SplittableRandom random = new SplittableRandom(24);
        int rows = 256;
        int cols = 512;
        float[] w = random(random, rows * cols);
        int uploadsBefore = backend.device().weightUploads();
        for (int call = 0; call < 3; call++) {
            float[] x = random(random, cols);
            float[] y = new float[rows];
            backend.matVec(w, rows, cols, x, y);
            // The device fuses each multiply-add (DeviceMath), so it equals Math.fma in column order exactly.
            float[] expected = new float[rows];
            for (int r = 0; r < rows; r++) {
                float acc = 0f;
                for (int c = 0; c < cols; c++) {
                    acc = ElementMath.weightedAccumulate(acc, w[r * cols + c], x[c]);
                }
                expected[r] = acc;
            }
            assertArrayEquals(expected, y, "call " + call);
        }
        assertEquals(uploadsBefore + 1, backend.device().weightUploads());
        backend.release(w);
    }
}
