package org.evomerge.plugins.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void twoByTwoByHand() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, -1)/√2 and (1, 1)/√2.
        SymmetricEigen eigen = SymmetricEigen.of(new double[][] {{2, 1}, {1, 2}});
        double[] values = eigen.values().clone();
        Arrays.sort(values);
        assertArrayEquals(new double[] {1, 3}, values, 1e-14);
        int three = eigen.values()[0] > 2 ? 0 : 1;
        assertEquals(Math.abs(eigen.vectors()[0][three]), Math.sqrt(0.5), 1e-14);
        assertEquals(eigen.vectors()[0][three], eigen.vectors()[1][three], 1e-14);
    }

    @Test
    void reconstructsRandomSymmetricMatricesWithOrthonormalVectors() {
        SplittableRandom random = new SplittableRandom(5);
        for (int n : new int[] {1, 3, 10, 40}) {
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    a[i][j] = a[j][i] = random.nextDouble(-1, 1);
                }
            }
            SymmetricEigen eigen = SymmetricEigen.of(a);
            double[][] v = eigen.vectors();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double reconstructed = 0;
                    double gram = 0;
                    for (int k = 0; k < n; k++) {
                        reconstructed += v[i][k] * eigen.values()[k] * v[j][k];
                        gram += v[k][i] * v[k][j];
                    }
                    assertEquals(a[i][j], reconstructed, 1e-12, "A[" + i + "][" + j + "] for n = " + n);
                    assertEquals(i == j ? 1 : 0, gram, 1e-12, "VᵀV[" + i + "][" + j + "] for n = " + n);
                }
            }
        }
    }
}
