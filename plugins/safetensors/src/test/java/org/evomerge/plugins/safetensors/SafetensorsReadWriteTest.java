package org.evomerge.plugins.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReadWriteTest {

    @TempDir
    Path temp;

    private final SafetensorsFormat format = new SafetensorsFormat();

    private static ModelConfig config(Map<String, Object> raw) {
        return ModelConfig.of(raw);
    }

    private static byte[] bytes(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Copies every tensor of {@code model} into a new model written with {@code maxShard}. */
    private Path rewrite(Model model, Path destination, long maxShard, boolean allowOverwrite) {
        WriteOptions options = new WriteOptions(model.tensors().tensors(), model.config(), maxShard, allowOverwrite,
                Map.of(), model.sideFiles());
        try (ModelWriter writer = format.create(destination, options)) {
            for (TensorInfo info : model.tensors().tensors()) {
                writer.write(info, model.tensors().tensor(info.name()).data());
            }
            writer.commit();
        }
        return destination;
    }

    @Test
    void writesByteForByteWhatTheHuggingFaceStackWrites() throws IOException {
        Path cases = Path.of(System.getProperty("evomerge.shared", "../../../shared"), "mergekit-cases", "cases");
        Assumptions.assumeTrue(Files.isDirectory(cases), "reference files not present: " + cases);
        int compared = 0;
        try (Stream<Path> dirs = Files.list(cases)) {
            for (Path expected : dirs.map(d -> d.resolve("expected")).filter(Files::isDirectory).sorted().toList()) {
                Path out = temp.resolve(expected.getParent().getFileName().toString());
                try (Model model = format.open(expected)) {
                    rewrite(model, out, WriteOptions.DEFAULT_SHARD_BYTES, false);
                }
                assertArrayEquals(Files.readAllBytes(expected.resolve("model.safetensors")),
                        Files.readAllBytes(out.resolve("model.safetensors")), "model.safetensors of " + expected);
                // The config read and written back is the file as transformers wrote it ("1e-05", not "1.0E-5").
                assertEquals(Files.readString(expected.resolve("config.json")),
                        Files.readString(out.resolve("config.json")), "config.json of " + expected);
                compared++;
            }
        }
        assertTrue(compared >= 5, "compared only " + compared + " reference files");
    }

    @Test
    void configNumbersKeepTheirTextThroughReadAndWrite() throws IOException {
        Path source = RawSafetensors.valid(temp.resolve("source/model.safetensors")).getParent();
        Files.writeString(source.resolve("config.json"), """
                {"rms_norm_eps": 1e-05, "rope_theta": 500000.0, "initializer_range": 0.02, "small": 1E-7,
                 "large": 5e+20, "exact": 0.1000000000000000055511151231257827, "vocab_size": 256,
                 "big": 18446744073709551615, "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0,
                 "list": [1.50, -0.0, 2]}, "architectures": ["LlamaForCausalLM"], "model_type": "llama"}
                """);
        Path out;
        try (Model model = format.open(source)) {
            assertEquals(1e-5, model.config().rmsNormEps());
            assertEquals(500000.0, model.config().ropeTheta());
            assertEquals(256, model.config().vocabSize());
            assertEquals(0.02, ((Number) model.config().raw().get("initializer_range")).doubleValue());
            out = rewrite(model, temp.resolve("out"), WriteOptions.DEFAULT_SHARD_BYTES, false);
        }
        assertEquals("""
                {
                  "architectures": [
                    "LlamaForCausalLM"
                  ],
                  "big": 18446744073709551615,
                  "exact": 0.1000000000000000055511151231257827,
                  "initializer_range": 0.02,
                  "large": 5e+20,
                  "model_type": "llama",
                  "rms_norm_eps": 1e-05,
                  "rope_scaling": {
                    "factor": 8.0,
                    "list": [
                      1.50,
                      -0.0,
                      2
                    ],
                    "low_freq_factor": 1.0
                  },
                  "rope_theta": 500000.0,
                  "small": 1E-7,
                  "vocab_size": 256
                }
                """, Files.readString(out.resolve("config.json")));
    }

    @Test
    void readsTensorsLazilyWithTheirDeclaredLayout() throws IOException {
        Path file = RawSafetensors.valid(temp.resolve("m/model.safetensors"));
        Files.writeString(file.resolveSibling("config.json"),
                "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"num_hidden_layers\":2,"
                        + "\"hidden_size\":8,\"num_attention_heads\":2,\"num_key_value_heads\":1,\"vocab_size\":5,"
                        + "\"intermediate_size\":16,\"rope_theta\":500000.0,\"rms_norm_eps\":1e-5}");
        Files.writeString(file.resolveSibling("tokenizer.json"), "{}");
        try (Model model = format.open(file.getParent())) {
            assertEquals(List.of("a", "b"), model.tensors().tensors().stream().map(TensorInfo::name).toList());
            TensorInfo b = model.tensors().find("b").orElseThrow();
            assertEquals(DType.BF16, b.dtype());
            assertEquals(Shape.of(3), b.shape());
            assertEquals("model.safetensors", b.file());
            MemorySegment a = model.tensors().tensor("a").data();
            assertEquals(3f, a.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2));
            ModelConfig config = model.config();
            assertEquals("LlamaForCausalLM", config.architecture());
            assertEquals(2, config.numLayers());
            assertEquals(1, config.numKeyValueHeads());
            assertEquals(4, config.headDim());
            assertEquals(500000.0, config.ropeTheta());
            assertTrue(config.tiedEmbeddings(), "no lm_head and no tie_word_embeddings: tied");
            assertEquals(List.of(file.resolveSibling("tokenizer.json")), model.sideFiles());
        }
    }

    @Test
    void streamingReadsGiveTheMappedBytes() throws IOException {
        Path cases = Path.of(System.getProperty("evomerge.shared", "../../../shared"), "mergekit-cases", "models", "f32");
        Path model = Files.isDirectory(cases.resolve("ft1")) ? cases.resolve("ft1")
                : RawSafetensors.valid(temp.resolve("s/model.safetensors")).getParent();
        try (Model m = format.open(model); Arena arena = Arena.ofConfined()) {
            for (TensorInfo info : m.tensors().tensors()) {
                var tensor = m.tensors().tensor(info.name());
                byte[] expected = bytes(tensor.data());
                long size = info.byteSize();
                MemorySegment nativeCopy = arena.allocate(size);
                for (long at = 0; at < size; at += 4096) { // odd-sized chunks across the tensor
                    long length = Math.min(4096, size - at);
                    tensor.read(at, nativeCopy.asSlice(at, length));
                }
                assertArrayEquals(expected, bytes(nativeCopy), info.name());
                MemorySegment heapCopy = MemorySegment.ofArray(new byte[(int) size]);
                tensor.read(0, heapCopy);
                assertArrayEquals(expected, bytes(heapCopy), info.name());
                assertThrows(IndexOutOfBoundsException.class, () -> tensor.read(size - 1, arena.allocate(2)));
            }
        }
    }

    @Test
    void readsGpt2StyleConfigNames() throws IOException {
        Path file = RawSafetensors.valid(temp.resolve("g/model.safetensors"));
        Files.writeString(file.resolveSibling("config.json"),
                "{\"model_type\":\"gpt2\",\"n_layer\":12,\"n_embd\":768,\"n_head\":12,\"n_inner\":null,"
                        + "\"vocab_size\":50257,\"layer_norm_epsilon\":1e-5}");
        try (Model model = format.open(file.getParent())) {
            assertEquals(12, model.config().numLayers());
            assertEquals(768, model.config().hiddenSize());
            assertEquals(3072, model.config().intermediateSize());
            assertEquals(12, model.config().numKeyValueHeads());
        }
    }

    @Test
    void shardsLikeHuggingFaceAndReadsTheShardsBack() throws IOException {
        // Sizes 40, 40, 100 (over the limit: own shard), 16, 40 with a 64-byte limit -> [t0], [t1], [t2], [t3, t4]?
        // Greedy: t0 (40); t1 would make 80 > 64 -> new shard; t2 > 64 -> own shard; t3 joins t1's successor...
        List<TensorInfo> layout = List.of(
                new TensorInfo("t0", DType.F32, Shape.of(10), ""),
                new TensorInfo("t1", DType.F32, Shape.of(10), ""),
                new TensorInfo("t2", DType.F32, Shape.of(25), ""),
                new TensorInfo("t3", DType.F32, Shape.of(4), ""),
                new TensorInfo("t4", DType.F32, Shape.of(10), ""));
        ShardPlan plan = ShardPlan.of(layout, 64, Map.of());
        List<List<String>> names = new ArrayList<>();
        plan.shards().forEach(s -> names.add(s.tensors().stream().map(p -> p.info().name()).toList()));
        // t0 | t1 (t2 goes alone, the current shard stays open) | t2 | t1's shard gets t3 (40+16=56) | t4 starts anew
        assertEquals(List.of(List.of("t0"), List.of("t2"), List.of("t1", "t3"), List.of("t4")), names);
        assertEquals("model-00001-of-00004.safetensors", plan.shards().getFirst().fileName());

        Path out = temp.resolve("sharded");
        WriteOptions options = new WriteOptions(layout, config(Map.of("model_type", "llama")), 64, false,
                Map.of("evomerge.method", "test"), List.of());
        try (Arena arena = Arena.ofConfined(); ModelWriter writer = format.create(out, options)) {
            for (TensorInfo info : layout.reversed()) { // any order
                MemorySegment data = arena.allocate(info.byteSize());
                for (long i = 0; i < info.shape().elementCount(); i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, info.name().hashCode() + i);
                }
                writer.write(info, data);
            }
            writer.commit();
        }
        JsonNode index = new ObjectMapper().readTree(out.resolve(ShardIndex.FILE_NAME).toFile());
        assertEquals(40 + 40 + 100 + 16 + 40, index.get("metadata").get("total_size").asLong());
        assertEquals("model-00003-of-00004.safetensors", index.get("weight_map").get("t3").asText());
        assertTrue(Files.readString(out.resolve(ShardIndex.FILE_NAME)).startsWith("{\n  \"metadata\": {\n"));
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"model_type\": \"llama\""));
        try (Model model = format.open(out)) {
            assertEquals(5, model.tensors().tensors().size());
            for (TensorInfo info : layout) {
                MemorySegment data = model.tensors().tensor(info.name()).data();
                assertEquals(info.name().hashCode() + 3f, data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3));
            }
            assertEquals("test", ((SafetensorsModel) model).fileMetadata().get("model-00001-of-00004.safetensors")
                    .get("evomerge.method"));
            assertEquals("pt", ((SafetensorsModel) model).fileMetadata().get("model-00001-of-00004.safetensors")
                    .get("format"));
        }
        try (Stream<Path> siblings = Files.list(temp)) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().contains(".partial-")),
                    "the staging folder is gone after commit");
        }
    }

    @Test
    void tensorsWrittenInPartsAreTheTensorsWrittenWhole() throws IOException {
        List<TensorInfo> layout = List.of(
                new TensorInfo("a", DType.BF16, Shape.of(7, 9), ""),
                new TensorInfo("b", DType.F32, Shape.of(10), ""),
                new TensorInfo("c", DType.F32, Shape.of(3), ""));
        WriteOptions options = new WriteOptions(layout, config(Map.of("model_type", "llama")), 100, false, Map.of(),
                List.of());
        Map<String, byte[]> expected = new java.util.HashMap<>();
        for (TensorInfo info : layout) {
            byte[] b = new byte[(int) info.byteSize()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (info.name().hashCode() * 31 + i);
            }
            expected.put(info.name(), b);
        }
        Path out = temp.resolve("parts");
        try (ModelWriter writer = format.create(out, options)) {
            assertTrue(writer.writesInParts());
            byte[] a = expected.get("a");
            // Parts out of order and of uneven sizes; b whole; c in parts too.
            int[][] parts = {{100, 26}, {0, 40}, {40, 60}};
            for (int[] part : parts) {
                writer.writePart(layout.get(0), part[0], MemorySegment.ofArray(java.util.Arrays.copyOfRange(a,
                        part[0], part[0] + part[1])));
            }
            writer.write(layout.get(1), MemorySegment.ofArray(expected.get("b")));
            byte[] c = expected.get("c");
            writer.writePart(layout.get(2), 4, MemorySegment.ofArray(java.util.Arrays.copyOfRange(c, 4, 12)));
            IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class, () ->
                    writer.writePart(layout.get(2), 8, MemorySegment.ofArray(new byte[8])));
            assertTrue(beyond.getMessage().contains("'c'"), beyond.getMessage());
            IllegalStateException unfinished = assertThrows(IllegalStateException.class, writer::commit);
            assertTrue(unfinished.getMessage().contains("'c'"), unfinished.getMessage());
            writer.writePart(layout.get(2), 0, MemorySegment.ofArray(java.util.Arrays.copyOfRange(c, 0, 4)));
            IllegalStateException twice = assertThrows(IllegalStateException.class, () ->
                    writer.writePart(layout.get(0), 0, MemorySegment.ofArray(new byte[2])));
            assertTrue(twice.getMessage().contains("already written"), twice.getMessage());
            writer.commit();
        }
        try (Model model = format.open(out)) {
            for (TensorInfo info : layout) {
                assertArrayEquals(expected.get(info.name()), bytes(model.tensors().tensor(info.name()).data()),
                        info.name());
            }
        }
    }

    @Test
    void nothingAppearsAtTheDestinationUntilCommit() throws IOException {
        Path source = RawSafetensors.valid(temp.resolve("src/model.safetensors")).getParent();
        Path out = temp.resolve("out");
        try (Model model = format.open(source)) {
            WriteOptions options = new WriteOptions(model.tensors().tensors(), model.config(), 1 << 20, false,
                    Map.of(), List.of());
            try (ModelWriter writer = format.create(out, options)) {
                TensorInfo first = model.tensors().tensors().getFirst();
                writer.write(first, model.tensors().tensor(first.name()).data());
                assertFalse(Files.exists(out), "a partial model must not be visible at the destination");
                assertThrows(IllegalStateException.class, writer::commit, "a tensor is missing");
            }
        }
        assertFalse(Files.exists(out));
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of("src"), left.map(p -> p.getFileName().toString()).toList(), "no partial left behind");
        }
    }

    @Test
    void stagingFoldersOfKilledWritersAreRemovedByTheNextWriter() throws IOException {
        Path source = RawSafetensors.valid(temp.resolve("src/model.safetensors")).getParent();
        // A writer that was killed: its process (a pid that cannot exist) is gone, its staging folder remains.
        Path abandoned = Files.createDirectories(temp.resolve(".out.partial-dead"));
        Files.writeString(abandoned.resolve(SafetensorsWriter.OWNER_FILE), Long.toString(Long.MAX_VALUE));
        Files.writeString(abandoned.resolve("model-00001-of-00002.safetensors"), "half written");
        // A writer still running (this process) must be left alone.
        Path live = Files.createDirectories(temp.resolve(".out.partial-live"));
        Files.writeString(live.resolve(SafetensorsWriter.OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        try (Model model = format.open(source)) {
            rewrite(model, temp.resolve("out"), 1 << 20, false);
        }
        assertFalse(Files.exists(abandoned), "the killed writer's partial output is cleaned up");
        assertTrue(Files.exists(live), "a live writer's staging folder is not touched");
        assertFalse(Files.exists(temp.resolve("out").resolve(SafetensorsWriter.OWNER_FILE)));
    }

    @Test
    void refusesToOverwriteAModelUnlessAllowed() throws IOException {
        Path source = RawSafetensors.valid(temp.resolve("src/model.safetensors")).getParent();
        Path out = temp.resolve("out");
        try (Model model = format.open(source)) {
            rewrite(model, out, 1 << 20, false);
            EvomergeException refused = assertThrows(EvomergeException.class,
                    () -> rewrite(model, out, 1 << 20, false));
            assertEquals(ErrorCategory.CONFIGURATION, refused.category());
            assertTrue(refused.getMessage().contains("already exists"), refused.getMessage());
            Files.writeString(out.resolve("stale.txt"), "from before");
            rewrite(model, out, 1 << 20, true);
            assertFalse(Files.exists(out.resolve("stale.txt")), "the old model was replaced, not merged into");
            assertTrue(Files.exists(out.resolve("model.safetensors")));
        }
    }

    @Test
    void refusesPickleCheckpointsWithConversionAdvice() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("pickled"));
        Files.writeString(folder.resolve("config.json"), "{\"model_type\":\"llama\"}");
        Files.write(folder.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c'});
        assertTrue(format.recognizes(folder));
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(folder));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("pytorch_model.bin is a pickle checkpoint"), e.getMessage());
        assertTrue(e.getMessage().contains("safe_serialization=True"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        EvomergeException direct = assertThrows(EvomergeException.class,
                () -> format.open(folder.resolve("pytorch_model.bin")));
        assertTrue(direct.getMessage().contains("pickle"), direct.getMessage());
    }
}
