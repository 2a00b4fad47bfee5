package org.evomerge.plugins.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.selection.Fitness;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.InMemoryModelStore;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

class GeneticAlgorithmTest {

    private static double sphere(Genome g) {
        return Benchmarks.SPHERE.f().applyAsDouble(((ParameterGenome) g).values());
    }

    @Test
    void elitesSurviveSoTheBestFitnessNeverDrops() {
        SearchStrategy ga = Benchmarks.strategy(new GeneticAlgorithmFactory(), Benchmarks.SPHERE.problem(5),
                Map.of("population_size", 10, "elites", 2), 3);
        double previousBest = Double.POSITIVE_INFINITY;
        List<Genome> previous = List.of();
        for (int generation = 0; generation < 30; generation++) {
            List<Genome> batch = ga.ask();
            assertEquals(generation == 0 ? 10 : 8, batch.size(), "population minus the elites");
            double best = previousBest;
            for (Genome g : batch) {
                best = Math.min(best, sphere(g));
            }
            assertTrue(best <= previousBest);
            previousBest = best;
            previous = batch;
            ga.tell(batch.stream().map(g -> new ScoredGenome(g, Fitness.of(-sphere(g)))).toList());
        }
        assertTrue(previousBest < 1, "30 generations of 8 children improved the sphere only to " + previousBest);
        assertEquals(8, previous.size());
    }

    @Test
    void usesTheProblemsSelectionCrossoverAndMutation() {
        AtomicInteger selections = new AtomicInteger();
        AtomicInteger crossovers = new AtomicInteger();
        AtomicInteger mutations = new AtomicInteger();
        SelectionScheme firstTwo = (population, count, random) -> {
            selections.incrementAndGet();
            List<Integer> picks = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                picks.add(k % 2);
            }
            return picks;
        };
        BiFunction<List<Genome>, RandomSource, Genome> average = (parents, random) -> {
            crossovers.incrementAndGet();
            double[] a = ((ParameterGenome) parents.get(0)).values();
            double[] b = ((ParameterGenome) parents.get(1)).values();
            return new ParameterGenome(new double[] {(a[0] + b[0]) / 2});
        };
        Mutation shift = new Mutation() {
            @Override
            public boolean accepts(Genome genome) {
                return genome instanceof ParameterGenome;
            }

            @Override
            public Genome mutate(org.evomerge.api.mutation.MutationInput input) {
                mutations.incrementAndGet();
                return new ParameterGenome(new double[] {((ParameterGenome) input.parent()).get(0) + 0.001});
            }
        };
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of(new SearchSpace.Dimension("x", -1, 1))),
                List.of(new ParameterGenome(new double[] {0.2}), new ParameterGenome(new double[] {0.6})), 1,
                Optional.of(firstTwo), Optional.of(shift), Optional.of(average));
        SearchStrategy ga = Benchmarks.strategy(new GeneticAlgorithmFactory(), problem,
                Map.of("population_size", 4, "elites", 1, "crossover_rate", 1.0, "mutation_rate", 0.0), 1);
        List<Genome> initial = ga.ask();
        assertEquals(new ParameterGenome(new double[] {0.2}), initial.get(0), "seeds come first");
        assertEquals(new ParameterGenome(new double[] {0.6}), initial.get(1));
        ga.tell(initial.stream().map(g -> new ScoredGenome(g, Fitness.of(0))).toList());
        List<Genome> children = ga.ask();
        assertEquals(3, children.size());
        for (Genome child : children) {
            assertEquals(0.4, ((ParameterGenome) child).get(0), 1e-15, "the average of the two selected seeds");
        }
        assertEquals(1, selections.get());
        assertEquals(3, crossovers.get());
        assertEquals(0, mutations.get(), "crossed children are not mutated at mutation_rate 0");
    }

    @Test
    void breedsWholeModelsWithTheMergeCrossover() {
        InMemoryModelStore store = new InMemoryModelStore();
        List<Genome> seeds = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            tensors.put("w", new float[] {m, 2 * m, 3 * m});
            seeds.add(store.add("seed" + m, tensors));
        }
        BiFunction<List<Genome>, RandomSource, Genome> linear = (parents, random) -> store.combine(
                List.of((ModelGenome) parents.get(0), (ModelGenome) parents.get(1)), (name, shape, values) -> {
                    float[] out = values.get(0);
                    for (int e = 0; e < out.length; e++) {
                        out[e] = (out[e] + values.get(1)[e]) / 2;
                    }
                    return out;
                }, "linear");
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of()), seeds, 1, null, null, Optional.of(linear));
        Parameters parameters = ParameterValidator.validate(new GeneticAlgorithmFactory().descriptor(),
                Map.of("population_size", 6, "elites", 1, "crossover_rate", 1.0));
        SearchStrategy ga = new GeneticAlgorithmFactory().create(problem, parameters,
                TestRunContexts.seeded(2, Map.of(ModelStore.class, store)));
        assertEquals(seeds, ga.ask());
        ga.tell(List.of(new ScoredGenome(seeds.get(0), Fitness.of(0)), new ScoredGenome(seeds.get(1), Fitness.of(1)),
                new ScoredGenome(seeds.get(2), Fitness.of(2))));
        List<Genome> children = ga.ask();
        assertEquals(5, children.size());
        for (Genome child : children) {
            float[] w = store.values((ModelGenome) child, "w");
            assertEquals(2 * w[0], w[1], 1e-6, "children stay on the line the seeds span");
        }
    }

    @Test
    void wholeModelsWithoutAMergeCrossoverAreAConfigurationError() {
        InMemoryModelStore store = new InMemoryModelStore();
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of()),
                List.of(store.add("a", Map.of("w", new float[] {1})), store.add("b", Map.of("w", new float[] {2}))),
                1, null, null, null);
        EvomergeException e = assertThrows(EvomergeException.class, () -> new GeneticAlgorithmFactory().create(problem,
                ParameterValidator.validate(new GeneticAlgorithmFactory().descriptor(), Map.of()),
                TestRunContexts.seeded(1)));
        assertTrue(e.getMessage().contains("merge method"), e.getMessage());
    }

    @Test
    void withSeveralObjectivesTheElitesComeFromTheParetoFront() {
        // (1, 0) and (0, 1) are non-dominated; (0.9, -1) has a better primary than (0, 1) but is dominated by (1, 0).
        // With two elite slots the front survives, not the better primary. The selection scheme sees the population.
        List<List<Fitness>> seen = new ArrayList<>();
        SelectionScheme recording = (population, count, random) -> {
            seen.add(population.stream().map(c -> c.fitness()).toList());
            return java.util.Collections.nCopies(count, 0);
        };
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of(new SearchSpace.Dimension("x", 0, 3))),
                List.of(new ParameterGenome(new double[] {0}), new ParameterGenome(new double[] {1}),
                        new ParameterGenome(new double[] {2})), 2, Optional.of(recording), null, null);
        SearchStrategy ga = Benchmarks.strategy(new GeneticAlgorithmFactory(), problem,
                Map.of("population_size", 3, "elites", 2), 1);
        List<Genome> initial = ga.ask();
        ga.tell(List.of(new ScoredGenome(initial.get(0), Fitness.of(1, 0)),
                new ScoredGenome(initial.get(1), Fitness.of(0.9, -1)),
                new ScoredGenome(initial.get(2), Fitness.of(0, 1))));
        List<Genome> children = ga.ask();
        assertEquals(1, children.size());
        ga.tell(List.of(new ScoredGenome(children.getFirst(), Fitness.of(-5, -5))));
        ga.ask();
        assertEquals(List.of(Fitness.of(1, 0), Fitness.of(0, 1), Fitness.of(-5, -5)), seen.get(1));
    }
}
