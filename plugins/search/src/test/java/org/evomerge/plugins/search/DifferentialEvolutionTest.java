package org.evomerge.plugins.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.selection.Fitness;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.InMemoryModelStore;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

class DifferentialEvolutionTest {

    private static final SearchSpace LINE = new SearchSpace(List.of(new SearchSpace.Dimension("a", -10, 10),
            new SearchSpace.Dimension("b", -10, 10)));

    private static SearchProblem seeded(double[]... points) {
        List<Genome> seeds = new ArrayList<>();
        for (double[] p : points) {
            seeds.add(new ParameterGenome(p));
        }
        return new SearchProblem(LINE, seeds, 1, null, null, null);
    }

    private static List<ScoredGenome> score(List<Genome> batch, double... fitness) {
        List<ScoredGenome> scored = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            scored.add(new ScoredGenome(batch.get(i), Fitness.of(fitness[i])));
        }
        return scored;
    }

    @Test
    void evolverStepWithTwoMembersIsTheMidpointWhenCrIsOne() {
        // With two members the only other member is the reference: v = x_i + F(x_ref − x_i) = (x_i + x_ref)/2 at F = 0.5.
        SearchStrategy de = Benchmarks.strategy(new DifferentialEvolutionFactory(),
                seeded(new double[] {0, 0}, new double[] {4, -2}),
                Map.of("variant", "evolver", "cr", 1.0, "population_size", 2), 1);
        List<Genome> initial = de.ask();
        assertEquals(List.of(new ParameterGenome(new double[] {0, 0}), new ParameterGenome(new double[] {4, -2})), initial);
        de.tell(score(initial, 1, 2));
        List<Genome> trials = de.ask();
        assertArrayEquals(new double[] {2, -1}, ((ParameterGenome) trials.get(0)).values(), 1e-15);
        assertArrayEquals(new double[] {2, -1}, ((ParameterGenome) trials.get(1)).values(), 1e-15);
        // Evolver replaces only on a strict improvement: equal fitness keeps member 0, a better score replaces member 1.
        de.tell(score(trials, 1, 3));
        // Population now (0, 0) and (2, −1): both next trials are their midpoint.
        for (Genome g : de.ask()) {
            assertArrayEquals(new double[] {1, -0.5}, ((ParameterGenome) g).values(), 1e-15);
        }
    }

    /** Whether u = x_r1 + F(x_r2 − x_r3) for distinct r1, r2, r3 other than i. */
    private static boolean isDifferenceVector(double[] u, double[][] members, int i, double f) {
        int n = members.length;
        for (int r1 = 0; r1 < n; r1++) {
            for (int r2 = 0; r2 < n; r2++) {
                for (int r3 = 0; r3 < n; r3++) {
                    if (r1 == i || r2 == i || r3 == i || r1 == r2 || r1 == r3 || r2 == r3) {
                        continue;
                    }
                    boolean same = true;
                    for (int j = 0; j < u.length; j++) {
                        same &= Math.abs(u[j] - (members[r1][j] + f * (members[r2][j] - members[r3][j]))) < 1e-12;
                    }
                    if (same) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void randOneBinTrialsAreDifferenceVectorsOfThreeOtherMembersWhenCrIsOne() {
        double[][] members = {{0, 0}, {1, 2}, {-3, 1}, {2, -4}, {5, 5}};
        SearchStrategy de = Benchmarks.strategy(new DifferentialEvolutionFactory(), seeded(members),
                Map.of("cr", 1.0, "f", 0.5, "population_size", 5), 4);
        de.tell(score(de.ask(), 0, 0, 0, 0, 0));
        List<Genome> trials = de.ask();
        for (int i = 0; i < members.length; i++) {
            double[] u = ((ParameterGenome) trials.get(i)).values();
            assertTrue(isDifferenceVector(u, members, i, 0.5),
                    "trial " + i + " " + java.util.Arrays.toString(u) + " is no x_r1 + F(x_r2 - x_r3)");
        }
    }

    @Test
    void classicSelectionKeepsTheTrialWhenItIsAtLeastAsGood() {
        double[][] members = {{0, 0}, {1, 2}, {-3, 1}, {2, -4}};
        SearchStrategy de = Benchmarks.strategy(new DifferentialEvolutionFactory(), seeded(members),
                Map.of("population_size", 4, "cr", 1.0, "f", 0.25), 2);
        de.tell(score(de.ask(), 1, 1, 1, 1));
        List<Genome> trials = de.ask();
        de.tell(score(trials, 2, 0, 1, 0)); // trial 0 better and trial 2 equal: both replace; trials 1 and 3 do not
        double[][] kept = {((ParameterGenome) trials.get(0)).values(), members[1],
                ((ParameterGenome) trials.get(2)).values(), members[3]};
        List<Genome> next = de.ask();
        for (int i = 0; i < 4; i++) {
            assertTrue(isDifferenceVector(((ParameterGenome) next.get(i)).values(), kept, i, 0.25),
                    "trial " + i + " of generation 2 is not built from the selected population");
        }
    }

    @Test
    void evolvesWholeModelsThroughTheStoreWithPerElementCrossover() {
        InMemoryModelStore store = new InMemoryModelStore();
        List<Genome> seeds = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            tensors.put("w", new float[] {m, 10 * m, -m, 0.5f * m, m * m, 1, 2, 3});
            tensors.put("b", new float[] {m + 1, m - 1});
            seeds.add(store.add("seed" + m, tensors));
        }
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of()), seeds, 1, null, null, null);
        Parameters parameters = ParameterValidator.validate(new DifferentialEvolutionFactory().descriptor(),
                Map.of("cr", 0.5, "f", 0.8));
        SearchStrategy de = new DifferentialEvolutionFactory().create(problem, parameters,
                TestRunContexts.seeded(9, Map.of(ModelStore.class, store)));
        assertEquals(seeds, de.ask());
        de.tell(score(seeds, 1, 2, 3, 4));
        List<Genome> trials = de.ask();
        assertEquals(4, trials.size());
        assertEquals(4, store.combines());
        for (int i = 0; i < 4; i++) {
            ModelGenome trial = (ModelGenome) trials.get(i);
            List<ModelGenome> parents = store.parents(trial);
            assertEquals(seeds.get(i), parents.getFirst(), "the target is the first parent");
            for (String tensor : List.of("w", "b")) {
                float[] x = store.values(parents.get(0), tensor);
                float[] a = store.values(parents.get(1), tensor);
                float[] b = store.values(parents.get(2), tensor);
                float[] c = store.values(parents.get(3), tensor);
                float[] u = store.values(trial, tensor);
                for (int e = 0; e < u.length; e++) {
                    float mutant = (float) (a[e] + 0.8 * ((double) b[e] - c[e]));
                    assertTrue(u[e] == x[e] || u[e] == mutant, tensor + "[" + e + "] = " + u[e]);
                }
            }
        }
        // Same seed, same store contents: the same trials (the coins are counter-based per tensor and element).
        SearchStrategy again = new DifferentialEvolutionFactory().create(problem, parameters,
                TestRunContexts.seeded(9, Map.of(ModelStore.class, store)));
        again.tell(score(again.ask(), 1, 2, 3, 4));
        assertEquals(trials, again.ask());
    }

    @Test
    void wholeModelsWithoutAStoreOrWithTooFewSeedsAreConfigurationErrors() {
        InMemoryModelStore store = new InMemoryModelStore();
        ModelGenome one = store.add("a", Map.of("w", new float[] {1}));
        ModelGenome two = store.add("b", Map.of("w", new float[] {2}));
        SearchProblem problem = new SearchProblem(new SearchSpace(List.of()), List.of(one, two), 1, null, null, null);
        Parameters defaults = ParameterValidator.validate(new DifferentialEvolutionFactory().descriptor(), Map.of());
        EvomergeException noStore = assertThrows(EvomergeException.class,
                () -> new DifferentialEvolutionFactory().create(problem, defaults, TestRunContexts.seeded(1)));
        assertTrue(noStore.getMessage().contains("model store"), noStore.getMessage());
        EvomergeException tooFew = assertThrows(EvomergeException.class, () -> new DifferentialEvolutionFactory()
                .create(problem, defaults, TestRunContexts.seeded(1, Map.of(ModelStore.class, store))));
        assertTrue(tooFew.getMessage().contains("at least 4"), tooFew.getMessage());
    }
}
