package org.evomerge.engine.evolution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;

/**
 * Tiny Llama-shaped toy models (4 layers, hidden size 4, vocabulary 8) and a target whose weights are
 * 0.3·A + 0.7·B, so a linear recipe with weights in that ratio scores 0 (the optimum) and the distance of any other
 * candidate can be checked by hand.
 */
final class EvolutionFixture {

    static final int LAYERS = 4;

    final Path dir;
    final Path a;
    final Path b;
    final Path target;

    EvolutionFixture(Path dir) {
        this.dir = dir;
        Map<String, long[]> shapes = shapes();
        Map<String, float[]> va = values(shapes, 1);
        Map<String, float[]> vb = values(shapes, 2);
        Map<String, float[]> vt = new LinkedHashMap<>();
        va.forEach((name, x) -> {
            float[] y = vb.get(name);
            float[] t = new float[x.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) (0.3 * x[i] + 0.7 * y[i]);
            }
            vt.put(name, t);
        });
        this.a = existingOr(dir.resolve("model-a"), va, shapes);
        this.b = existingOr(dir.resolve("model-b"), vb, shapes);
        this.target = existingOr(dir.resolve("target"), vt, shapes);
    }

    private static Path existingOr(Path folder, Map<String, float[]> values, Map<String, long[]> shapes) {
        return Files.exists(folder) ? folder : ToyFormat.write(folder, LAYERS, values, shapes);
    }

    static Map<String, long[]> shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {8, 4});
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {4});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {4, 4});
            shapes.put(p + "mlp.down_proj.weight", new long[] {4, 4});
        }
        shapes.put("model.norm.weight", new long[] {4});
        shapes.put("lm_head.weight", new long[] {8, 4});
        return shapes;
    }

    static Map<String, float[]> values(Map<String, long[]> shapes, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            values.put(name, v);
        });
        return values;
    }

    /** A run file over the fixture's models; {@code extra} is appended (YAML). */
    Path runFile(String name, String body) {
        try {
            Path file = dir.resolve(name);
            Files.writeString(file, body.replace("$A", a.toString()).replace("$B", b.toString())
                    .replace("$TARGET", target.toString()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The linear-recipe run most tests use: 1 layer group, filters for attention and MLP, (1+4)-ES. */
    static final String LINEAR_RUN = """
            models: [$A, $B]
            genome:
              kind: recipe
              merge_method: linear
              layer_groups: 2
              filters: [self_attn, mlp]
              dtype: float32
            strategy:
              id: test-es
              parameters: {lambda: 4, sigma: 0.15}
            evaluators:
              - name: dist
                evaluator: distance
                parameters: {target: $TARGET}
            budget:
              evaluations: 24
            seed: 11
            """;

    static RunContext context(Path scratch, int threads) {
        return new DefaultRunContext(new SeededRandomSource(5), new ReferenceBackend(), ProgressReporter.SILENT,
                ScratchDirectory.create(scratch, false), threads, Map.of());
    }

    /** The journal's lines as JSON, for assertions on what the file holds. */
    static List<com.fasterxml.jackson.databind.JsonNode> journalLines(Path runDir) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(runDir.resolve(org.evomerge.runfolder.RunFolder.JOURNAL))) {
                lines.add(json.readTree(line));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs (or resumes) a run file in {@code runDir} with the test extensions. */
    static EvolutionJob.Result run(Path runFile, Path runDir, boolean resume, int threads) {
        return run(runFile, runDir, resume, threads, TestExtensions.catalog(), false);
    }

    /**
     * Runs (or resumes) a run file in {@code runDir} with the extensions of {@code catalog}.
     *
     * @param allowVersionChange resume even when an extension's version is not the journaled one
     */
    static EvolutionJob.Result run(Path runFile, Path runDir, boolean resume, int threads, ExtensionCatalog catalog,
                                   boolean allowVersionChange) {
        RunContext context = context(runDir.resolveSibling(runDir.getFileName() + "-scratch"), threads);
        try {
            Files.createDirectories(runDir.resolveSibling(runDir.getFileName() + "-scratch"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return EvolutionJob.run(RunFileReader.read(runFile), catalog, ModelFormats.from(catalog, context),
                ArchitectureCatalog.load(List.of()), context,
                new EvolutionJob.Options(runDir, resume, "test", ToyFormat.ID, java.util.Optional.empty(), List.of(),
                        allowVersionChange), ProgressReporter.SILENT,
                java.util.Optional.of(EvolutionFixture::pearson), EvolutionJob.ReportWriter.NONE);
    }

    /**
     * Test kinship: Pearson correlation of the models' concatenated weights minus the base's (or the raw weights
     * without a base), in double precision.
     */
    static double[][] pearson(List<org.evomerge.api.model.Model> models,
                              java.util.Optional<org.evomerge.api.model.Model> base, String metric) {
        org.evomerge.compute.ReferenceBackend compute = new ReferenceBackend();
        List<double[]> vectors = new java.util.ArrayList<>();
        for (org.evomerge.api.model.Model m : models) {
            java.util.List<Double> all = new java.util.ArrayList<>();
            for (org.evomerge.api.tensor.TensorInfo t : m.tensors().tensors()) {
                int n = Math.toIntExact(t.shape().elementCount());
                float[] v = new float[n];
                compute.toFloat(m.tensors().tensor(t.name()).data(), t.dtype(), v, n);
                float[] b = new float[n];
                if (base.isPresent()) {
                    org.evomerge.api.tensor.TensorInfo bt = base.get().tensors().find(t.name()).orElseThrow();
                    compute.toFloat(base.get().tensors().tensor(t.name()).data(), bt.dtype(), b, n);
                }
                for (int i = 0; i < n; i++) {
                    all.add((double) v[i] - b[i]);
                }
            }
            vectors.add(all.stream().mapToDouble(Double::doubleValue).toArray());
        }
        double[][] matrix = new double[models.size()][models.size()];
        for (int i = 0; i < matrix.length; i++) {
            for (int j = 0; j < matrix.length; j++) {
                double[] x = vectors.get(i);
                double[] y = vectors.get(j);
                double mx = java.util.Arrays.stream(x).average().orElse(0);
                double my = java.util.Arrays.stream(y).average().orElse(0);
                double sxy = 0;
                double sxx = 0;
                double syy = 0;
                for (int k = 0; k < x.length; k++) {
                    sxy += (x[k] - mx) * (y[k] - my);
                    sxx += (x[k] - mx) * (x[k] - mx);
                    syy += (y[k] - my) * (y[k] - my);
                }
                matrix[i][j] = sxy / Math.sqrt(sxx * syy);
            }
        }
        return matrix;
    }
}
