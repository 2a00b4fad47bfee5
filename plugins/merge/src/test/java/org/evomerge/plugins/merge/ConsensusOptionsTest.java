package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.evomerge.api.merge.MergeMethodFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every value of {@code sign_election} and {@code disjoint_mean}, hand-worked, on every consensus method. density 1
 * (the default) makes every sparsifier the identity, so the four methods must agree exactly:
 *
 * <pre>
 * base = [0.5, -1, 2, 1]
 * δA = [ 2, -1,  4,  0.5]  wA = 0.5   → A' = [ 1,    -0.5,  2,    0.25]
 * δB = [ 1,  3, -2, -1  ]  wB = 1     → B' = [ 1,     3,   -2,   -1   ]
 * δC = [-3, -2,  2, -1  ]  wC = 0.25  → C' = [-0.75, -0.5,  0.5, -0.25]
 * S = [1.25, 2, 0.5, -1]         → sum election   + + + -
 * signs: (+,+,-) (-,+,-) (+,-,+) (+,-,-) → count election + - + -
 *
 *                      i0                     i1                     i2                       i3
 * sum,   weighted      (1+1)/1.5 = 4/3        3/1 = 3                (2+0.5)/0.75 = 10/3      (-1-0.25)/1.25 = -1
 * sum,   count         2/2 = 1                3/1 = 3                2.5/2 = 1.25             -1.25/2 = -0.625
 * count, weighted      4/3                    (-0.5-0.5)/0.75 = -4/3 10/3                     -1
 * count, count         1                      -1/2 = -0.5            1.25                     -0.625
 * normalize off, sum   2                      3                      2.5                      -1.25
 * normalize off, count 2                      -1                     2.5                      -1.25
 * </pre>
 */
class ConsensusOptionsTest {

    static final float[] BASE = TiesMergeFactoryTest.BASE;
    static final List<Map<String, ?>> WEIGHTS = List.of(Map.of("weight", 0.5), Map.of("weight", 1.0),
            Map.of("weight", 0.25));

    static Stream<Arguments> cases() {
        List<MergeMethodFactory> factories = List.of(new TiesMergeFactory(), new DareTiesMergeFactory(),
                new BreadcrumbsTiesMergeFactory(), new DellaMergeFactory());
        List<Arguments> table = List.of(
                Arguments.of("sum", "weighted", true, new double[] {4.0 / 3, 3, 10.0 / 3, -1}),
                Arguments.of("sum", "count", true, new double[] {1, 3, 1.25, -0.625}),
                Arguments.of("count", "weighted", true, new double[] {4.0 / 3, -4.0 / 3, 10.0 / 3, -1}),
                Arguments.of("count", "count", true, new double[] {1, -0.5, 1.25, -0.625}),
                Arguments.of("sum", "weighted", false, new double[] {2, 3, 2.5, -1.25}),
                Arguments.of("sum", "count", false, new double[] {2, 3, 2.5, -1.25}),
                Arguments.of("count", "weighted", false, new double[] {2, -1, 2.5, -1.25}),
                Arguments.of("count", "count", false, new double[] {2, -1, 2.5, -1.25}));
        return factories.stream().flatMap(f -> table.stream().map(row -> {
            Object[] values = row.get();
            return Arguments.of(f.descriptor().id(), f, values[0], values[1], values[2], values[3]);
        }));
    }

    @ParameterizedTest(name = "{0}: sign_election={2}, disjoint_mean={3}, normalize={4}")
    @MethodSource("cases")
    void consensusOptions(String id, MergeMethodFactory factory, String election, String mean, boolean normalize,
                          double[] expected) {
        float[] merged = GtaInputs.of(factory, Map.of("sign_election", election, "disjoint_mean", mean,
                "normalize", normalize)).merge(BASE, List.of(TiesMergeFactoryTest.A, TiesMergeFactoryTest.B,
                TiesMergeFactoryTest.C), WEIGHTS);
        assertMerged(BASE, expected, merged);
    }
}
