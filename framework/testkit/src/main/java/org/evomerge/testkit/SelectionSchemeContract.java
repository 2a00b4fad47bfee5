package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.Fitness;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Test;

/**
 * Contract of selection schemes: valid indices, the requested count, determinism under a seed, clear errors on bad
 * input, and selection pressure (a fitter candidate is chosen at least as often as a less fit one).
 */
public abstract class SelectionSchemeContract extends ExtensionFactoryContract<SelectionSchemeFactory> {

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.SELECTION_SCHEME;
    }

    /** The scheme with its default parameters. */
    protected SelectionScheme scheme() {
        return factory().create(parameters(EnumSet.allOf(ParameterScope.class), Map.of()), context(1));
    }

    /** Whether the scheme samples with replacement, so {@code count} may exceed the population. */
    protected boolean samplesWithReplacement() {
        return true;
    }

    protected static List<Candidate> population(double... fitness) {
        List<Candidate> population = new ArrayList<>();
        for (int i = 0; i < fitness.length; i++) {
            population.add(new Candidate("c" + i, Fitness.of(fitness[i])));
        }
        return population;
    }

    @Test
    void returnsTheRequestedNumberOfValidIndices() {
        List<Candidate> population = population(0.1, 0.9, 0.5, 0.3, 0.7);
        for (int count : new int[] {0, 1, 3, 5}) {
            List<Integer> chosen = scheme().select(population, count, new SeededRandomSource(7));
            assertEquals(count, chosen.size(), "count " + count);
            chosen.forEach(i -> assertTrue(i >= 0 && i < population.size(), "index " + i + " out of range"));
        }
        if (samplesWithReplacement()) {
            assertEquals(12, scheme().select(population, 12, new SeededRandomSource(7)).size());
        }
    }

    @Test
    void isDeterministicForASeed() {
        List<Candidate> population = population(3, 1, 4, 1, 5, 9, 2, 6);
        RandomSource seed = new SeededRandomSource(12345);
        assertEquals(scheme().select(population, 6, seed), scheme().select(population, 6, new SeededRandomSource(12345)));
    }

    @Test
    void rejectsAnEmptyPopulationAndNegativeCounts() {
        assertThrows(IllegalArgumentException.class, () -> scheme().select(List.of(), 1, new SeededRandomSource(1)));
        assertThrows(IllegalArgumentException.class,
                () -> scheme().select(population(1, 2), -1, new SeededRandomSource(1)));
        if (!samplesWithReplacement()) {
            assertThrows(IllegalArgumentException.class,
                    () -> scheme().select(population(1, 2), 3, new SeededRandomSource(1)));
        }
    }

    @Test
    void prefersFitterCandidates() {
        if (factory().descriptor().has(Capability.MULTI_OBJECTIVE)) {
            return; // Pareto schemes are checked by their own tests
        }
        List<Candidate> population = population(0.0, 1.0, 2.0, 3.0, 4.0);
        int[] counts = new int[population.size()];
        for (int round = 0; round < 400; round++) {
            for (int index : scheme().select(population, 2, new SeededRandomSource(round))) {
                counts[index]++;
            }
        }
        assertTrue(counts[4] >= counts[0], "best chosen " + counts[4] + " times, worst " + counts[0]);
        assertTrue(counts[4] > 0, "the best candidate is never chosen");
    }
}
