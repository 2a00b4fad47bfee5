package org.evomerge.engine.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.evaluation.TaskWeights;
import org.junit.jupiter.api.Test;

/** The one fitness definition: a weighted sum in task order, and the warning for unweighted scores of two scales. */
class TaskWeightsTest {

    private static Map<String, Double> ordered(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], ((Number) pairs[i + 1]).doubleValue());
        }
        return map;
    }

    @Test
    void fitnessIsTheWeightedSumNotTheMean() {
        TaskWeights weights = new TaskWeights(ordered("qa", 2, "ppl", 1), true);
        assertEquals(2 * 0.75 + -3.5, weights.fitness(ordered("ppl", -3.5, "qa", 0.75)));
        // The figures of the issue: two tasks of weight 1 gave -2.479 by eval (a mean) and -4.958 by evolve (a sum).
        TaskWeights two = new TaskWeights(ordered("a", 1, "b", 1), false);
        assertEquals(-4.958, two.fitness(ordered("a", -2.479, "b", -2.479)), 1e-12);
    }

    @Test
    void aMissingScoreOrAWeightThatIsNotPositiveIsRefused() {
        TaskWeights weights = new TaskWeights(ordered("a", 1, "b", 1), false);
        assertEquals("task 'b' has no score",
                assertThrows(IllegalArgumentException.class, () -> weights.fitness(ordered("a", 1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaskWeights(ordered("a", 0), true));
        assertThrows(IllegalArgumentException.class, () -> new TaskWeights(ordered("a", Double.NaN), true));
        assertThrows(IllegalArgumentException.class, () -> new TaskWeights(Map.of(), true));
    }

    @Test
    void unweightedScoresOfDifferentScalesAreWarnedAbout() {
        Map<String, Double> scores = ordered("ppl", -5.5, "qa", 0.4);
        Optional<String> warning = new TaskWeights(ordered("ppl", 1, "qa", 1), false).scaleWarning(scores);
        assertEquals(Optional.of("the fitness adds task scores of different scales with the default weight 1: 'ppl'"
                + " (-5.5) outside [0, 1], 'qa' (0.4) within it; give the tasks a 'weight' that puts them on one"
                + " scale"), warning);
        assertTrue(new TaskWeights(ordered("ppl", 1, "qa", 1), true).scaleWarning(scores).isEmpty(),
                "weights were given: the user chose the balance");
        assertTrue(new TaskWeights(ordered("a", 1, "b", 1), false).scaleWarning(ordered("a", 0.2, "b", 1.0))
                .isEmpty(), "two proportions");
        assertTrue(new TaskWeights(ordered("a", 1, "b", 1), false).scaleWarning(ordered("a", -2.0, "b", -7.0))
                .isEmpty(), "two log-likelihoods");
        assertTrue(new TaskWeights(ordered("ppl", 1), false).scaleWarning(ordered("ppl", -5.5)).isEmpty());
    }
}
