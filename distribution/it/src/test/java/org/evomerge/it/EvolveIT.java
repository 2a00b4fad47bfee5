package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.evomerge.it.evolveplugin.MeanTargetEvaluatorFactory;
import org.evomerge.it.evolveplugin.RandomSearchFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge evolve} as a user runs it, on tiny generated safetensors models with the standard merge plugin.
 * The evaluator and strategy come from a folder plugin made here out of this module's test classes (the real
 * evaluator and strategy plugins are separate modules).
 */
class EvolveIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Path pluginDir;

    @BeforeEach
    void setUp() throws IOException {
        pluginDir = writePlugin(temp);
        writeModel(temp.resolve("model-a"), 0.0, 1);
        writeModel(temp.resolve("model-b"), 1.0, 2);
    }

    /** The folder plugin with this module's test evaluator and strategy, in {@code folder/plugins}. */
    static Path writePlugin(Path folder) throws IOException {
        Path pluginDir = Files.createDirectories(folder.resolve("plugins"));
        Path plugin = Files.createDirectories(pluginDir.resolve("it-evolution"));
        Files.writeString(plugin.resolve("plugin.properties"), "plugin.id=it-evolution\nplugin.version=1.0.0\n"
                + "plugin.provider=tests\nplugin.description=evolve end-to-end test extensions\n");
        Path classes = Files.createDirectories(plugin.resolve("classes"));
        Path compiled = Path.of(MeanTargetEvaluatorFactory.class.getProtectionDomain().getCodeSource().getLocation()
                .getPath());
        Path packageDir = compiled.resolve("org/evomerge/it/evolveplugin");
        Path target = Files.createDirectories(classes.resolve("org/evomerge/it/evolveplugin"));
        try (Stream<Path> files = Files.list(packageDir)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName().toString()));
            }
        }
        Files.createDirectories(classes.resolve("META-INF"));
        Files.writeString(classes.resolve("META-INF/extensions.idx"), MeanTargetEvaluatorFactory.class.getName() + "\n"
                + RandomSearchFactory.class.getName() + "\n");
        return pluginDir;
    }

    /** A 2-layer Llama-shaped float32 safetensors model whose weights are {@code offset} + small noise. */
    static void writeModel(Path folder, double offset, long seed) throws IOException {
        Files.createDirectories(folder);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {8, 4});
        for (int l = 0; l < 2; l++) {
            shapes.put("model.layers." + l + ".input_layernorm.weight", new long[] {4});
            shapes.put("model.layers." + l + ".self_attn.o_proj.weight", new long[] {4, 4});
            shapes.put("model.layers." + l + ".mlp.down_proj.weight", new long[] {4, 4});
        }
        shapes.put("model.norm.weight", new long[] {4});
        shapes.put("lm_head.weight", new long[] {8, 4});
        Random random = new Random(seed);
        Map<String, Object> header = new LinkedHashMap<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long offsetBytes = 0;
        for (var e : shapes.entrySet()) {
            int n = 1;
            for (long d : e.getValue()) {
                n *= (int) d;
            }
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat((float) (offset + 0.1 * random.nextGaussian()));
            }
            data.write(b.array());
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(),
                    "data_offsets", List.of(offsetBytes, offsetBytes + 4L * n)));
            offsetBytes += 4L * n;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(length.array());
        file.write(json);
        file.write(data.toByteArray());
        Files.write(folder.resolve("model.safetensors"), file.toByteArray());
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": 2,
                 "hidden_size": 4, "intermediate_size": 4, "num_attention_heads": 1, "num_key_value_heads": 1,
                 "vocab_size": 8, "torch_dtype": "float32"}
                """);
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"WordLevel\"}}");
    }

    private Processes.Result evomerge(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--plugins-dir";
        all[1] = pluginDir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), all);
    }

    private static final String RUN = """
            models: [model-a, model-b]
            genome:
              kind: recipe
              merge_method: linear
              layer_groups: 2
              filters: [self_attn, mlp]
            strategy: {id: it-random, parameters: {batch: 4}}
            evaluators:
              - {name: mean, evaluator: mean-target, parameters: {target: 0.7}}
            budget: {evaluations: 12}
            seed: 1
            """;

    @Test
    void evolvesWritesTheRunFolderAndTheBestRecipeMergesAgain() throws IOException {
        Files.writeString(temp.resolve("run.yml"), RUN);
        Processes.Result result = evomerge("evolve", "run.yml", "--out", "run", "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode summary = JSON.readTree(result.out());
        assertEquals(12, summary.get("evaluations").asInt());
        assertEquals("budget", summary.get("reason").asText());
        Path run = temp.resolve("run");
        assertEquals(RUN, Files.readString(run.resolve("run.yml")));
        List<String> journal = Files.readAllLines(run.resolve("journal.jsonl"));
        assertEquals("start", JSON.readTree(journal.getFirst()).get("type").asText());
        assertEquals(12, journal.stream().filter(l -> l.contains("\"type\":\"evaluation\"")).count());
        assertEquals(4, Files.readAllLines(run.resolve("history.csv")).size());
        for (String name : List.of("model.safetensors", "config.json", "tokenizer.json", "recipe.yml", "README.md")) {
            assertTrue(Files.exists(run.resolve("best").resolve(name)), name);
        }
        // The starting point is the 0.5/0.5 mix (mean ≈ 0.5); random search finds a mix closer to 0.7.
        assertTrue(summary.get("best_fitness").get(0).asDouble() > JSON.readTree(journal.get(1)).get("fitness").get(0)
                .asDouble(), result.out());

        Processes.Result merged = evomerge("merge", "run/best/recipe.yml", "again");
        assertEquals(0, merged.exitCode(), merged.toString());
        assertTrue(Files.exists(temp.resolve("again/model.safetensors")));

        Processes.Result resumed = evomerge("evolve", "run.yml", "--out", "run", "--resume", "--json");
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(summary.get("best_id"), JSON.readTree(resumed.out()).get("best_id"));
    }

    @Test
    void aDareTiesRunsBestRecipeRebuildsBestBitForBit() throws IOException {
        writeModel(temp.resolve("base"), 0.5, 3);
        Files.writeString(temp.resolve("dare.yml"), """
                models: [model-a, model-b]
                base_model: base
                genome:
                  kind: recipe
                  merge_method: dare_ties
                  layer_groups: 2
                  filters: [self_attn]
                  bounds: {density: [0.3, 0.7]}
                strategy: {id: it-random, parameters: {batch: 4}}
                evaluators:
                  - {name: mean, evaluator: mean-target, parameters: {target: 0.7}}
                budget: {evaluations: 8}
                seed: 1
                """);
        Processes.Result result = evomerge("evolve", "dare.yml", "--out", "dare-run");
        assertEquals(0, result.exitCode(), result.toString());
        Path best = temp.resolve("dare-run/best");
        String recipe = Files.readString(best.resolve("recipe.yml"));
        assertTrue(recipe.contains("base_model: ../../base\n") && recipe.contains("model: ../../model-a\n"), recipe);
        assertTrue(!recipe.contains("&id") && !recipe.contains(temp.toString()), recipe);
        java.util.regex.Matcher seed = java.util.regex.Pattern.compile("(?m)^random_seed: (-?\\d+)$").matcher(recipe);
        assertTrue(seed.find(), recipe);

        // The recipe's random_seed is the root seed of the merge: no seed option is needed to rebuild best/.
        Processes.Result merged = evomerge("merge", "dare-run/best/recipe.yml", "rebuilt");
        assertEquals(0, merged.exitCode(), merged.toString());
        Map<String, MergekitGoldenIT.Tensor> expected = MergekitGoldenIT.read(best);
        Map<String, MergekitGoldenIT.Tensor> actual = MergekitGoldenIT.read(temp.resolve("rebuilt"));
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, t) -> {
            assertEquals(t.dtype() + t.shape(), actual.get(name).dtype() + actual.get(name).shape(), name);
            assertArrayEquals(t.values(), actual.get(name).values(), name); // compared by their bits
        });

        String config = Files.readString(temp.resolve("rebuilt/config.json"));
        assertTrue(config.contains("\"dtype\": \"bfloat16\"") && config.contains("\"torch_dtype\": \"bfloat16\""),
                config);
        String card = Files.readString(temp.resolve("rebuilt/README.md"));
        assertTrue(card.startsWith("---\nlibrary_name: transformers\ntags:\n- evomerge\n- merge\n- mergekit\n---"),
                card); // local inputs: no base_model list
        assertTrue(card.contains("- `dare_ties@") && card.contains("- `safetensors@") && !card.contains("it-evolution")
                && !card.contains("gguf"), card);
    }

    /**
     * Sakana's PS+DFS as one run on safetensors models: the layer-path stage's model 0 is the recipe stage's
     * {@code best/}, its transition-scaled {@code best/recipe.yml} rebuilds it bit for bit, the report lists both
     * stages and a resume evaluates nothing again.
     */
    @Test
    void aPsThenDfsRunChainsItsStagesAndItsBestRecipeRebuildsIt() throws IOException {
        Files.writeString(temp.resolve("ps-dfs.yml"), """
                models: [model-a, model-b]
                evaluators:
                  - {name: mean, evaluator: mean-target, parameters: {target: 0.7}}
                strategy: {id: it-random, parameters: {batch: 4}}
                seed: 1
                stages:
                  - name: ps
                    genome: {kind: recipe, merge_method: linear, layer_groups: 2, filters: [self_attn, mlp]}
                    budget: {evaluations: 8}
                  - name: dfs
                    models: [{stage: ps}, model-b]
                    genome: {kind: layer-path, repeats: 2, scaling: transition, scale_bounds: [0.5, 2.0]}
                    budget: {evaluations: 8}
                """);
        Processes.Result result = evomerge("evolve", "ps-dfs.yml", "--out", "run", "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode summary = JSON.readTree(result.out());
        Path run = temp.resolve("run");
        assertEquals(run.resolve("stages/2-dfs/best").toString(), summary.get("best_dir").asText());
        JsonNode stages = summary.get("stages");
        assertEquals(2, stages.size(), result.out());
        assertEquals("ps", stages.get(0).get("name").asText());
        assertEquals(8, stages.get(0).get("evaluations").asInt());
        assertEquals("finished (budget)", stages.get(1).get("state").asText());
        assertTrue(Files.exists(run.resolve("stages/1-ps/best/model.safetensors")));
        assertTrue(Files.exists(run.resolve("report.html")));
        assertTrue(Files.exists(run.resolve("stages/2-dfs/report.html")));

        Path best = run.resolve("stages/2-dfs/best");
        String recipe = Files.readString(best.resolve("recipe.yml"));
        assertTrue(recipe.contains("merge_method: passthrough") && recipe.contains("model: ../../1-ps/best\n"),
                recipe);
        Processes.Result merged = evomerge("merge", "run/stages/2-dfs/best/recipe.yml", "rebuilt");
        assertEquals(0, merged.exitCode(), merged.toString());
        Map<String, MergekitGoldenIT.Tensor> expected = MergekitGoldenIT.read(best);
        Map<String, MergekitGoldenIT.Tensor> actual = MergekitGoldenIT.read(temp.resolve("rebuilt"));
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, t) -> assertArrayEquals(t.values(), actual.get(name).values(), name));

        Processes.Result report = evomerge("report", "run");
        assertEquals(0, report.exitCode(), report.toString());
        assertTrue(report.out().contains("stage 1 ps: 8 evaluations, best ") && report.out().contains(
                "stage 2 dfs: 8 evaluations, best "), report.out());

        Processes.Result resumed = evomerge("evolve", "ps-dfs.yml", "--out", "run", "--resume", "--json");
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(summary.get("best_id"), JSON.readTree(resumed.out()).get("best_id"));
        for (String stage : List.of("1-ps", "2-dfs")) {
            assertEquals(8, Files.readAllLines(run.resolve("stages").resolve(stage).resolve("journal.jsonl"))
                    .stream().filter(l -> l.contains("\"type\":\"evaluation\"")).count(), stage);
        }
    }

    @Test
    void badRunFilesExitWithOneLineNamingFileAndKey() throws IOException {
        Files.writeString(temp.resolve("bad.yml"), RUN.replace("it-random", "no-such-strategy"));
        Processes.Result unknown = evomerge("evolve", "bad.yml", "--out", "run-bad");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertEquals(1, unknown.err().lines().count(), unknown.toString());
        assertTrue(unknown.err().contains("bad.yml") && unknown.err().contains("'strategy'"), unknown.err());

        Files.writeString(temp.resolve("typo.yml"), RUN + "wokers: 2\n");
        Processes.Result typo = evomerge("evolve", "typo.yml", "--out", "run-typo");
        assertEquals(2, typo.exitCode(), typo.toString());
        assertTrue(typo.err().contains("typo.yml") && typo.err().contains("'wokers'"), typo.err());

        // Cut to 32 bits this was 0 workers: "/ by zero" (exit 1) after the run folder was made.
        Files.writeString(temp.resolve("huge.yml"), RUN + "workers: 4294967296\n");
        Processes.Result huge = evomerge("evolve", "huge.yml", "--out", "run-huge");
        assertEquals(2, huge.exitCode(), huge.toString());
        assertEquals("evomerge: error: " + temp.resolve("huge.yml") + ":12:1: 'workers' must be at most 2147483647,"
                + " got 4294967296", huge.err().strip());
        assertTrue(Files.notExists(temp.resolve("run-huge")));
    }

    /** A missing dataset used to fail after run.yml was written; the folder then blocked a fresh start and --resume. */
    @Test
    void aRunThatCannotStartLeavesNoFolderAndStartsOnceFixed() throws IOException {
        Files.writeString(temp.resolve("run.yml"), RUN.replace(
                "- {name: mean, evaluator: mean-target, parameters: {target: 0.7}}",
                "- {name: mean, evaluator: mean-target, parameters: {target: 0.7}}\n"
                        + "  - {name: ppl, evaluator: perplexity, data: missing.jsonl}"));
        Processes.Result failed = evomerge("evolve", "run.yml", "--out", "run");
        assertTrue(failed.exitCode() == 2 || failed.exitCode() == 3, failed.toString());
        assertEquals(1, failed.err().lines().count(), failed.toString());
        assertTrue(failed.err().contains(temp.resolve("run.yml") + ":10:5: 'evaluators[1]': ")
                && failed.err().contains("missing.jsonl"), failed.err());
        assertTrue(Files.notExists(temp.resolve("run")), "a run that could not start leaves no folder");

        Files.writeString(temp.resolve("run.yml"), RUN);
        Processes.Result fixed = evomerge("evolve", "run.yml", "--out", "run", "--json");
        assertEquals(0, fixed.exitCode(), fixed.toString());
    }

    /**
     * A population larger than the budget said "3 evaluations in 0 generations" with an empty history.csv while the
     * report counted 1; and run.yml and history.csv were written owner-only.
     */
    @Test
    void aBudgetEndingInsideAGenerationIsOnePartialGenerationEverywhere() throws IOException {
        Files.writeString(temp.resolve("run.yml"), RUN.replace("evaluations: 12", "evaluations: 3"));
        Processes.Result json = evomerge("evolve", "run.yml", "--out", "run", "--json");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode summary = JSON.readTree(json.out());
        assertEquals(3, summary.get("evaluations").asInt());
        assertEquals(1, summary.get("generations").asInt());
        assertTrue(summary.get("last_generation_partial").asBoolean(), json.out());
        Path run = temp.resolve("run");
        List<String> history = Files.readAllLines(run.resolve("history.csv"));
        assertEquals(2, history.size(), history.toString());
        assertTrue(history.get(1).startsWith("1,3,"), history.toString());
        String page = Files.readString(run.resolve("report.html"));
        assertTrue(page.contains(">Generations</th><td class=\"l\">1 (the last one partial"), page);

        Files.writeString(temp.resolve("text.yml"), RUN.replace("evaluations: 12", "evaluations: 3"));
        Processes.Result text = evomerge("evolve", "text.yml", "--out", "run-text");
        assertEquals(0, text.exitCode(), text.toString());
        assertTrue(text.out().startsWith("3 evaluations in 1 generation, the last one partial (ended by budget); best "),
                text.out());

        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            String plain = PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    Files.createFile(temp.resolve("plain"))));
            for (String name : List.of("run.yml", "journal.jsonl", "history.csv", "report.html")) {
                assertEquals(plain, PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve(name))),
                        name);
            }
        }
    }
}
