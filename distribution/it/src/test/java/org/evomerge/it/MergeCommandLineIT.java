package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge merge} driven as mergekit users drive {@code mergekit-yaml}: the README's command line, recipes as
 * they are published (keys mergekit ignores) and as mergekit-evolve writes them ({@code normalize: 1.0}), the
 * recipe's {@code random_seed} and {@code --random-seed}, and mergekit's output options. The models are small
 * Llama-shaped float32 checkpoints built here (2 layers, width 8, 16 tokens), so nothing is skipped.
 */
class MergeCommandLineIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private static Map<String, long[]> shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {16, 8});
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {8});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {8, 8});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {4, 8});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {4, 8});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {8, 8});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {8});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {12, 8});
            shapes.put(p + "mlp.up_proj.weight", new long[] {12, 8});
            shapes.put(p + "mlp.down_proj.weight", new long[] {8, 12});
        }
        shapes.put("model.norm.weight", new long[] {8});
        shapes.put("lm_head.weight", new long[] {16, 8});
        return shapes;
    }

    /** A safetensors Llama folder; model {@code id}'s values differ from the others' in every element. */
    private static Path model(Path folder, int id, String architecture) throws IOException {
        Files.createDirectories(folder);
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            long count = count(e.getValue());
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            var shape = entry.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + count * 4);
            offset += count * 4;
        }
        byte[] headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer file = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(padded).put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            file.put((byte) ' ');
        }
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            for (int i = 0; i < count(e.getValue()); i++) {
                // A smooth base plus a model-specific offset of either sign, so task vectors disagree in sign.
                double x = Math.floorMod(e.getKey().hashCode(), 97) + i;
                file.putFloat((float) (Math.sin(x) + (id == 0 ? 0 : 0.1 * Math.sin(x * (id + 1.7)))));
            }
        }
        Files.write(folder.resolve("model.safetensors"), file.array());
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["%s"], "model_type": "llama", "hidden_size": 8, "intermediate_size": 12,
                 "num_attention_heads": 2, "num_key_value_heads": 1, "num_hidden_layers": 2, "vocab_size": 16,
                 "tie_word_embeddings": false, "torch_dtype": "float32"}
                """.formatted(architecture));
        return folder;
    }

    private static long count(long[] shape) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        return count;
    }

    /** base (with a tokenizer), ft1 and ft2 in the temporary folder, the working directory of every run. */
    private void models() throws IOException {
        Path base = model(temp.resolve("base"), 0, "LlamaForCausalLM");
        Files.writeString(base.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}");
        Files.writeString(base.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {}}");
        model(temp.resolve("ft1"), 1, "LlamaForCausalLM");
        model(temp.resolve("ft2"), 2, "LlamaForCausalLM");
    }

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    private Path recipe(String name, String text) throws IOException {
        Path file = temp.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static Set<String> files(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return new TreeSet<>(list.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static Map<String, double[]> tensors(Path folder) throws IOException {
        Map<String, double[]> values = new LinkedHashMap<>();
        MergekitGoldenIT.read(folder).forEach((name, tensor) -> values.put(name, tensor.values()));
        return values;
    }

    private static void assertSameTensors(Path expected, Path actual) throws IOException {
        Map<String, double[]> e = tensors(expected);
        Map<String, double[]> a = tensors(actual);
        assertEquals(e.keySet(), a.keySet());
        e.forEach((name, values) -> assertArrayEquals(values, a.get(name), name));
    }

    /** A recipe as merges are published on the hub: normalize and int8_mask at the top level, where mergekit ignores them. */
    private static final String PUBLISHED = """
            models:
              - model: base
              - model: ft1
                parameters:
                  density: 0.5
                  weight: 0.5
              - model: ft2
                parameters:
                  density: 0.5
                  weight: 0.5
            merge_method: ties
            base_model: base
            normalize: true
            int8_mask: true
            dtype: float32
            """;

    @Test
    void theReadmeCommandLineRunsAPublishedRecipe() throws IOException {
        models();
        Path config = recipe("path/to/your/config.yml", PUBLISHED);
        // mergekit's README: mergekit-yaml path/to/your/config.yml ./output-model-directory [--cuda]
        // [--lazy-unpickle] [--allow-crimes] [... other options]
        Processes.Result result = evomerge("merge", "path/to/your/config.yml", "./output-model-directory", "--cuda",
                "--lazy-unpickle", "--allow-crimes");
        assertEquals(0, result.exitCode(), result.toString());
        List<String> err = result.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(4, err.size(), result.toString());
        assertTrue(err.get(0).startsWith("evomerge: notice: --cuda: "), result.toString());
        assertTrue(err.get(1).startsWith("evomerge: notice: --lazy-unpickle: "), result.toString());
        assertEquals("evomerge: warning: " + config + ": unknown key 'normalize' at the top level ignored, as"
                + " mergekit ignores it (--strict refuses it)", err.get(2));
        assertTrue(err.get(3).contains("'int8_mask'"), result.toString());
        // A merge of a few KB says so, rather than "0.00 GB read".
        assertTrue(result.out().matches("(?s)merged 21 tensors with ties@\\S+ into \\S+output-model-directory \\("
                + "\\d+\\.\\d\\d KB read, \\d+\\.\\d\\d KB written, \\d+\\.\\d s\\)\\s*"), result.out());
        Path out = temp.resolve("output-model-directory");
        assertEquals(Set.of("README.md", "config.json", "mergekit_config.yml", "model.safetensors", "tokenizer.json",
                "tokenizer_config.json"), files(out));

        Processes.Result strict = evomerge("merge", "path/to/your/config.yml", "strict-out", "--strict");
        assertEquals(2, strict.exitCode(), strict.toString());
        assertTrue(strict.err().startsWith("evomerge: error: " + config + ": unknown key 'normalize' in top level"),
                strict.toString());
        assertFalse(Files.exists(temp.resolve("strict-out")));
    }

    /** mergekit-multi's format: two named merges and a final one that uses both; the same bytes as merge by merge. */
    @Test
    void multiRunsTheDocumentsInDependencyOrderAsMergeWouldAndReusesUnchangedMerges() throws IOException {
        models();
        String ties = """
                merge_method: ties
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 0.6, density: 0.5}}
                  - {model: ft2, parameters: {weight: 0.4, density: 0.5}}
                """;
        String linear = """
                merge_method: linear
                models: [{model: ft2, parameters: {weight: 1}}, {model: base, parameters: {weight: 1}}]
                """;
        String last = """
                merge_method: slerp
                base_model: %s
                models: [{model: %s}, {model: %s}]
                parameters: {t: 0.3}
                """;
        recipe("multi.yml", last.formatted("ab", "ab", "c") + "---\nname: c\n" + linear + "---\nname: ab\n" + ties);
        Processes.Result first = evomerge("multi", "multi.yml", "out");
        assertEquals(0, first.exitCode(), first.toString());
        List<String> lines = first.out().lines().toList();
        List<String> expected = List.of("ab: merged ", "c: merged ", "final merge: merged ", "3 merges (0 reused) in ");
        assertEquals(expected.size(), lines.size(), first.out());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(lines.get(i).startsWith(expected.get(i)), first.out());
        }
        Processes.Result again = evomerge("multi", "multi.yml", "out");
        assertTrue(again.out().contains("3 merges (3 reused)"), again.toString());

        recipe("ab.yml", ties);
        recipe("c.yml", linear);
        recipe("final.yml", last.formatted("by-hand/ab", "by-hand/ab", "by-hand/c"));
        for (String step : List.of("ab", "c", "final")) {
            Processes.Result result = evomerge("merge", step + ".yml", "by-hand/" + step);
            assertEquals(0, result.exitCode(), result.toString());
        }
        assertSameTensors(temp.resolve("by-hand/ab"), temp.resolve("out-intermediates/ab"));
        assertSameTensors(temp.resolve("by-hand/c"), temp.resolve("out-intermediates/c"));
        assertSameTensors(temp.resolve("by-hand/final"), temp.resolve("out"));

        recipe("cycle.yml", "name: a\n" + last.formatted("b", "b", "base") + "---\nname: b\n"
                + last.formatted("a", "a", "base"));
        Processes.Result cycle = evomerge("multi", "cycle.yml", "out2");
        assertEquals(2, cycle.exitCode(), cycle.toString());
        assertEquals(1, cycle.err().lines().count(), cycle.err());
        assertTrue(cycle.err().endsWith("cycle.yml: the merges use each other in a cycle: a -> b -> a\n"), cycle.err());
        assertFalse(Files.exists(temp.resolve("out2")));
    }

    @Test
    void mergekitEvolveBestConfigValuesMergeAsTheirBooleans() throws IOException {
        models();
        String body = """
                merge_method: ties
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 0.7, density: 0.4}}
                  - {model: ft2, parameters: {weight: 0.2, density: 0.6}}
                dtype: float32
                """;
        // mergekit-evolve's best_config.yaml writes the booleans it sets as floats.
        recipe("best_config.yaml", body + "parameters: {normalize: 1.0, int8_mask: 1.0}\n");
        recipe("booleans.yml", body + "parameters: {normalize: true, int8_mask: true}\n");
        recipe("off.yml", body + "parameters: {normalize: 0.0, int8_mask: 0.0}\n");
        for (String[] run : List.of(new String[] {"best_config.yaml", "evolved"}, new String[] {"booleans.yml", "plain"},
                new String[] {"off.yml", "off"})) {
            Processes.Result result = evomerge("merge", run[0], run[1]);
            assertEquals(0, result.exitCode(), result.toString());
        }
        assertSameTensors(temp.resolve("plain"), temp.resolve("evolved"));
        assertFalse(java.util.Arrays.equals(tensors(temp.resolve("plain")).get("lm_head.weight"),
                tensors(temp.resolve("off")).get("lm_head.weight")), "normalize: 0.0 is false");
        recipe("two.yml", body + "parameters: {normalize: 2}\n");
        Processes.Result two = evomerge("merge", "two.yml", "two");
        assertEquals(2, two.exitCode(), two.toString());
        assertTrue(two.err().contains("'normalize' must be true or false"), two.toString());
    }

    @Test
    void theRecipesRandomSeedRebuildsADareMergeBitForBit() throws IOException {
        models();
        String body = """
                merge_method: dare_ties
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 0.5, density: 0.5}}
                  - {model: ft2, parameters: {weight: 0.5, density: 0.5}}
                dtype: float32
                """;
        recipe("seeded.yml", body + "random_seed: 7\n");
        recipe("unseeded.yml", body);
        List<String[]> runs = List.of(
                new String[] {"seeded.yml", "a"},
                new String[] {"seeded.yml", "b", "--seed", "99"},          // the recipe's seed is above --seed
                new String[] {"unseeded.yml", "c", "--random-seed", "7"},  // mergekit's flag, the same seed
                new String[] {"unseeded.yml", "d", "--seed", "7"},
                new String[] {"seeded.yml", "e", "--random-seed", "8"});   // the flag is above the recipe
        for (String[] run : runs) {
            List<String> args = new ArrayList<>(List.of("merge"));
            args.addAll(List.of(run));
            Processes.Result result = evomerge(args.toArray(String[]::new));
            assertEquals(0, result.exitCode(), result.toString());
        }
        for (String same : List.of("b", "c", "d")) {
            assertSameTensors(temp.resolve("a"), temp.resolve(same));
            assertArrayEquals(Files.readAllBytes(temp.resolve("a/model.safetensors")),
                    Files.readAllBytes(temp.resolve(same).resolve("model.safetensors")), same);
        }
        assertFalse(java.util.Arrays.equals(tensors(temp.resolve("a")).get("model.layers.0.mlp.up_proj.weight"),
                tensors(temp.resolve("e")).get("model.layers.0.mlp.up_proj.weight")), "another seed, other drops");
        assertTrue(Files.readString(temp.resolve("a/README.md")).contains("7"));
        JsonNode header = header(temp.resolve("a/model.safetensors"));
        assertEquals("7", header.get("__metadata__").get("evomerge.seed").asText());
        assertEquals("8", header(temp.resolve("e/model.safetensors")).get("__metadata__").get("evomerge.seed")
                .asText());
    }

    private static JsonNode header(Path safetensors) throws IOException {
        byte[] bytes = Files.readAllBytes(safetensors);
        long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
    }

    @Test
    void mergekitsOutputOptionsShapeTheOutputFolder() throws IOException {
        models();
        recipe("linear.yml", """
                merge_method: linear
                models:
                  - {model: base, parameters: {weight: 0.5}}
                  - {model: ft1, parameters: {weight: 0.5}}
                """);
        Processes.Result result = evomerge("merge", "linear.yml", "out", "--no-copy-tokenizer",
                "--no-write-model-card", "--out-shard-size", "2K", "-j", "2", "-v", "--no-quiet");
        assertEquals(0, result.exitCode(), result.toString());
        Set<String> files = files(temp.resolve("out"));
        assertFalse(files.contains("tokenizer.json") || files.contains("tokenizer_config.json"), files.toString());
        assertFalse(files.contains("README.md") || files.contains("mergekit_config.yml"), files.toString());
        // 2K is 2000 bytes, as mergekit reads it: the 3.3 KB of float32 tensors need several shards.
        JsonNode index = JSON.readTree(temp.resolve("out/model.safetensors.index.json").toFile());
        Set<String> shards = new TreeSet<>();
        index.get("weight_map").forEach(n -> shards.add(n.asText()));
        assertTrue(shards.size() > 1, shards.toString());
        for (String shard : shards) {
            // mergekit's rule, and ours: a shard closes before the tensor that would take it past the limit.
            byte[] bytes = Files.readAllBytes(temp.resolve("out").resolve(shard));
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long data = bytes.length - 8 - headerLength;
            assertTrue(data > 0 && data <= 2000, shard + ": " + data + " bytes of tensors");
        }
        Processes.Result remote = evomerge("merge", "linear.yml", "remote", "--trust-remote-code");
        assertEquals(2, remote.exitCode(), remote.toString());
        assertTrue(remote.err().startsWith("evomerge: error: --trust-remote-code: "), remote.toString());
    }

    @Test
    void architecturesMixOnlyWithAllowCrimes() throws IOException {
        models();
        model(temp.resolve("mistral"), 3, "MistralForCausalLM");
        recipe("mixed.yml", """
                merge_method: linear
                models:
                  - {model: base, parameters: {weight: 0.5}}
                  - {model: mistral, parameters: {weight: 0.5}}
                """);
        Processes.Result refused = evomerge("merge", "mixed.yml", "mixed");
        assertEquals(2, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("the models have different architectures (base: LlamaForCausalLM, mistral:"
                + " MistralForCausalLM); give --allow-crimes"), refused.toString());
        assertFalse(Files.exists(temp.resolve("mixed")));
        Processes.Result allowed = evomerge("merge", "mixed.yml", "mixed", "--allow-crimes");
        assertEquals(0, allowed.exitCode(), allowed.toString());
    }
}
