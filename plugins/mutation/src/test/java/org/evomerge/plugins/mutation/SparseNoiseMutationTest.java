package org.evomerge.plugins.mutation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.InMemoryModelStore;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

class SparseNoiseMutationTest {

    private final InMemoryModelStore store = new InMemoryModelStore();

    private Mutation noise(Map<String, ?> params) {
        SparseNoiseMutationFactory factory = new SparseNoiseMutationFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), params),
                TestRunContexts.seeded(1, Map.of(ModelStore.class, store)));
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    @Test
    void perturbsTheGivenFractionWithNoiseScaledByTheTensorsRms() {
        // A tensor of 100000 values all equal to 2 (RMS 2): density 0.1 and σ 0.05 give about 10000 changed values
        // with steps ~ N(0, 0.1²). Standard error of the fraction is about 0.001, of the step variance about 1.4%.
        ModelGenome parent = store.add("p", Map.of("w", filled(100_000, 2f)));
        ModelGenome child = (ModelGenome) noise(Map.of("density", 0.1, "sigma", 0.05))
                .mutate(new MutationInput(parent, List.of(), new SeededRandomSource(5)));
        float[] w = store.values(child, "w");
        int changed = 0;
        double sumSquares = 0;
        for (float v : w) {
            if (v != 2f) {
                changed++;
                sumSquares += (v - 2.0) * (v - 2.0);
            }
        }
        assertEquals(0.1, changed / 100_000.0, 0.005);
        assertEquals(0.01, sumSquares / changed, 0.0008);
        assertArrayEquals(filled(100_000, 2f), store.values(parent, "w"), "the parent changed");
        assertEquals("sparse-noise", store.label(child));
    }

    @Test
    void eachTensorsNoiseDependsOnlyOnTheSeedAndItsNameNotOnOrderOrNeighbours() {
        Map<String, float[]> ab = new LinkedHashMap<>();
        ab.put("a", filled(5_000, 1f));
        ab.put("b", filled(3_000, -1f));
        Map<String, float[]> bcOther = new LinkedHashMap<>();
        bcOther.put("c", filled(10, 7f));
        bcOther.put("a", filled(5_000, 1f));
        Mutation mutation = noise(Map.of("density", 0.2));
        ModelGenome first = (ModelGenome) mutation.mutate(new MutationInput(store.add("ab", ab), List.of(),
                new SeededRandomSource(42)));
        ModelGenome second = (ModelGenome) mutation.mutate(new MutationInput(store.add("ca", bcOther), List.of(),
                new SeededRandomSource(42)));
        assertArrayEquals(store.values(first, "a"), store.values(second, "a"));
        ModelGenome otherSeed = (ModelGenome) mutation.mutate(new MutationInput(store.add("ab", ab), List.of(),
                new SeededRandomSource(43)));
        assertEquals(false, java.util.Arrays.equals(store.values(first, "a"), store.values(otherSeed, "a")));
    }

    @Test
    void excludedTensorsAreKeptAndAbsoluteNoiseIgnoresTheScale() {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        tensors.put("score.weight", filled(1_000, 3f));
        tensors.put("layers.0.weight", filled(20_000, 1000f));
        ModelGenome child = (ModelGenome) noise(Map.of("density", 1.0, "sigma", 0.1, "relative", false,
                "exclude", "^score\\.")).mutate(new MutationInput(store.add("m", tensors), List.of(),
                new SeededRandomSource(1)));
        assertArrayEquals(filled(1_000, 3f), store.values(child, "score.weight"));
        double sumSquares = 0;
        for (float v : store.values(child, "layers.0.weight")) {
            sumSquares += (v - 1000.0) * (v - 1000.0);
        }
        // Absolute σ 0.1: variance 0.01 (float32 rounding at 1000 adds about 1e-9).
        assertEquals(0.01, sumSquares / 20_000, 0.0005);
    }

    @Test
    void needsTheStoreAndAValidPattern() {
        SparseNoiseMutationFactory factory = new SparseNoiseMutationFactory();
        Mutation withoutStore = factory.create(ParameterValidator.validate(factory.descriptor(), Map.of()),
                TestRunContexts.seeded(1));
        ModelGenome parent = store.add("p", Map.of("w", filled(10, 1f)));
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> withoutStore.mutate(new MutationInput(parent, List.of(), new SeededRandomSource(1))));
        assertEquals(true, e.getMessage().contains("model store"), e.getMessage());
        assertThrows(InvalidParameterException.class, () -> noise(Map.of("exclude", "(")));
    }

    @Test
    void counterBasedGaussianHasUnitVariance() {
        SeededRandomSource random = new SeededRandomSource(3);
        double sum = 0;
        double sumSquares = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            double g = SparseNoiseMutationFactory.gaussian(random, 3L * i + 1);
            sum += g;
            sumSquares += g * g;
        }
        assertEquals(0, sum / n, 0.01);
        assertEquals(1, sumSquares / n, 0.02);
    }
}
