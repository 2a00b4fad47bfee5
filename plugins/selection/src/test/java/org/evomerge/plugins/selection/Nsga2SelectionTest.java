package org.evomerge.plugins.selection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.Fitness;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

/** NSGA-II on hand-made fronts; every expected value is derived in the comments. */
class Nsga2SelectionTest {

    private static List<Candidate> population(double[]... objectives) {
        List<Candidate> population = new ArrayList<>();
        for (int i = 0; i < objectives.length; i++) {
            population.add(new Candidate("c" + i, Fitness.of(objectives[i])));
        }
        return population;
    }

    /**
     * A(1, 5), B(2, 4), C(3, 3), D(4, 1) are mutually non-dominated. F(2, 2) is dominated by B and C. E(1, 1) is
     * dominated by everything else (F included), so the fronts are {A, B, C, D}, {F}, {E}.
     */
    private static final List<Candidate> HAND_MADE = population(
            new double[] {1, 5}, new double[] {2, 4}, new double[] {3, 3}, new double[] {4, 1},
            new double[] {1, 1}, new double[] {2, 2});
    private static final int A = 0;
    private static final int B = 1;
    private static final int C = 2;
    private static final int D = 3;
    private static final int E = 4;
    private static final int F = 5;

    private static SelectionScheme scheme(Map<String, ?> params) {
        Nsga2SelectionFactory factory = new Nsga2SelectionFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), params), TestRunContexts.seeded(1));
    }

    @Test
    void sortsIntoNonDominatedFronts() {
        ParetoRanking ranking = ParetoRanking.of(HAND_MADE);
        assertEquals(List.of(List.of(A, B, C, D), List.of(F), List.of(E)), ranking.fronts());
        assertEquals(0, ranking.front(B));
        assertEquals(1, ranking.front(F));
        assertEquals(2, ranking.front(E));
    }

    @Test
    void crowdingDistanceMatchesTheHandComputation() {
        // Objective 1 over the first front: A 1, B 2, C 3, D 4 (range 3): B gets (3 − 1)/3, C gets (4 − 2)/3.
        // Objective 2: D 1, C 3, B 4, A 5 (range 4): C gets (4 − 1)/4, B gets (5 − 3)/4. Ends A and D: infinite.
        ParetoRanking ranking = ParetoRanking.of(HAND_MADE);
        assertEquals(2.0 / 3 + 2.0 / 4, ranking.crowding(B), 1e-15);
        assertEquals(2.0 / 3 + 3.0 / 4, ranking.crowding(C), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, ranking.crowding(A));
        assertEquals(Double.POSITIVE_INFINITY, ranking.crowding(D));
        // Single-member fronts are boundaries of themselves.
        assertEquals(Double.POSITIVE_INFINITY, ranking.crowding(E));
    }

    @Test
    void survivalTakesWholeFrontsThenCutsTheLastByCrowdingDistance() {
        SelectionScheme survival = scheme(Map.of("mode", "survival"));
        // Order: A and D (infinite, index order), C (1.4167), B (1.1667), then F, then E.
        assertEquals(List.of(A, D, C), survival.select(HAND_MADE, 3, new SeededRandomSource(1)));
        assertEquals(List.of(A, D, C, B, F), survival.select(HAND_MADE, 5, new SeededRandomSource(1)));
        assertThrows(IllegalArgumentException.class, () -> survival.select(HAND_MADE, 7, new SeededRandomSource(1)));
    }

    @Test
    void crowdedTournamentPicksWithTheBinomialProbabilityOfTheCrowdedOrder() {
        // The crowded comparison is a total order here: A, D, C, B, F, E. A binary tournament with replacement picks
        // the member with m better members with probability ((n − m)² − (n − m − 1)²) / n², n = 6.
        int[] order = {A, D, C, B, F, E};
        double[] expected = new double[6];
        for (int m = 0; m < 6; m++) {
            expected[order[m]] = (Math.pow(6 - m, 2) - Math.pow(5 - m, 2)) / 36;
        }
        int picks = 60_000;
        double[] frequency = new double[6];
        for (int index : scheme(Map.of()).select(HAND_MADE, picks, new SeededRandomSource(99))) {
            frequency[index] += 1.0 / picks;
        }
        assertArrayEquals(expected, frequency, 0.01); // standard error below 0.002
    }

    @Test
    void equalCandidatesShareAFrontAndObjectiveCountsMustAgree() {
        ParetoRanking ranking = ParetoRanking.of(population(new double[] {1, 1}, new double[] {1, 1}));
        assertEquals(List.of(List.of(0, 1)), ranking.fronts());
        assertThrows(IllegalArgumentException.class,
                () -> ParetoRanking.of(population(new double[] {1, 1}, new double[] {1})));
    }

    @Test
    void withOneObjectiveSurvivalIsTruncationByFitness() {
        List<Candidate> single = population(new double[] {0.3}, new double[] {0.9}, new double[] {0.1},
                new double[] {0.5});
        assertEquals(List.of(1, 3, 0), scheme(Map.of("mode", "survival")).select(single, 3, new SeededRandomSource(1)));
    }
}
