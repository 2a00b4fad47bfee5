package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.Fitness;
import org.junit.jupiter.api.Test;

/**
 * Contract of search strategies: batches are non-empty until finished, parameter genomes stay inside the bounds,
 * and a strategy told the same scores asks the same genomes: the property run resumption depends on.
 */
public abstract class SearchStrategyContract extends ExtensionFactoryContract<SearchStrategyFactory> {

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.SEARCH_STRATEGY;
    }

    /** The problem to search; a small parameter box unless overridden. */
    protected SearchProblem problem() {
        return new SearchProblem(new SearchSpace(List.of(
                new SearchSpace.Dimension("x", -1, 1), new SearchSpace.Dimension("y", 0, 2))),
                List.of(), 1, null, null, null);
    }

    /** The fitness the contract assigns; higher is better. */
    protected Fitness score(Genome genome) {
        if (genome instanceof ParameterGenome p) {
            double sum = 0;
            for (double v : p.values()) {
                sum += v * v;
            }
            return Fitness.of(-sum);
        }
        return Fitness.of(0);
    }

    protected SearchStrategy strategy(long seed) {
        return factory().create(problem(), parameters(EnumSet.allOf(ParameterScope.class), Map.of()), context(seed));
    }

    private List<List<Genome>> run(long seed, int generations) {
        SearchStrategy strategy = strategy(seed);
        List<List<Genome>> asked = new ArrayList<>();
        for (int g = 0; g < generations && !strategy.isFinished(); g++) {
            List<Genome> batch = strategy.ask();
            assertFalse(batch.isEmpty(), "ask() returned nothing before the strategy finished");
            asked.add(batch);
            strategy.tell(batch.stream().map(genome -> new ScoredGenome(genome, score(genome))).toList());
        }
        return asked;
    }

    @Test
    void asksForEvaluationsBeforeItFinishes() {
        assertFalse(strategy(1).isFinished(), "a strategy that has seen no score cannot be finished");
        assertFalse(run(1, 1).isEmpty());
    }

    @Test
    void asksGenomesInsideTheSearchSpace() {
        SearchSpace space = problem().space();
        for (List<Genome> batch : run(1, 5)) {
            for (Genome genome : batch) {
                if (genome instanceof ParameterGenome p) {
                    assertEquals(space.size(), p.size());
                    for (int i = 0; i < p.size(); i++) {
                        SearchSpace.Dimension d = space.dimensions().get(i);
                        assertTrue(p.get(i) >= d.lower() && p.get(i) <= d.upper(),
                                d.name() + " = " + p.get(i) + " outside [" + d.lower() + ", " + d.upper() + "]");
                    }
                }
            }
        }
    }

    @Test
    void replaysExactlyForTheSameSeedAndScores() {
        assertEquals(run(42, 4), run(42, 4));
    }
}
