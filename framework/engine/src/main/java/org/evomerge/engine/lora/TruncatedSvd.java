package org.evomerge.engine.lora;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The leading singular triplets of a matrix, in float64: {@code M ~ U diag(s) V^T} with {@code s} descending.
 *
 * <p>{@link #exact} is EJML's full thin SVD (Golub-Kahan bidiagonalisation), whose truncation is the best rank-k
 * approximation (Eckart-Young). {@link #randomized} is Halko, Martinsson and Tropp's randomized range finder (2011,
 * algorithms 4.4 and 5.1): a seeded Gaussian test matrix with {@value #OVERSAMPLING} extra columns, {@value #POWER_ITERATIONS}
 * power iterations re-orthonormalised by QR after each product, then the exact SVD of the small projected matrix. Its
 * work grows with {@code rows * cols * (k + oversampling)} instead of {@code rows * cols * min(rows, cols)}; the same
 * seed gives the same bits.
 *
 * @param u      {@code rows x k}, the left singular vectors as columns
 * @param s      the {@code k} leading singular values, descending
 * @param vt     {@code k x cols}, the right singular vectors as rows
 */
public record TruncatedSvd(DMatrixRMaj u, double[] s, DMatrixRMaj vt) {

    /** Extra test vectors of the randomized range finder: Halko et al.'s recommended {@code p = 10}. */
    public static final int OVERSAMPLING = 10;
    /** Power iterations of the randomized range finder: enough for the slowly decaying spectra of weight deltas. */
    public static final int POWER_ITERATIONS = 2;

    /** The number of singular triplets kept. */
    public int rank() {
        return s.length;
    }

    /** The {@code k} leading singular triplets of {@code m} by a full SVD ({@code m} is not modified). */
    public static TruncatedSvd exact(DMatrixRMaj m, int k) {
        int min = Math.min(m.numRows, m.numCols);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m.numRows, m.numCols, true,
                true, true);
        if (!svd.decompose(svd.inputModified() ? m.copy() : m)) {
            throw new ArithmeticException("the singular value decomposition did not converge");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj vt = svd.getV(null, true);
        SingularOps_DDRM.descendingOrder(u, false, w, vt, true);
        int kept = Math.min(k, min);
        double[] s = new double[kept];
        for (int i = 0; i < kept; i++) {
            s[i] = w.get(i, i);
        }
        return new TruncatedSvd(CommonOps_DDRM.extract(u, 0, u.numRows, 0, kept), s,
                CommonOps_DDRM.extract(vt, 0, kept, 0, vt.numCols));
    }

    /**
     * The {@code k} leading singular triplets of {@code m}, approximately, by the seeded randomized range finder; the
     * exact ones when {@code k + oversampling} reaches the smaller side (the sketch would be the whole matrix).
     */
    public static TruncatedSvd randomized(DMatrixRMaj m, int k, long seed) {
        int min = Math.min(m.numRows, m.numCols);
        int sketch = k + OVERSAMPLING;
        if (sketch >= min) {
            return exact(m, k);
        }
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj omega = new DMatrixRMaj(m.numCols, sketch);
        for (int i = 0; i < omega.data.length; i++) {
            omega.data[i] = gaussian(random);
        }
        DMatrixRMaj q = orthonormal(times(m, omega));
        for (int i = 0; i < POWER_ITERATIONS; i++) {
            DMatrixRMaj z = new DMatrixRMaj(m.numCols, sketch);
            CommonOps_DDRM.multTransA(m, q, z);
            z = orthonormal(z);
            q = orthonormal(times(m, z));
        }
        DMatrixRMaj projected = new DMatrixRMaj(sketch, m.numCols);
        CommonOps_DDRM.multTransA(q, m, projected);
        TruncatedSvd small = exact(projected, k);
        DMatrixRMaj u = new DMatrixRMaj(m.numRows, small.rank());
        CommonOps_DDRM.mult(q, small.u(), u);
        return new TruncatedSvd(u, small.s(), small.vt());
    }

    private static DMatrixRMaj times(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, c);
        return c;
    }

    /** An orthonormal basis of {@code a}'s column space: the thin Q of its QR decomposition. */
    private static DMatrixRMaj orthonormal(DMatrixRMaj a) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(a.numRows, a.numCols);
        if (!qr.decompose(qr.inputModified() ? a.copy() : a)) {
            throw new ArithmeticException("the QR decomposition failed");
        }
        return qr.getQ(null, true);
    }

    /** A standard normal draw (Box-Muller, one of the pair), from the seeded stream alone. */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
