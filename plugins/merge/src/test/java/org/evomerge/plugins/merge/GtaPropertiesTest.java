package org.evomerge.plugins.merge;

import java.util.Optional;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.merge.InputModel;
import org.evomerge.compute.ArrayBlocks;
import org.evomerge.compute.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties of the GTA family on random tensors, and a differential test against {@link GtaReference}. */
class GtaPropertiesTest {

    static final List<MergeMethodFactory> ALL = List.of(new TaskArithmeticMergeFactory(), new TiesMergeFactory(),
            new DareTiesMergeFactory(), new DareLinearMergeFactory(), new BreadcrumbsMergeFactory(),
            new BreadcrumbsTiesMergeFactory(), new DellaMergeFactory(), new DellaLinearMergeFactory());

    static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * sigma);
        }
        return values;
    }

    /** base + noise, with some elements left unchanged and some rounded so that magnitudes tie. */
    static float[] fineTune(SplittableRandom random, float[] base) {
        float[] out = base.clone();
        for (int i = 0; i < base.length; i++) {
            double u = random.nextDouble();
            if (u < 0.1) {
                continue;
            }
            double d = random.nextGaussian() * 0.01;
            if (u < 0.3) {
                d = Math.round(d * 400) / 400.0;
            }
            out[i] = (float) (base[i] + d);
        }
        return out;
    }

    private static List<Map<String, ?>> perModel(MergeMethodFactory factory, double... weights) {
        List<Map<String, ?>> out = new ArrayList<>();
        String id = factory.descriptor().id();
        for (int m = 0; m < weights.length; m++) {
            Map<String, Object> p = new java.util.HashMap<>(Map.of("weight", weights[m]));
            if (!id.equals("task_arithmetic")) {
                p.put("density", 0.4 + 0.1 * m);
            }
            if (id.startsWith("breadcrumbs")) {
                p.put("gamma", 0.05);
            }
            if (id.startsWith("della")) {
                p.put("epsilon", 0.1 + 0.05 * m);
            }
            out.add(p);
        }
        return out;
    }

    static Stream<Arguments> differentialCases() {
        List<Arguments> cases = new ArrayList<>();
        for (MergeMethodFactory f : ALL) {
            String id = f.descriptor().id();
            cases.add(Arguments.of(id, f, Map.of()));
            cases.add(Arguments.of(id, f, Map.of("normalize", true, "lambda", 0.7)));
            if (!id.equals("task_arithmetic")) {
                cases.add(Arguments.of(id, f, Map.of("rescale", true, "normalize", false)));
                cases.add(Arguments.of(id, f, Map.of("rescale", false)));
            }
            if (f.descriptor().parameters().find("dare_rescale").isPresent()) {
                cases.add(Arguments.of(id, f, Map.of("dare_rescale", "inverse_density")));
            }
            if (f.descriptor().parameters().find("sign_election").isPresent()) {
                cases.add(Arguments.of(id, f, Map.of("sign_election", "count", "normalize", true)));
                cases.add(Arguments.of(id, f, Map.of("disjoint_mean", "count", "normalize", true)));
                cases.add(Arguments.of(id, f, Map.of("sign_election", "count", "disjoint_mean", "count")));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("differentialCases")
    void agreesWithAnIndependentDoublePrecisionComputation(String id, MergeMethodFactory factory,
                                                            Map<String, ?> options) {
        SplittableRandom random = new SplittableRandom(id.hashCode() ^ options.hashCode());
        for (Shape shape : List.of(Shape.of(37, 29), Shape.of(500), Shape.of(4, 3, 5), Shape.of(9, 1))) {
            int n = (int) shape.elementCount();
            float[] base = gaussian(random, n, 0.05);
            List<float[]> models = List.of(fineTune(random, base), fineTune(random, base), fineTune(random, base));
            List<Map<String, ?>> perModel = perModel(factory, 0.6, -0.2, 0.45);
            float[] merged = GtaInputs.of(factory, options).merge(shape, base, models, perModel, 77L);
            double[] expected = GtaReference.merge(id, options, shape, base, models, perModel,
                    new SeededRandomSource(77L));
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], merged[i], 1e-6 * (1 + Math.abs(expected[i])),
                        id + " " + options + " " + shape + " element " + i);
            }
        }
    }

    @Test
    void tiesWithDensityOneAndOneModelIsTaskArithmetic() {
        SplittableRandom random = new SplittableRandom(1);
        float[] base = gaussian(random, 1000, 0.02);
        List<float[]> models = List.of(fineTune(random, base));
        for (boolean normalize : new boolean[] {false, true}) {
            float[] ties = GtaInputs.of(new TiesMergeFactory(), Map.of("normalize", normalize))
                    .merge(base, models, List.of(Map.of("weight", 1.0)));
            float[] ta = GtaInputs.of(new TaskArithmeticMergeFactory(), Map.of("normalize", normalize))
                    .merge(base, models, List.of(Map.of("weight", 1.0)));
            assertArrayEquals(ta, ties, "normalize " + normalize);
            for (int i = 0; i < base.length; i++) {
                assertEquals(models.get(0)[i], ties[i], 1e-7);
            }
        }
    }

    @Test
    void dareWithDensityOneIsTaskArithmetic() {
        SplittableRandom random = new SplittableRandom(2);
        float[] base = gaussian(random, 1000, 0.02);
        List<float[]> models = List.of(fineTune(random, base), fineTune(random, base), fineTune(random, base));
        List<Map<String, ?>> weights = List.of(Map.of("weight", 0.5, "density", 1.0),
                Map.of("weight", 0.3, "density", 1.0), Map.of("weight", 0.4, "density", 1.0));
        float[] ta = GtaInputs.of(new TaskArithmeticMergeFactory()).merge(base, models,
                List.of(Map.of("weight", 0.5), Map.of("weight", 0.3), Map.of("weight", 0.4)));
        float[] dare = GtaInputs.of(new DareLinearMergeFactory()).merge(base, models, weights);
        assertArrayEquals(ta, dare);
        for (int i = 0; i < base.length; i++) {
            double expected = base[i] + 0.5 * (models.get(0)[i] - base[i]) + 0.3 * (models.get(1)[i] - base[i])
                    + 0.4 * (models.get(2)[i] - base[i]);
            assertEquals(expected, dare[i], 1e-7);
        }
    }

    @Test
    void lambdaScalesTheMergedDelta() {
        SplittableRandom random = new SplittableRandom(3);
        float[] base = gaussian(random, 2000, 0.02);
        List<float[]> models = List.of(fineTune(random, base), fineTune(random, base));
        for (MergeMethodFactory factory : ALL) {
            List<Map<String, ?>> perModel = perModel(factory, 0.7, 0.4);
            float[] one = GtaInputs.of(factory).merge(base, models, perModel);
            float[] scaled = GtaInputs.of(factory, Map.of("lambda", 2.5)).merge(base, models, perModel);
            for (int i = 0; i < base.length; i++) {
                // both results are rounded to float once: allow a few ulps of the values involved
                assertEquals(2.5 * (one[i] - base[i]), scaled[i] - base[i],
                        1e-6 * (Math.abs(base[i]) + Math.abs(scaled[i])),
                        factory.descriptor().id() + " element " + i);
            }
        }
    }

    private static TaskDelta randomDelta(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] base = gaussian(random, n, 0.02);
        return new TaskDelta("t", "m", Shape.of(n), fineTune(random, base), base);
    }

    /**
     * One model's task vector sparsified with rescaling, whichever form the sparsifier has: whole, or in blocks with
     * the tensor as its one block.
     */
    private static SparseDelta sparsify(Sparsifier sparsifier, TaskDelta delta, Parameters modelParameters,
                                        RandomSource random) {
        return switch (sparsifier) {
            case Sparsifier.Whole whole -> whole.sparsify(delta, modelParameters, true, random, 0,
                    new Sparsifier.Scratch(new ReferenceBackend()));
            case Sparsifier.InBlocks inBlocks -> {
                MergeInput input = new MergeInput(delta.tensorName(), delta.shape(),
                        List.of(new InputModel(delta.modelName(), modelParameters)),
                        Optional.of(new InputModel("base", Parameters.EMPTY)), Parameters.EMPTY, random);
                ArrayBlocks blocks = ArrayBlocks.whole(new float[][] {delta.model()}, delta.base());
                BlockTrim trim = inBlocks.trim(new BlockTrim.Request(input, blocks, true, new ReferenceBackend()));
                if (trim.keepsAll(0)) {
                    yield SparseDelta.all();
                }
                long[] mask = SparseDelta.newMask(delta.size());
                blocks.scan(0, block -> {
                    trim.mask(block, 0, mask);
                    return false;
                });
                yield SparseDelta.of(mask, trim.scale(0));
            }
        };
    }

    @Test
    void dareKeepsAboutDensityOfTheElementsReproducibly() {
        int n = 100_000;
        TaskDelta delta = randomDelta(n, 4);
        Parameters p = new Parameters(Map.of("density", 0.3));
        DareDrop dare = new DareDrop(DareDrop.Rescale.L1);
        SparseDelta first = sparsify(dare, delta, p, new SeededRandomSource(9));
        double fraction = first.keptCount(n) / (double) n;
        double sigma = Math.sqrt(0.3 * 0.7 / n);
        assertEquals(0.3, fraction, 5 * sigma, "kept fraction");
        SparseDelta again = sparsify(dare, delta, p, new SeededRandomSource(9));
        assertArrayEquals(first.mask(), again.mask());
        assertEquals(first.scale(), again.scale());
        SparseDelta other = sparsify(dare, delta, p, new SeededRandomSource(10));
        assertFalse(java.util.Arrays.equals(first.mask(), other.mask()));
        // The merge itself: same seed, same tensor → identical; another seed → different.
        List<float[]> models = List.of(delta.model());
        List<Map<String, ?>> w = List.of(Map.of("weight", 1.0, "density", 0.3));
        GtaInputs inputs = GtaInputs.of(new DareTiesMergeFactory());
        float[] a = inputs.merge(Shape.of(n), delta.base(), models, w, 5L);
        assertArrayEquals(a, inputs.merge(Shape.of(n), delta.base(), models, w, 5L));
        assertFalse(java.util.Arrays.equals(a, inputs.merge(Shape.of(n), delta.base(), models, w, 6L)));
    }

    @Test
    void l1RescalePreservesTheL1NormOfEachTaskVector() {
        int n = 100_000;
        TaskDelta delta = randomDelta(n, 5);
        double l1 = 0;
        for (int i = 0; i < n; i++) {
            l1 += Math.abs(delta.at(i));
        }
        List<Sparsifier> sparsifiers = List.of(new DareDrop(DareDrop.Rescale.L1), new MagnitudeTrim(),
                new BreadcrumbsTrim(), new DellaPrune("della"));
        for (Sparsifier sparsifier : sparsifiers) {
            for (double density : new double[] {0.1, 0.3, 0.7}) {
                Parameters p = new Parameters(Map.of("density", density, "epsilon", 0.05, "gamma", 0.01));
                SparseDelta sparse = sparsify(sparsifier, delta, p, new SeededRandomSource(1));
                double after = 0;
                for (double v : sparse.values(delta)) {
                    after += Math.abs(v);
                }
                assertEquals(l1, after, 1e-6 * l1, sparsifier + " density " + density);
                assertTrue(sparse.keptCount(n) < n);
            }
        }
    }

    @Test
    void inverseDensityRescaleIsUnbiased() {
        // The mean over seeds of the sparsified delta approaches δ: per element the std of the mean is |δ|/√seeds.
        float[] base = new float[8];
        float[] model = GtaInputs.floats(1, -2, 0.5, 4, -1, 3, 0.25, -0.75);
        TaskDelta delta = new TaskDelta("t", "m", Shape.of(8), model, base);
        DareDrop dare = new DareDrop(DareDrop.Rescale.INVERSE_DENSITY);
        int seeds = 4000;
        double[] sum = new double[8];
        for (int s = 0; s < seeds; s++) {
            double[] v = sparsify(dare, delta, new Parameters(Map.of("density", 0.5)), new SeededRandomSource(s))
                    .values(delta);
            for (int i = 0; i < 8; i++) {
                sum[i] += v[i];
            }
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(model[i], sum[i] / seeds, 5 * Math.abs(model[i]) / Math.sqrt(seeds), "element " + i);
        }
    }

    @Test
    void degenerateInputsGiveDocumentedFiniteResults() {
        float[] base = GtaInputs.floats(0.1);
        float[] model = GtaInputs.floats(0.3);
        for (MergeMethodFactory factory : ALL) {
            String id = factory.descriptor().id();
            // one element at density 0.5: k = 0, target 0 (TIES, Breadcrumbs), a single-column row (DELLA)
            Map<String, Object> p = new java.util.HashMap<>(Map.of("weight", 1.0));
            if (!id.equals("task_arithmetic")) {
                p.put("density", 0.5);
            }
            float[] merged = GtaInputs.of(factory, Map.of("normalize", true)).merge(base, List.of(model), List.of(p));
            assertTrue(Float.isFinite(merged[0]), id);
            if (id.equals("ties") || id.startsWith("breadcrumbs")) {
                assertEquals(base[0], merged[0], id + ": nothing survives trimming");
            }
            // weights that cancel: divisor 1, no NaN or infinity
            List<Map<String, ?>> cancel = List.of(Map.of("weight", 1.0), Map.of("weight", -1.0));
            float[] other = GtaInputs.floats(-0.2);
            float[] cancelled = GtaInputs.of(factory, Map.of("normalize", true)).merge(base, List.of(model, other),
                    cancel);
            assertTrue(Float.isFinite(cancelled[0]), id);
            // an empty tensor
            assertEquals(0, GtaInputs.of(factory).merge(Shape.of(0, 4), new float[0], List.of(new float[0]),
                    List.of(p), 1L).length);
        }
        // weights that cancel, worked: task arithmetic δ1 - δ2 = 0.2 - (-0.3) = 0.5
        float[] ta = GtaInputs.of(new TaskArithmeticMergeFactory(), Map.of("normalize", true)).merge(base,
                List.of(model, GtaInputs.floats(-0.2)), List.of(Map.of("weight", 1.0), Map.of("weight", -1.0)));
        assertEquals(0.6f, ta[0], 1e-7);
    }

    @Test
    void concurrentCallsGiveTheSameResultAsSequentialOnes() throws Exception {
        SplittableRandom random = new SplittableRandom(6);
        float[] base = gaussian(random, 50_000, 0.02);
        List<float[]> models = List.of(fineTune(random, base), fineTune(random, base), fineTune(random, base));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (MergeMethodFactory factory : ALL) {
                GtaInputs inputs = GtaInputs.of(factory);
                MergeMethod method = inputs.method();
                MergeCall input = inputs.input(Shape.of(250, 200), base, models, perModel(factory, 0.5, 0.3, 0.2),
                        new SeededRandomSource(8));
                float[] sequential = input.whole(method);
                List<Future<float[]>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> input.whole(method)));
                }
                for (Future<float[]> future : futures) {
                    assertArrayEquals(sequential, future.get(), factory.descriptor().id());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
