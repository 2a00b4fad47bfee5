package org.evomerge.plugins.mutation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.InMemoryModelStore;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

class DifferenceMutationTest {

    private final InMemoryModelStore store = new InMemoryModelStore();

    private Mutation difference(Map<String, ?> params) {
        DifferenceMutationFactory factory = new DifferenceMutationFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), params),
                TestRunContexts.seeded(1, Map.of(ModelStore.class, store)));
    }

    @Test
    void parameterChildIsParentPlusFTimesTheDifferenceOfTheTwoOthers() {
        // Population: the parent and exactly two others, so the child is x + F(y − z) or x + F(z − y).
        ParameterGenome x = new ParameterGenome(new double[] {1, 2});
        ParameterGenome y = new ParameterGenome(new double[] {3, 0});
        ParameterGenome z = new ParameterGenome(new double[] {2, 1});
        Mutation mutation = difference(Map.of("f", 0.5));
        java.util.Set<List<Double>> children = new java.util.HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            double[] child = ((ParameterGenome) mutation.mutate(new MutationInput(x, List.of(x, y, z),
                    new SeededRandomSource(seed)))).values();
            children.add(List.of(child[0], child[1]));
        }
        assertEquals(java.util.Set.of(List.of(1.5, 1.5), List.of(0.5, 2.5)), children);
    }

    @Test
    void parameterChildStaysInTheBounds() {
        SearchSpace space = new SearchSpace(List.of(new SearchSpace.Dimension("a", 0, 1)));
        ParameterGenome x = new ParameterGenome(new double[] {0.9});
        List<Genome> population = List.of(x, new ParameterGenome(new double[] {0.0}),
                new ParameterGenome(new double[] {1.0}));
        for (long seed = 0; seed < 20; seed++) {
            double v = ((ParameterGenome) difference(Map.of("f", 1.0, "boundary", "reflect")).mutate(
                    new MutationInput(x, population, new SeededRandomSource(seed), space))).get(0);
            // 0.9 ± 1: reflected 1.9 → 0.1, and −0.1 → 0.1.
            assertEquals(0.1, v, 1e-12);
        }
    }

    @Test
    void modelChildIsTheSameArithmeticThroughTheStore() {
        ModelGenome x = store.add("x", Map.of("w", new float[] {1, 2, 3}));
        ModelGenome y = store.add("y", Map.of("w", new float[] {4, 4, 4}));
        ModelGenome z = store.add("z", Map.of("w", new float[] {0, 2, 8}));
        ModelGenome child = (ModelGenome) difference(Map.of("f", 0.25)).mutate(
                new MutationInput(x, List.of(x, y, z), new SeededRandomSource(7)));
        float[] w = store.values(child, "w");
        float[] forward = {1 + 0.25f * 4, 2 + 0.25f * 2, 3 + 0.25f * -4};
        float[] backward = {1 - 0.25f * 4, 2 - 0.25f * 2, 3 - 0.25f * -4};
        assertTrue(java.util.Arrays.equals(w, forward) || java.util.Arrays.equals(w, backward),
                java.util.Arrays.toString(w));
        assertEquals(List.of(x, store.parents(child).get(1), store.parents(child).get(2)), store.parents(child));
        assertArrayEquals(new float[] {1, 2, 3}, store.values(x, "w"));
    }

    @Test
    void needsTwoOtherMembers() {
        ParameterGenome x = new ParameterGenome(new double[] {1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> difference(Map.of()).mutate(
                new MutationInput(x, List.of(x, x, new ParameterGenome(new double[] {2})), new SeededRandomSource(1))));
        assertTrue(e.getMessage().contains("two population members"), e.getMessage());
    }
}
