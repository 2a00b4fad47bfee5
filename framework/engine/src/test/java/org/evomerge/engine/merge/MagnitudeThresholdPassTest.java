package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MagnitudeQuantile;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.VectorBackend;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole-model magnitude pre-pass against a full sort: Gaussian task vectors over 150,000 elements in three
 * tensors (so both histogram levels are exercised on distinct values), fractions per tensor from the model's
 * parameters, k = 0 and k = n.
 */
class MagnitudeThresholdPassTest {

    @TempDir
    Path temp;

    private static final ExtensionDescriptor RECORDER = new ExtensionDescriptor("recorder", "1.0.0",
            ExtensionKind.MERGE_METHOD, "test", ParameterSchema.of(
                    ParameterSpec.number("density", 1.0, 0.0, 1.0, "").withScope(ParameterScope.PER_MODEL)),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.MODEL_WIDE_PASS));

    /** Records the thresholds it is given and returns the base. */
    private static final class Recorder implements MergeMethod {
        final Map<String, Float> seen = new ConcurrentHashMap<>();

        @Override
        public List<MagnitudeQuantile> modelWideQuantiles() {
            return List.of(new MagnitudeQuantile("density", p -> p.number("density")),
                    new MagnitudeQuantile("none", p -> 0), new MagnitudeQuantile("all", p -> 2.0));
        }

        @Override
        public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
            for (InputModel m : input.models()) {
                for (String q : List.of("density", "none", "all")) {
                    seen.put(q + "/" + m.model(), statistics.magnitudeThreshold(q, m.model()));
                }
            }
            values.merge((block, out) -> System.arraycopy(block.base(), 0, out, 0, out.length));
        }
    }

    private static final Map<String, Shape> SHAPES = new LinkedHashMap<>(Map.of(
            "model.layers.0.mlp.up_proj.weight", Shape.of(200, 350),
            "model.layers.0.mlp.down_proj.weight", Shape.of(350, 200),
            "model.norm.weight", Shape.of(10_000)));

    private static Map<String, float[]> values(Random random, Map<String, float[]> base, double scale) {
        Map<String, float[]> values = new LinkedHashMap<>();
        SHAPES.forEach((name, shape) -> {
            float[] v = new float[(int) shape.elementCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (base == null ? 0 : base.get(name)[i]) + (float) (random.nextGaussian() * scale);
            }
            values.put(name, v);
        });
        return values;
    }

    @Test
    void thresholdsEqualTheKthLargestMagnitudeOfAFullSort() {
        Random random = new Random(11);
        Map<String, float[]> base = values(random, null, 1.0);
        Map<String, float[]> ft = values(random, base, 0.01);
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("base", ArrayModels.llama(1, SHAPES, base));
        models.put("ft", ArrayModels.llama(1, SHAPES, ft));
        MergePlan plan = MergePlanner.plan(RecipeReader.parse("""
                merge_method: recorder
                base_model: base
                models:
                  - {model: ft, parameters: {density: [{filter: up_proj, value: 0.3}, {value: 0.1}]}}
                """, temp.resolve("r.yml")), RECORDER, new LinkedHashMap<>(models),
                ArchitectureCatalog.load(List.of()).findOrGeneric(models.get("base").config()));
        Recorder recorder = new Recorder();
        ModelWriter discard = new ModelWriter() {
            public void write(TensorInfo info, MemorySegment data) {
            }

            public void commit() {
            }

            public void close() {
            }
        };
        MergeExecutor.run(plan, RECORDER, recorder, discard, new DefaultRunContext(new SeededRandomSource(1),
                new VectorBackend(), ProgressReporter.SILENT, ScratchDirectory.create(temp, false), 2, Map.of()),
                1 << 20);

        int n = SHAPES.values().stream().mapToInt(s -> (int) s.elementCount()).sum();
        float[] magnitudes = new float[n];
        int at = 0;
        for (String name : SHAPES.keySet()) {
            for (int i = 0; i < base.get(name).length; i++) {
                magnitudes[at++] = Math.abs(ft.get(name)[i] - base.get(name)[i]);
            }
        }
        Arrays.sort(magnitudes);
        long k = (long) Math.floor(0.3 * 70_000 + 0.1 * 70_000 + 0.1 * 10_000);
        assertEquals(magnitudes[(int) (n - k)], recorder.seen.get("density/ft"));
        assertEquals(Float.POSITIVE_INFINITY, recorder.seen.get("none/ft"));
        assertEquals(0f, recorder.seen.get("all/ft"));
    }

    @Test
    void withoutAPrePassEveryThresholdIsAConfigurationError() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> ModelWideStatistics.NONE.magnitudeThreshold("keep", "m"));
        assertTrue(e.getMessage().contains("needs a whole-model pre-pass"), e.getMessage());
    }
}
