package org.evomerge.plugins.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.Fitness;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

/**
 * Each scheme's pick frequencies match the probabilities derived by hand from its definition. With 60000 picks the
 * standard error of a frequency is below 0.002, so a tolerance of 0.01 is five standard errors.
 */
class SelectionPressureTest {

    private static final int PICKS = 60_000;
    private static final double TOLERANCE = 0.01;

    private static List<Candidate> population(double... fitness) {
        List<Candidate> population = new ArrayList<>();
        for (int i = 0; i < fitness.length; i++) {
            population.add(new Candidate("c" + i, Fitness.of(fitness[i])));
        }
        return population;
    }

    private static double[] frequencies(SelectionSchemeFactory factory, Map<String, ?> params, List<Candidate> population) {
        SelectionScheme scheme = factory.create(ParameterValidator.validate(factory.descriptor(), params),
                TestRunContexts.seeded(1));
        double[] counts = new double[population.size()];
        for (int index : scheme.select(population, PICKS, new SeededRandomSource(2024))) {
            counts[index]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= PICKS;
        }
        return counts;
    }

    private static void assertFrequencies(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, "candidate " + i);
        }
    }

    @Test
    void tournamentPicksTheRankThWithTheBinomialProbability() {
        // Fitness order: index 2 best, then 0, then 3, then 1. With size k and n candidates, the candidate with
        // m candidates fitter than it wins iff all k draws avoid those m and not all avoid it too:
        // P = ((n-m)^k - (n-m-1)^k) / n^k.
        List<Candidate> population = population(0.5, 0.1, 0.9, 0.3);
        int n = 4;
        int k = 3;
        double[] byRank = new double[n];
        for (int m = 0; m < n; m++) {
            byRank[m] = (Math.pow(n - m, k) - Math.pow(n - m - 1, k)) / Math.pow(n, k);
        }
        double[] expected = {byRank[1], byRank[3], byRank[0], byRank[2]};
        assertFrequencies(expected, frequencies(new TournamentSelectionFactory(), Map.of("size", 3), population));
    }

    @Test
    void tournamentPressureGrowsWithSizeAsOneMinusTheMissProbability() {
        // The best of n = 10 wins a tournament of size k exactly when it is drawn at least once: 1 − (1 − 1/n)^k.
        List<Candidate> population = population(5, 2, 9, 1, 7, 3, 8, 0, 6, 4);
        for (int k : new int[] {1, 2, 5, 10}) {
            double best = frequencies(new TournamentSelectionFactory(), Map.of("size", k), population)[2];
            assertEquals(1 - Math.pow(0.9, k), best, TOLERANCE, "size " + k);
        }
    }

    @Test
    void truncationPicksUniformlyAmongTheTopFraction() {
        List<Candidate> population = population(1, 5, 3, 4, 2);
        // fraction 0.4 of 5 keeps the two fittest: indices 1 and 3.
        assertFrequencies(new double[] {0, 0.5, 0, 0.5, 0},
                frequencies(new TruncationSelectionFactory(), Map.of("fraction", 0.4), population));
    }

    @Test
    void rouletteIsProportionalToFitnessAboveTheMinimum() {
        List<Candidate> population = population(-2, 0, 1, 3);
        // Weights f - min = 0, 2, 3, 5 over a total of 10.
        assertFrequencies(new double[] {0, 0.2, 0.3, 0.5},
                frequencies(new RouletteSelectionFactory(), Map.of(), population));
        assertFrequencies(new double[] {0.25, 0.25, 0.25, 0.25},
                frequencies(new RouletteSelectionFactory(), Map.of(), population(7, 7, 7, 7)));
    }

    @Test
    void rankFollowsBakersLinearRanking() {
        // n = 4, s = 1.8: p(r) = (2-s)/n + 2r(s-1)/(n(n-1)) = 0.05 + r·0.1333.. for ranks r = 0..3.
        List<Candidate> population = population(10, 40, 20, 30);
        double[] pByRank = new double[4];
        for (int r = 0; r < 4; r++) {
            pByRank[r] = (2 - 1.8) / 4 + 2.0 * r * 0.8 / 12;
        }
        assertFrequencies(new double[] {pByRank[0], pByRank[3], pByRank[1], pByRank[2]},
                frequencies(new RankSelectionFactory(), Map.of("pressure", 1.8), population));
    }

    @Test
    void elitismReturnsTheFittestBestFirstWithTiesInPopulationOrder() {
        SelectionScheme elitism = new ElitismSelectionFactory().create(Parameters.EMPTY, TestRunContexts.seeded(1));
        assertEquals(List.of(2, 1, 3, 0), elitism.select(population(0.1, 0.5, 0.9, 0.5), 4, new SeededRandomSource(1)));
    }
}
