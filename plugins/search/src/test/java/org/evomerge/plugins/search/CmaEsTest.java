package org.evomerge.plugins.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.selection.Fitness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CmaEsTest {

    @Test
    void defaultPopulationIsHansens() {
        // λ = 4 + ⌊3 ln n⌋: mergekit-evolve's 24-dimensional example gives 13.
        assertEquals(13, CmaEs.defaultPopulation(24));
        assertEquals(8, CmaEs.defaultPopulation(5));
        assertEquals(4, CmaEs.defaultPopulation(1));
    }

    @Test
    void reflectionMirrorsPeriodicallyIntoTheUnitInterval() {
        assertEquals(0.8, CmaEs.reflect(1.2), 1e-15);
        assertEquals(0.3, CmaEs.reflect(-0.3), 1e-15);
        assertEquals(0.4, CmaEs.reflect(2.4), 1e-15);
        assertEquals(0.25, CmaEs.reflect(0.25), 0);
        assertEquals(1.0, CmaEs.reflect(1.0), 0);
    }

    /** The optimum (10, 10, 10, 10) lies outside the box [-1, 1]⁴, so the best feasible point is its corner. */
    @ParameterizedTest
    @ValueSource(strings = {"mirror", "resample"})
    void staysInTheBoxAndFindsAnOptimumOnItsBoundary(String boundHandling) {
        List<SearchSpace.Dimension> dims = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            dims.add(new SearchSpace.Dimension("x" + i, -1, 1));
        }
        SearchProblem problem = new SearchProblem(new SearchSpace(dims), List.of(), 1, null, null, null);
        SearchStrategy cma = Benchmarks.strategy(new CmaEsFactory(), problem, Map.of("bound_handling", boundHandling), 3);
        double best = Double.NEGATIVE_INFINITY;
        for (int generation = 0; generation < 150 && !cma.isFinished(); generation++) {
            List<ScoredGenome> scored = new ArrayList<>();
            for (Genome g : cma.ask()) {
                double[] x = ((ParameterGenome) g).values();
                double f = 0;
                for (double v : x) {
                    assertTrue(v >= -1 && v <= 1, boundHandling + ": " + v + " outside [-1, 1]");
                    f -= (v - 10) * (v - 10);
                }
                best = Math.max(best, f);
                scored.add(new ScoredGenome(g, Fitness.of(f)));
            }
            cma.tell(scored);
        }
        assertEquals(-4 * 81, best, 1e-3, boundHandling);
    }

    @Test
    void startsFromTheSeedGenome() {
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of(
                new SearchSpace.Dimension("a", -1, 1), new SearchSpace.Dimension("b", 0, 10))),
                List.of(new ParameterGenome(new double[] {0.3, 7.0})), 1, null, null, null);
        SearchStrategy cma = Benchmarks.strategy(new CmaEsFactory(), problem, Map.of("sigma", 1e-4), 1);
        for (Genome g : cma.ask()) {
            assertEquals(0.3, ((ParameterGenome) g).get(0), 2e-3); // σ = 1e-4 of a side of 2: a few 1e-4 at most
            assertEquals(7.0, ((ParameterGenome) g).get(1), 1e-2);
        }
    }

    @Test
    void withoutBoundHandlingPointsOutsideTheBoxAreAskedAsDrawn() {
        // pycma without bounds, as mergekit-evolve runs it: x0 at the box's edge (density 1), sigma 1/6 of a side;
        // about half the draws of the second coordinate fall above 1 and are asked unchanged.
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of(
                new SearchSpace.Dimension("weight", 0, 1), new SearchSpace.Dimension("density", 0, 1))),
                List.of(new ParameterGenome(new double[] {0.5, 1.0})), 1, null, null, null);
        int outside = 0;
        int mirroredOutside = 0;
        for (int seed = 0; seed < 5; seed++) {
            for (Genome g : Benchmarks.strategy(new CmaEsFactory(), problem, Map.of("bound_handling", "none",
                    "population_size", 20), seed).ask()) {
                double d = ((ParameterGenome) g).get(1);
                outside += d > 1 ? 1 : 0;
            }
            for (Genome g : Benchmarks.strategy(new CmaEsFactory(), problem, Map.of("population_size", 20), seed)
                    .ask()) {
                mirroredOutside += ((ParameterGenome) g).get(1) > 1 ? 1 : 0;
            }
        }
        assertTrue(outside > 20 && outside < 80, "draws above 1: " + outside);
        assertEquals(0, mirroredOutside);
    }

    @Test
    void evaluateStartAsksTheSeedItselfFirstAndLeavesTheOtherCandidatesAsTheyWere() {
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of(
                new SearchSpace.Dimension("a", -1, 1), new SearchSpace.Dimension("b", 0, 10))),
                List.of(new ParameterGenome(new double[] {0.3, 7.0})), 1, null, null, null);
        List<Genome> with = Benchmarks.strategy(new CmaEsFactory(), problem,
                Map.of("sigma", 0.3, "evaluate_start", true), 1).ask();
        List<Genome> without = Benchmarks.strategy(new CmaEsFactory(), problem, Map.of("sigma", 0.3), 1).ask();
        ParameterGenome first = (ParameterGenome) with.getFirst();
        assertEquals(0.3, first.get(0), 1e-12);
        assertEquals(7.0, first.get(1), 1e-12);
        assertTrue(Math.abs(((ParameterGenome) without.getFirst()).get(1) - 7.0) > 1e-6);
        assertEquals(without.subList(1, without.size()), with.subList(1, with.size()));
    }

    @Test
    void restartsWithADoubledPopulationAndFinishesWhenRestartsAreUsedUp() {
        SearchStrategy cma = Benchmarks.strategy(new CmaEsFactory(), Benchmarks.RASTRIGIN.problem(5),
                Map.of("restarts", 2), 1);
        Set<Integer> sizes = new LinkedHashSet<>();
        int generations = 0;
        while (!cma.isFinished()) {
            List<Genome> batch = cma.ask();
            sizes.add(batch.size());
            cma.tell(batch.stream().map(g -> new ScoredGenome(g,
                    Fitness.of(-Benchmarks.RASTRIGIN.f().applyAsDouble(((ParameterGenome) g).values())))).toList());
            assertTrue(++generations < 20_000, "never finished");
        }
        assertEquals(List.of(8, 16, 32), List.copyOf(sizes));
        assertTrue(cma.ask().isEmpty());
    }
}
