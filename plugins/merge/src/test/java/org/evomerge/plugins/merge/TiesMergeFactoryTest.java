package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;
import static org.evomerge.plugins.merge.GtaInputs.floats;
import static org.evomerge.plugins.merge.GtaInputs.plus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Map;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked TIES cases. Shared data (also used by the other consensus methods' trimming cases):
 *
 * <pre>
 * base = [0.5, -1, 2, 1]
 * δA = [ 2, -1,  4,  0.5]   wA = 0.5
 * δB = [ 1,  3, -2, -1  ]   wB = 1
 * δC = [-3, -2,  2, -1  ]   wC = 0.25
 * </pre>
 *
 * density 0.75 → k = ⌊0.75·4⌋ = 3 per model:
 * <pre>
 * A: |δ| = 2, 1, 4, 0.5 → keep i2, i0, i1          → [ 2, -1,  4, 0]
 * B: |δ| = 1, 3, 2, 1   → keep i1, i2, then the tie 1 at i0 and i3 goes to the lower index i0
 *                                                   → [ 1,  3, -2, 0]
 * C: |δ| = 3, 2, 2, 1   → keep i0, i1, i2          → [-3, -2,  2, 0]
 * weighted: A' = [1, -0.5, 2, 0]   B' = [1, 3, -2, 0]   C' = [-0.75, -0.5, 0.5, 0]
 * S = Σ = [1.25, 2, 0.5, 0] → sum election: + + + + (S = 0 at i3 elects +, and nobody agrees there: zeros never count)
 * count election: i0 (+,+,-) → +; i1 (-,+,-) → -; i2 (+,-,+) → +; i3 (no non-zero) → tie → +
 * </pre>
 */
class TiesMergeFactoryTest extends MergeMethodContract {

    static final float[] BASE = floats(0.5, -1, 2, 1);
    static final float[] A = plus(BASE, 2, -1, 4, 0.5);
    static final float[] B = plus(BASE, 1, 3, -2, -1);
    static final float[] C = plus(BASE, -3, -2, 2, -1);
    static final List<Map<String, ?>> TRIMMED = List.of(Map.of("weight", 0.5, "density", 0.75),
            Map.of("weight", 1.0, "density", 0.75), Map.of("weight", 0.25, "density", 0.75));

    @Override
    protected MergeMethodFactory factory() {
        return new TiesMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex, "density", 0.5);
    }

    @Test
    void defaultsSumElectionWeightedMeanNormalized() {
        // i0: A' and B' agree: (1 + 1) / (0.5 + 1) = 4/3
        // i1: only B' = 3 agrees: 3 / 1 = 3
        // i2: A' and C' agree: (2 + 0.5) / (0.5 + 0.25) = 10/3
        // i3: nobody: 0 (divisor 0 → 1)
        float[] merged = GtaInputs.of(factory()).merge(BASE, List.of(A, B, C), TRIMMED);
        assertMerged(BASE, new double[] {4.0 / 3, 3, 10.0 / 3, 0}, merged);
    }

    @Test
    void withoutNormalizeTheAgreeingDeltasAreSummed() {
        // [1 + 1, 3, 2 + 0.5, 0]
        float[] merged = GtaInputs.of(factory(), Map.of("normalize", false)).merge(BASE, List.of(A, B, C), TRIMMED);
        assertMerged(BASE, new double[] {2, 3, 2.5, 0}, merged);
    }

    @Test
    void countElection() {
        // i1 elects -: A' = -0.5 (w 0.5) and C' = -0.5 (w 0.25): -1 / 0.75 = -4/3; the rest as with sum election
        float[] merged = GtaInputs.of(factory(), Map.of("sign_election", "count")).merge(BASE, List.of(A, B, C),
                TRIMMED);
        assertMerged(BASE, new double[] {4.0 / 3, -4.0 / 3, 10.0 / 3, 0}, merged);
    }

    @Test
    void countMean() {
        // divisor = number of agreeing models: [2/2, 3/1, 2.5/2, 0]
        float[] merged = GtaInputs.of(factory(), Map.of("disjoint_mean", "count")).merge(BASE, List.of(A, B, C),
                TRIMMED);
        assertMerged(BASE, new double[] {1, 3, 1.25, 0}, merged);
    }

    @Test
    void countElectionAndCountMean() {
        // i1: (-0.5 - 0.5) / 2 = -0.5
        float[] merged = GtaInputs.of(factory(), Map.of("sign_election", "count", "disjoint_mean", "count"))
                .merge(BASE, List.of(A, B, C), TRIMMED);
        assertMerged(BASE, new double[] {1, -0.5, 1.25, 0}, merged);
    }

    @Test
    void lambdaScalesAfterNormalizing() {
        float[] merged = GtaInputs.of(factory(), Map.of("lambda", 0.5)).merge(BASE, List.of(A, B, C), TRIMMED);
        assertMerged(BASE, new double[] {2.0 / 3, 1.5, 5.0 / 3, 0}, merged);
    }

    @Test
    void rescaleMatchesEachTrimmedVectorsL1Norm() {
        // L1 before / after trimming: A 7.5/7, B 7/6, C 8/7; normalize off for readability.
        // A' = 0.5·15/14·[2, -1, 4, 0] = [15/14, -15/28, 15/7, 0]
        // B' = 7/6·[1, 3, -2, 0]       = [7/6, 7/2, -7/3, 0]
        // C' = 0.25·8/7·[-3, -2, 2, 0] = [-6/7, -4/7, 4/7, 0]
        // S = [15/14 + 7/6 - 6/7 > 0, 7/2 - 15/28 - 4/7 > 0, 15/7 - 7/3 + 4/7 > 0, 0] → + + + +
        float[] merged = GtaInputs.of(factory(), Map.of("normalize", false, "rescale", true))
                .merge(BASE, List.of(A, B, C), TRIMMED);
        assertMerged(BASE, new double[] {15.0 / 14 + 7.0 / 6, 3.5, 15.0 / 7 + 4.0 / 7, 0}, merged);
    }

    @Test
    void densityGivingNoElementZeroesThatTaskVector() {
        // k = ⌊0.2·4⌋ = 0 for A (mergekit asserts): only B and C remain.
        // B = [1, 3, -2, 0] (w 1), C = [-3, -2, 2, 0] (w 0.25): B' = [1, 3, -2, 0], C' = [-0.75, -0.5, 0.5, 0]
        // S = [0.25, 2.5, -1.5, 0] → + + - +: [1/1, 3/1, -2/1, 0]
        float[] merged = GtaInputs.of(factory()).merge(BASE, List.of(A, B, C), List.of(
                Map.of("weight", 0.5, "density", 0.2), TRIMMED.get(1), TRIMMED.get(2)));
        assertMerged(BASE, new double[] {1, 3, -2, 0}, merged);
        // All models trimmed to nothing: the base itself.
        float[] nothing = GtaInputs.of(factory()).merge(BASE, List.of(A),
                List.of(Map.of("weight", 1.0, "density", 0.1)));
        assertArrayEquals(BASE, nothing);
    }
}
