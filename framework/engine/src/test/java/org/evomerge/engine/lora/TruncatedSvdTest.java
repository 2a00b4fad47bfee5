package org.evomerge.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Truncated SVDs against matrices built with known singular values, {@code M = U diag(s) V^T}: by Eckart-Young the
 * best rank-k approximation leaves {@code sqrt(sum of dropped s^2) / sqrt(sum of s^2)} of {@code M}, worked out here
 * in float64 from {@code s} alone.
 */
class TruncatedSvdTest {

    /** {@code rows x cols} with singular values {@code s} and random orthonormal singular vectors. */
    static DMatrixRMaj withSingularValues(int rows, int cols, double[] s, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj u = orthonormal(rows, s.length, random);
        DMatrixRMaj v = orthonormal(cols, s.length, random);
        DMatrixRMaj us = u.copy();
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < s.length; k++) {
                us.set(i, k, u.get(i, k) * s[k]);
            }
        }
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(us, v, m);
        return m;
    }

    private static DMatrixRMaj orthonormal(int rows, int cols, Random random) {
        DMatrixRMaj g = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = random.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        qr.decompose(g);
        return qr.getQ(null, true);
    }

    static double eckartYoung(double[] s, int k) {
        double dropped = 0;
        double all = 0;
        for (int i = 0; i < s.length; i++) {
            all += s[i] * s[i];
            if (i >= k) {
                dropped += s[i] * s[i];
            }
        }
        return Math.sqrt(dropped / all);
    }

    private static LoraExtraction.Options options(int rank, double epsilon, LoraExtraction.SvdMethod svd) {
        return new LoraExtraction.Options(rank, epsilon, List.of(), List.of(), false, List.of(), false, true, svd, 7);
    }

    private static final double[] SPECTRUM = {12, 9, 7, 5, 3, 2, 1.5, 1, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02};

    @Test
    void theExactSvdFindsTheSingularValuesAndTruncationLeavesTheEckartYoungError() {
        DMatrixRMaj m = withSingularValues(60, 40, SPECTRUM, 1);
        TruncatedSvd svd = TruncatedSvd.exact(m, 40);
        for (int i = 0; i < SPECTRUM.length; i++) {
            assertEquals(SPECTRUM[i], svd.s()[i], 1e-10);
        }
        for (int i = SPECTRUM.length; i < 40; i++) {
            assertEquals(0, svd.s()[i], 1e-10);
        }
        for (int k : new int[] {1, 4, 8}) {
            LoraExtraction.Decomposed d = LoraExtraction.factor(m, DType.F32,
                    options(k, 0, LoraExtraction.SvdMethod.EXACT), "m");
            assertEquals(k, d.rank());
            // float32 factors: a few parts in 10^7 on top of the truncation
            assertEquals(eckartYoung(SPECTRUM, k), d.relativeError(), 2e-6, "rank " + k);
        }
        LoraExtraction.Decomposed whole = LoraExtraction.factor(m, DType.F32,
                options(SPECTRUM.length, 0, LoraExtraction.SvdMethod.EXACT), "m");
        assertTrue(whole.relativeError() < 1e-6, "rank >= the true rank gives M back: " + whole.relativeError());
    }

    @Test
    void svEpsilonDropsSingularValuesAtOrBelowIt() {
        DMatrixRMaj m = withSingularValues(30, 20, SPECTRUM, 2);
        LoraExtraction.Decomposed d = LoraExtraction.factor(m, DType.F32,
                options(10, 2.5, LoraExtraction.SvdMethod.EXACT), "m");
        assertEquals(5, d.rank(), "12, 9, 7, 5, 3 are above 2.5");
        assertEquals(eckartYoung(SPECTRUM, 5), d.relativeError(), 2e-6);
        assertEquals(0, LoraExtraction.factor(new DMatrixRMaj(4, 3), DType.F32,
                options(2, 0, LoraExtraction.SvdMethod.EXACT), "zero").rank(), "no singular value above 0");
    }

    @Test
    void theRandomizedSvdIsNearOptimalAndTheSameBitsForTheSameSeed() {
        DMatrixRMaj m = withSingularValues(500, 300, SPECTRUM, 3);
        for (int k : new int[] {3, 6}) {
            LoraExtraction.Decomposed exact = LoraExtraction.factor(m, DType.F32,
                    options(k, 0, LoraExtraction.SvdMethod.EXACT), "m");
            LoraExtraction.Decomposed randomized = LoraExtraction.factor(m, DType.F32,
                    options(k, 0, LoraExtraction.SvdMethod.RANDOMIZED), "m");
            assertEquals(eckartYoung(SPECTRUM, k), randomized.relativeError(), 1e-4, "rank " + k);
            assertTrue(randomized.relativeError() >= exact.relativeError() - 2e-6, "never better than optimal");
        }
        TruncatedSvd first = TruncatedSvd.randomized(m, 5, 42);
        TruncatedSvd again = TruncatedSvd.randomized(m, 5, 42);
        assertArrayEquals(first.s(), again.s());
        assertArrayEquals(first.u().data, again.u().data);
        assertArrayEquals(first.vt().data, again.vt().data);
        for (int i = 0; i < 5; i++) {
            assertEquals(SPECTRUM[i], first.s()[i], 1e-6 * SPECTRUM[i]);
        }
    }
}
