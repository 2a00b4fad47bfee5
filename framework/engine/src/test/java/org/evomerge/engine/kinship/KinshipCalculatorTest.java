package org.evomerge.engine.kinship;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.compute.VectorBackend;
import org.evomerge.engine.kinship.KinshipCalculator.NamedModel;
import org.junit.jupiter.api.Test;

class KinshipCalculatorTest {

    private static final KinshipOptions WHOLE = KinshipOptions.defaults();
    private static final KinshipOptions PER_TENSOR = new KinshipOptions(true, KinshipPrecision.FULL);

    // Hand-worked case. Task vectors, flattened: d1 = [1,2,3 | 0,1], d2 = [2,4,6 | 0,0].
    private static final Model BASE = new ModelBuilder()
            .tensor("a", Shape.of(3), 0, 0, 0)
            .tensor("b", Shape.of(2), 1, 1).build();
    private static final Model M1 = new ModelBuilder()
            .tensor("a", Shape.of(3), 1, 2, 3)
            .tensor("b", Shape.of(2), 1, 2).build();
    private static final Model M2 = new ModelBuilder()
            .tensor("a", Shape.of(3), 2, 4, 6)
            .tensor("b", Shape.of(2), 1, 1).build();

    private static KinshipResult handWorked(KinshipOptions options) {
        return new KinshipCalculator(new ReferenceBackend(), 1).compute(new NamedModel("base", BASE),
                List.of(new NamedModel("m1", M1), new NamedModel("m2", M2)), options);
    }

    @Test
    void wholeModelMatchesHandComputedValues() {
        KinshipResult r = handWorked(WHOLE);
        // ⟨d1,d2⟩ = 28, ‖d1‖² = 15, ‖d2‖² = 56.
        assertEquals(28 / Math.sqrt(15 * 56), r.matrix(KinshipMetric.COSINE)[0][1], 1e-12);
        // Means 1.4 and 2.4: n·cov = 28 − 5·1.4·2.4 = 11.2; n·var = 15 − 5·1.96 = 5.2 and 56 − 5·5.76 = 27.2.
        assertEquals(11.2 / Math.sqrt(5.2 * 27.2), r.matrix(KinshipMetric.PCC)[0][1], 1e-12);
        assertEquals(0.9417419, r.matrix(KinshipMetric.PCC)[0][1], 1e-6);
        // d1 − d2 = [−1,−2,−3,0,1]: ‖·‖² = 15.
        assertEquals(Math.sqrt(15), r.matrix(KinshipMetric.EUCLIDEAN)[0][1], 1e-12);
        assertEquals(Math.sqrt(15), r.matrix(KinshipMetric.EUCLIDEAN)[1][0], 1e-12);
        assertEquals(0, r.matrix(KinshipMetric.EUCLIDEAN)[1][1]);
        assertEquals(1, r.matrix(KinshipMetric.PCC)[0][0], 1e-15);
        assertEquals(5, r.whole().count());
        assertEquals(r.matrix(KinshipMetric.PCC)[0][1], r.mean(KinshipMetric.PCC), 1e-15);
    }

    @Test
    void perTensorIsTheElementWeightedMeanSkippingUndefinedTensors() {
        KinshipResult r = handWorked(PER_TENSOR);
        assertEquals(2, r.tensors().size());
        TensorKinship a = r.tensors().get(0);
        TensorKinship b = r.tensors().get(1);
        assertEquals("a", a.name());
        // Tensor a: d2 = 2·d1, so correlation and cosine are 1, distance ‖d1‖ = √14.
        assertEquals(1, a.statistics().value(KinshipMetric.PCC, 0, 1), 1e-12);
        assertEquals(Math.sqrt(14), a.statistics().value(KinshipMetric.EUCLIDEAN, 0, 1), 1e-12);
        // Tensor b: d2 = 0, correlation and cosine are undefined, distance 1.
        assertTrue(Double.isNaN(b.statistics().value(KinshipMetric.PCC, 0, 1)));
        assertTrue(Double.isNaN(b.statistics().value(KinshipMetric.COSINE, 0, 1)));
        assertEquals(1, r.matrix(KinshipMetric.PCC)[0][1], 1e-12);
        assertEquals(1, r.matrix(KinshipMetric.COSINE)[0][1], 1e-12);
        assertEquals((3 * Math.sqrt(14) + 2 * 1) / 5, r.matrix(KinshipMetric.EUCLIDEAN)[0][1], 1e-12);
    }

    @Test
    void absoluteCosineIgnoresTheSign() {
        Model opposite = new ModelBuilder()
                .tensor("a", Shape.of(3), -1, -2, -3)
                .tensor("b", Shape.of(2), 1, 0).build();
        KinshipResult r = new KinshipCalculator(new ReferenceBackend(), 1).compute(new NamedModel("base", BASE),
                List.of(new NamedModel("m1", M1), new NamedModel("opposite", opposite)), WHOLE);
        assertEquals(-1, r.matrix(KinshipMetric.COSINE)[0][1], 1e-12);
        assertEquals(1, r.matrix(KinshipMetric.ABSOLUTE_COSINE)[0][1], 1e-12);
        assertEquals(-1, r.matrix(KinshipMetric.PCC)[0][1], 1e-12);
    }

    @Test
    void matchesAnIndependentDoublePrecisionReferenceAcrossChunksThreadsAndBackends() {
        Models models = randomModels(42, 4, 0.02);
        double[][] deltas = flattenedDeltas(models);
        for (KinshipMetric metric : KinshipMetric.values()) {
            double[][] expected = reference(deltas, metric);
            // Chunks of 256 elements inside tensors of up to 3000, so chunk combination is exercised.
            double[][] one = new KinshipCalculator(new ReferenceBackend(), 1, 256).compute(models.base, models.all,
                    WHOLE).matrix(metric);
            double[][] three = new KinshipCalculator(new ReferenceBackend(), 3, 256).compute(models.base,
                    models.all, WHOLE).matrix(metric);
            double[][] vector = new KinshipCalculator(new VectorBackend(), 2).compute(models.base, models.all,
                    WHOLE).matrix(metric);
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(one[i], three[i], 0.0, metric + ": the thread count changed the result");
                for (int j = 0; j < expected.length; j++) {
                    double tolerance = 1e-10 * Math.max(1, Math.abs(expected[i][j]));
                    assertEquals(expected[i][j], one[i][j], tolerance, metric + " [" + i + "][" + j + "]");
                    assertEquals(expected[i][j], vector[i][j], tolerance, metric + " vector [" + i + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void invariants() {
        Models models = randomModels(7, 3, 0.05);
        Model first = models.all.get(0).model();
        Model base = models.base.model();
        // The same task vector scaled by 3, and shifted by a constant.
        ModelBuilder scaled = new ModelBuilder();
        ModelBuilder shifted = new ModelBuilder();
        for (var t : base.tensors().tensors()) {
            float[] b = ModelBuilder.values(base, t.name());
            float[] f = ModelBuilder.values(first, t.name());
            float[] s = new float[b.length];
            float[] h = new float[b.length];
            for (int e = 0; e < b.length; e++) {
                s[e] = (float) (b[e] + 3.0 * ((double) f[e] - b[e]));
                h[e] = f[e] + 0.5f;
            }
            scaled.tensor(t.name(), t.shape(), s);
            shifted.tensor(t.name(), t.shape(), h);
        }
        List<NamedModel> list = new ArrayList<>(models.all);
        list.add(new NamedModel("first-again", first));
        list.add(new NamedModel("scaled", scaled.build()));
        list.add(new NamedModel("shifted", shifted.build()));
        KinshipResult r = new KinshipCalculator(new VectorBackend(), 2).compute(models.base, list, WHOLE);
        double[][] pcc = r.matrix(KinshipMetric.PCC);
        double[][] cos = r.matrix(KinshipMetric.COSINE);
        double[][] ed = r.matrix(KinshipMetric.EUCLIDEAN);
        int again = 3;
        int scaledAt = 4;
        int shiftedAt = 5;
        assertEquals(1, pcc[0][again], 1e-12, "pcc of a model with itself");
        assertEquals(0, ed[0][again], 0.0, "distance of a model to itself");
        // Scaling a task vector changes neither correlation nor cosine with any other model.
        for (int other = 1; other < 3; other++) {
            assertEquals(pcc[0][other], pcc[scaledAt][other], 1e-5);
            assertEquals(cos[0][other], cos[scaledAt][other], 1e-5);
        }
        // A constant shift keeps the correlation, but not the cosine.
        assertEquals(1, pcc[0][shiftedAt], 1e-6);
        assertTrue(cos[0][shiftedAt] < 0.9, "cosine " + cos[0][shiftedAt]);
        for (int i = 0; i < list.size(); i++) {
            for (int j = 0; j < list.size(); j++) {
                assertEquals(ed[i][j], ed[j][i], 0.0, "euclidean symmetry");
                assertEquals(pcc[i][j], pcc[j][i], 0.0, "pcc symmetry");
                assertTrue(pcc[i][j] >= -1 && pcc[i][j] <= 1);
                for (int m = 0; m < list.size(); m++) {
                    assertTrue(ed[i][j] <= ed[i][m] + ed[m][j] + 1e-9, "triangle inequality");
                }
            }
        }
    }

    @Test
    void int8IsWithinTheStatedToleranceOfFullPrecision() {
        Models models = randomModels(11, 4, 0.01);
        KinshipCalculator calculator = new KinshipCalculator(new VectorBackend(), 2, 512);
        KinshipResult full = calculator.compute(models.base, models.all, WHOLE);
        KinshipResult int8 = calculator.compute(models.base, models.all, new KinshipOptions(false,
                KinshipPrecision.INT8));
        // Stated tolerance: 0.01 absolute for correlations and cosines, 2% relative for distances.
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(full.matrix(KinshipMetric.PCC)[i][j], int8.matrix(KinshipMetric.PCC)[i][j], 0.01);
                assertEquals(full.matrix(KinshipMetric.COSINE)[i][j], int8.matrix(KinshipMetric.COSINE)[i][j], 0.01);
                double distance = full.matrix(KinshipMetric.EUCLIDEAN)[i][j];
                assertEquals(distance, int8.matrix(KinshipMetric.EUCLIDEAN)[i][j], 0.02 * distance + 1e-12);
            }
        }
        // But it is an approximation: at least one value differs.
        assertTrue(full.matrix(KinshipMetric.PCC)[0][1] != int8.matrix(KinshipMetric.PCC)[0][1]);
    }

    @Test
    void int8IsExactWhenTaskVectorsSitOnTheQuantisationGrid() {
        // Deltas are integers in [−127, 127] with max |δ| = 127, so q = δ and scaling back is exact.
        SplittableRandom random = new SplittableRandom(3);
        ModelBuilder base = new ModelBuilder();
        ModelBuilder a = new ModelBuilder();
        ModelBuilder b = new ModelBuilder();
        for (int t = 0; t < 3; t++) {
            int n = 700 + t;
            float[] zero = new float[n];
            float[] x = new float[n];
            float[] y = new float[n];
            for (int e = 0; e < n; e++) {
                x[e] = random.nextInt(-127, 128);
                y[e] = random.nextInt(-127, 128);
            }
            x[0] = 127;
            y[1] = -127;
            base.tensor("t" + t, Shape.of(n), zero);
            a.tensor("t" + t, Shape.of(n), x);
            b.tensor("t" + t, Shape.of(n), y);
        }
        KinshipCalculator calculator = new KinshipCalculator(new ReferenceBackend(), 1, 256);
        List<NamedModel> models = List.of(new NamedModel("a", a.build()), new NamedModel("b", b.build()));
        NamedModel baseModel = new NamedModel("base", base.build());
        KinshipResult full = calculator.compute(baseModel, models, WHOLE);
        KinshipResult int8 = calculator.compute(baseModel, models,
                new KinshipOptions(false, KinshipPrecision.INT8));
        for (KinshipMetric metric : KinshipMetric.values()) {
            assertEquals(full.matrix(metric)[0][1], int8.matrix(metric)[0][1],
                    1e-9 * Math.max(1, Math.abs(full.matrix(metric)[0][1])), metric.id());
        }
    }

    @Test
    void mismatchedModelsAreInputErrorsNamingModelAndTensor() {
        KinshipCalculator calculator = new KinshipCalculator(new ReferenceBackend(), 1);
        Model wrongShape = new ModelBuilder()
                .tensor("a", Shape.of(1, 3), 1, 2, 3)
                .tensor("b", Shape.of(2), 1, 2).build();
        EvomergeException e = assertThrows(EvomergeException.class, () -> calculator.compute(
                new NamedModel("base", BASE), List.of(new NamedModel("m1", M1), new NamedModel("odd", wrongShape)),
                WHOLE));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("odd") && e.getMessage().contains("'a'"), e.getMessage());

        Model missing = new ModelBuilder().tensor("a", Shape.of(3), 1, 2, 3).build();
        e = assertThrows(EvomergeException.class, () -> calculator.compute(new NamedModel("base", BASE),
                List.of(new NamedModel("short", missing)), WHOLE));
        assertTrue(e.getMessage().contains("short") && e.getMessage().contains("'b'"), e.getMessage());

        Model extra = new ModelBuilder()
                .tensor("a", Shape.of(3), 1, 2, 3)
                .tensor("b", Shape.of(2), 1, 2)
                .tensor("c", Shape.of(1), 1).build();
        e = assertThrows(EvomergeException.class, () -> calculator.compute(new NamedModel("base", BASE),
                List.of(new NamedModel("long", extra)), WHOLE));
        assertTrue(e.getMessage().contains("long") && e.getMessage().contains("'c'"), e.getMessage());
    }

    @Test
    void integerTensorsAreSkipped() {
        Model base = new ModelBuilder().tensor("w", Shape.of(2), 0, 0)
                .tensor("ids", DType.I32, Shape.of(2), 0, 0).build();
        Model a = new ModelBuilder().tensor("w", Shape.of(2), 1, 0)
                .tensor("ids", DType.I32, Shape.of(2), 5, 5).build();
        Model b = new ModelBuilder().tensor("w", Shape.of(2), 0, 1)
                .tensor("ids", DType.I32, Shape.of(2), 7, 7).build();
        KinshipResult r = new KinshipCalculator(new ReferenceBackend(), 1).compute(new NamedModel("base", base),
                List.of(new NamedModel("a", a), new NamedModel("b", b)), WHOLE);
        assertEquals(List.of("ids"), r.skipped());
        assertEquals(0, r.matrix(KinshipMetric.COSINE)[0][1], 1e-15);
        assertEquals(Math.sqrt(2), r.matrix(KinshipMetric.EUCLIDEAN)[0][1], 1e-15);
    }

    @Test
    void metricsAreFoundByTheirCommandLineNames() {
        assertEquals(KinshipMetric.PCC, KinshipMetric.byId("PCC"));
        assertEquals(KinshipMetric.ABSOLUTE_COSINE, KinshipMetric.byId("abs-cosine"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> KinshipMetric.byId("manhattan"));
        assertTrue(e.getMessage().contains("pcc, cosine, abs-cosine, euclidean"), e.getMessage());
    }

    private record Models(NamedModel base, List<NamedModel> all) {
    }

    /** A base with weights around 0.1 and k fine-tunes whose task vectors share a common part (so they correlate). */
    private static Models randomModels(long seed, int k, double deltaScale) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] shapes = {{30, 100}, {1000}, {7}, {3, 333}};
        ModelBuilder base = new ModelBuilder();
        List<ModelBuilder> models = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            models.add(new ModelBuilder());
        }
        for (int t = 0; t < shapes.length; t++) {
            Shape shape = shapes[t].length == 1 ? Shape.of(shapes[t][0]) : Shape.of(shapes[t][0], shapes[t][1]);
            int n = (int) shape.elementCount();
            float[] b = new float[n];
            float[] common = new float[n];
            for (int e = 0; e < n; e++) {
                b[e] = (float) (0.1 + random.nextGaussian() * 0.05);
                common[e] = (float) (random.nextGaussian() * deltaScale);
            }
            base.tensor("t" + t, shape, b);
            for (int m = 0; m < k; m++) {
                float[] v = new float[n];
                double offset = m * deltaScale * 0.3;
                for (int e = 0; e < n; e++) {
                    v[e] = (float) (b[e] + common[e] * (1 + m) * 0.5 + random.nextGaussian() * deltaScale + offset);
                }
                models.get(m).tensor("t" + t, shape, v);
            }
        }
        List<NamedModel> named = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            named.add(new NamedModel("m" + m, models.get(m).build()));
        }
        return new Models(new NamedModel("base", base.build()), named);
    }

    private static double[][] flattenedDeltas(Models models) {
        Model base = models.base.model();
        List<double[]> out = new ArrayList<>();
        for (NamedModel m : models.all) {
            List<Double> all = new ArrayList<>();
            for (var t : base.tensors().tensors()) {
                float[] b = ModelBuilder.values(base, t.name());
                float[] v = ModelBuilder.values(m.model(), t.name());
                for (int e = 0; e < b.length; e++) {
                    all.add((double) (v[e] - b[e]));
                }
            }
            out.add(all.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return out.toArray(double[][]::new);
    }

    /** Textbook two-pass formulas on the flattened task vectors. */
    private static double[][] reference(double[][] d, KinshipMetric metric) {
        int k = d.length;
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double[] a = d[i];
                double[] b = d[j];
                double ma = 0;
                double mb = 0;
                for (int e = 0; e < a.length; e++) {
                    ma += a[e];
                    mb += b[e];
                }
                ma /= a.length;
                mb /= b.length;
                double sab = 0;
                double saa = 0;
                double sbb = 0;
                double dot = 0;
                double na = 0;
                double nb = 0;
                double dist = 0;
                for (int e = 0; e < a.length; e++) {
                    sab += (a[e] - ma) * (b[e] - mb);
                    saa += (a[e] - ma) * (a[e] - ma);
                    sbb += (b[e] - mb) * (b[e] - mb);
                    dot += a[e] * b[e];
                    na += a[e] * a[e];
                    nb += b[e] * b[e];
                    dist += (a[e] - b[e]) * (a[e] - b[e]);
                }
                out[i][j] = switch (metric) {
                    case PCC -> sab / Math.sqrt(saa * sbb);
                    case COSINE -> dot / Math.sqrt(na * nb);
                    case ABSOLUTE_COSINE -> Math.abs(dot / Math.sqrt(na * nb));
                    case EUCLIDEAN -> Math.sqrt(dist);
                };
            }
        }
        return out;
    }
}
