package org.evomerge.plugins.mutation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

class GaussianMutationTest {

    private static final int DRAWS = 20_000;

    private static Mutation gaussian(Map<String, ?> params) {
        GaussianMutationFactory factory = new GaussianMutationFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), params), TestRunContexts.seeded(1));
    }

    private static SearchSpace box(int n, double lower, double upper) {
        List<SearchSpace.Dimension> dims = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            dims.add(new SearchSpace.Dimension("p" + i, lower, upper));
        }
        return new SearchSpace(dims);
    }

    @Test
    void stepsHaveTheStandardDeviationOfSigmaTimesTheSide() {
        // σ = 0.05 of a side of 20: steps ~ N(0, 1); far from the bounds, nothing is reflected. Standard error of the
        // mean is 1/√20000 ≈ 0.007, of the variance ≈ 0.01.
        Mutation mutation = gaussian(Map.of("sigma", 0.05, "probability", 1.0));
        SearchSpace space = box(1, -10, 10);
        double sum = 0;
        double sumSquares = 0;
        for (long seed = 0; seed < DRAWS; seed++) {
            double step = ((ParameterGenome) mutation.mutate(new MutationInput(new ParameterGenome(new double[] {0}),
                    List.of(), new SeededRandomSource(seed), space))).get(0);
            sum += step;
            sumSquares += step * step;
        }
        assertEquals(0, sum / DRAWS, 0.035);
        assertEquals(1, sumSquares / DRAWS, 0.05);
    }

    @Test
    void changesEachGeneWithTheGivenProbabilityPlusOneForcedGene() {
        // n = 10 genes at probability 0.3: one forced gene plus 9 × 0.3 expected others = 3.7 changes per mutation.
        Mutation mutation = gaussian(Map.of("probability", 0.3));
        SearchSpace space = box(10, 0, 1);
        double[] parent = new double[10];
        java.util.Arrays.fill(parent, 0.5);
        double changed = 0;
        for (long seed = 0; seed < DRAWS; seed++) {
            double[] child = ((ParameterGenome) mutation.mutate(new MutationInput(new ParameterGenome(parent), List.of(),
                    new SeededRandomSource(seed), space))).values();
            for (int i = 0; i < 10; i++) {
                changed += child[i] != 0.5 ? 1 : 0;
            }
        }
        assertEquals(3.7, changed / DRAWS, 0.05);
    }

    @Test
    void clipsOrReflectsIntoTheBounds() {
        SearchSpace space = box(1, 0, 1);
        Mutation clip = gaussian(Map.of("sigma", 1.0, "probability", 1.0, "boundary", "clip"));
        Mutation reflect = gaussian(Map.of("sigma", 1.0, "probability", 1.0, "boundary", "reflect"));
        int atUpper = 0;
        for (long seed = 0; seed < 2_000; seed++) {
            MutationInput input = new MutationInput(new ParameterGenome(new double[] {0.99}), List.of(),
                    new SeededRandomSource(seed), space);
            double c = ((ParameterGenome) clip.mutate(input)).get(0);
            double r = ((ParameterGenome) reflect.mutate(input)).get(0);
            assertTrue(c >= 0 && c <= 1 && r >= 0 && r <= 1, c + " / " + r);
            atUpper += c == 1 ? 1 : 0;
        }
        // N(0.99, 1) lands above 1 with probability ≈ 0.496 and is clipped there.
        assertEquals(0.496, atUpper / 2000.0, 0.05);
        assertEquals(0.8, BoundedStep.REFLECT.apply(space, 0, 1.2), 1e-15);
        assertEquals(0.3, BoundedStep.REFLECT.apply(space, 0, -0.3), 1e-15);
        assertEquals(0.5, BoundedStep.REFLECT.apply(space, 0, 2.5), 1e-15);
        assertEquals(8, BoundedStep.REFLECT.apply(box(1, 0, 10), 0, 32), 1e-12);
        assertEquals(1, BoundedStep.CLIP.apply(space, 0, 7), 0);
    }

    @Test
    void withoutBoundsSigmaIsAbsoluteAndAMismatchedSpaceIsAnError() {
        Mutation mutation = gaussian(Map.of("sigma", 0.5, "probability", 1.0));
        double sumSquares = 0;
        for (long seed = 0; seed < DRAWS; seed++) {
            double v = ((ParameterGenome) mutation.mutate(new MutationInput(new ParameterGenome(new double[] {100}),
                    List.of(), new SeededRandomSource(seed)))).get(0) - 100;
            sumSquares += v * v;
        }
        assertEquals(0.25, sumSquares / DRAWS, 0.015);
        assertThrows(IllegalArgumentException.class, () -> mutation.mutate(new MutationInput(
                new ParameterGenome(new double[] {1, 2}), List.of(), new SeededRandomSource(1), box(3, 0, 1))));
    }
}
