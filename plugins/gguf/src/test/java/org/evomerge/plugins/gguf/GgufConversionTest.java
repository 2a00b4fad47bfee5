package org.evomerge.plugins.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF files written from GGUF files (the metadata copied entry by entry, as llama.cpp's quantizer does), Qwen2 models
 * (no permutation, F32 biases), concurrent writers, and what a writer leaves behind when it is not committed.
 */
class GgufConversionTest {

    @TempDir
    Path dir;

    private Path written(HuggingFaceLlama model, String outType, String name) throws Exception {
        Path out = dir.resolve(name);
        try (ModelWriter writer = GgufWriterTest.format(outType).create(out,
                GgufWriterTest.options(model, model.writeTokenizer(dir.resolve("hf"))))) {
            for (HuggingFaceLlama.Tensor t : model.tensors) {
                writer.write(t.info(), MemorySegment.ofArray(t.bf16()));
            }
            writer.commit();
        }
        return out;
    }

    /** Converts {@code source} as {@code evomerge convert} does: every tensor as read, the file as a side file. */
    private Path convert(Path source, String outType, String name) {
        Path out = dir.resolve(name);
        try (Model model = GgufWriterTest.format("auto").open(source);
             ModelWriter writer = GgufWriterTest.format(outType).create(out, new WriteOptions(
                     model.tensors().tensors(), model.config(), WriteOptions.DEFAULT_SHARD_BYTES, false, Map.of(),
                     List.of(source)))) {
            for (TensorInfo info : model.tensors().tensors()) {
                writer.write(info, model.tensors().tensor(info.name()).data());
            }
            writer.commit();
        }
        return out;
    }

    private static GgufHeader header(Path file) throws Exception {
        return GgufReader.read(file, MemorySegment.ofArray(Files.readAllBytes(file)));
    }

    @Test
    void aGgufSourceKeepsEveryMetadataEntryBitForBitButTheFileType() throws Exception {
        Path f16 = written(new HuggingFaceLlama(3), "f16", "model-f16.gguf");
        Path q8 = convert(f16, "q8_0", "model-q8_0.gguf");
        byte[] source = Files.readAllBytes(f16);
        byte[] target = Files.readAllBytes(q8);
        GgufHeader before = header(f16);
        GgufHeader after = header(q8);
        assertEquals(List.copyOf(before.metadataRanges().keySet()), List.copyOf(after.metadataRanges().keySet()));
        for (String key : before.metadataRanges().keySet()) {
            long[] a = before.metadataRanges().get(key);
            long[] b = after.metadataRanges().get(key);
            byte[] was = java.util.Arrays.copyOfRange(source, (int) a[0], (int) a[1]);
            byte[] is = java.util.Arrays.copyOfRange(target, (int) b[0], (int) b[1]);
            if (key.equals("general.file_type")) {
                assertEquals(7L, after.metadata().get(key));
            } else {
                assertArrayEquals(was, is, key);
            }
        }
        assertEquals(before.tensors().stream().map(GgufTensorEntry::name).toList(),
                after.tensors().stream().map(GgufTensorEntry::name).toList(), "the order is kept");
    }

    @Test
    void aGgufSourceIsRequantisedFromItsValuesAndCopiedWhereTheTypeIsKept() throws Exception {
        HuggingFaceLlama model = new HuggingFaceLlama(4);
        Path f16 = written(model, "f16", "model-f16.gguf");
        Path q8 = convert(f16, "q8_0", "model-q8_0.gguf");
        try (Model read = GgufWriterTest.format("auto").open(q8)) {
            for (HuggingFaceLlama.Tensor t : model.tensors) {
                int type = GgufWriterTest.typeOf(t, "q8_0");
                float[] values = t.values().clone();
                if (t.shape().length == 2) {
                    // The F16 file's values are what Q8_0 quantises.
                    for (int i = 0; i < values.length; i++) {
                        values[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
                    }
                }
                assertArrayEquals(ReferenceEncoding.encode(values, type),
                        read.tensors().tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE), t.name());
            }
        }
        // Q8_0 to Q8_0 copies every block: the data sections are identical.
        Path again = convert(q8, "q8_0", "model-q8_0-again.gguf");
        byte[] first = Files.readAllBytes(q8);
        byte[] second = Files.readAllBytes(again);
        long start = header(q8).dataOffset();
        long startAgain = header(again).dataOffset();
        assertArrayEquals(java.util.Arrays.copyOfRange(first, (int) start, first.length),
                java.util.Arrays.copyOfRange(second, (int) startAgain, second.length));
    }

    @Test
    void qwen2KeepsItsRowsAndWritesBiasesAsF32() throws Exception {
        HuggingFaceLlama model = new HuggingFaceLlama(5);
        model.config.put("architectures", List.of("Qwen2ForCausalLM"));
        model.config.put("model_type", "qwen2");
        List<TensorInfo> infos = new ArrayList<>(model.infos());
        float[] bias = new float[HuggingFaceLlama.HIDDEN];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = i / 8f;
        }
        byte[] biasBytes = ReferenceEncoding.f32(bias);
        TensorInfo biasInfo = new TensorInfo("model.layers.0.self_attn.q_proj.bias", DType.F32,
                Shape.of(HuggingFaceLlama.HIDDEN), "");
        infos.add(biasInfo);
        Path out = dir.resolve("qwen.gguf");
        ModelConfig config = ModelConfig.of(model.config);
        try (ModelWriter writer = GgufWriterTest.format("q8_0").create(out, new WriteOptions(infos, config,
                WriteOptions.DEFAULT_SHARD_BYTES, false, Map.of(), model.writeTokenizer(dir.resolve("hf"))))) {
            for (HuggingFaceLlama.Tensor t : model.tensors) {
                writer.write(t.info(), MemorySegment.ofArray(t.bf16()));
            }
            writer.write(biasInfo, MemorySegment.ofArray(biasBytes));
            writer.commit();
        }
        GgufHeader header = header(out);
        assertEquals("qwen2", header.metadata().get("general.architecture"));
        assertFalse(header.metadata().containsKey("qwen2.vocab_size"));
        assertFalse(header.metadata().containsKey("tokenizer.ggml.add_space_prefix"), "a llama-only key");
        assertEquals("llama-bpe", header.metadata().get("tokenizer.ggml.pre"), "the fixture's tokenizer is Llama 3's");
        byte[] file = Files.readAllBytes(out);
        for (GgufTensorEntry entry : header.tensors()) {
            byte[] stored = java.util.Arrays.copyOfRange(file, (int) (header.dataOffset() + entry.offset()),
                    (int) (header.dataOffset() + entry.offset() + entry.byteSize()));
            if (entry.name().equals("blk.0.attn_q.bias")) {
                assertEquals(GgmlType.F32, entry.ggmlType());
                assertArrayEquals(biasBytes, stored);
                continue;
            }
            HuggingFaceLlama.Tensor t = model.tensor(GgufTensorNames.toHuggingFace("qwen2", entry.name()));
            // No permutation: the stored rows are in Hugging Face order.
            assertArrayEquals(ReferenceEncoding.encode(t.values(), GgufWriterTest.typeOf(t, "q8_0")), stored,
                    entry.name());
        }
    }

    @Test
    void tensorsWrittenFromManyThreadsGiveTheSameFile() throws Exception {
        HuggingFaceLlama model = new HuggingFaceLlama(6);
        List<Path> side = model.writeTokenizer(dir.resolve("hf"));
        Path single = written(model, "q4_0", "tiny.gguf");
        // The same file name: it is the model's general.name.
        Path parallel = Files.createDirectories(dir.resolve("parallel")).resolve("tiny.gguf");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ModelWriter writer = GgufWriterTest.format("q4_0").create(parallel, GgufWriterTest.options(model, side))) {
            List<Future<?>> done = new ArrayList<>();
            for (HuggingFaceLlama.Tensor t : model.tensors) {
                done.add(pool.submit(() -> {
                    int half = t.bf16().length / 2 + 1;
                    writer.writePart(t.info(), half, MemorySegment.ofArray(t.bf16()).asSlice(half));
                    writer.writePart(t.info(), 0, MemorySegment.ofArray(t.bf16()).asSlice(0, half));
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            writer.commit();
        } finally {
            pool.shutdown();
        }
        assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(parallel));
    }

    @Test
    void anUncommittedWriterLeavesNothingAndAnExistingFileIsKept() throws Exception {
        HuggingFaceLlama model = new HuggingFaceLlama(7);
        List<Path> side = model.writeTokenizer(dir.resolve("hf"));
        Path out = dir.resolve("out.gguf");
        try (ModelWriter writer = GgufWriterTest.format("f16").create(out, GgufWriterTest.options(model, side))) {
            writer.write(model.tensors.getFirst().info(), MemorySegment.ofArray(model.tensors.getFirst().bf16()));
            IllegalStateException missing = assertThrows(IllegalStateException.class, writer::commit);
            assertTrue(missing.getMessage().contains("was not written"), missing.getMessage());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of("hf"), files.map(p -> p.getFileName().toString()).toList());
        }
        Files.writeString(out, "mine");
        EvomergeException exists = assertThrows(EvomergeException.class,
                () -> GgufWriterTest.format("f16").create(out, GgufWriterTest.options(model, side)));
        assertEquals(ErrorCategory.CONFIGURATION, exists.category());
        assertEquals(out + ": already exists; choose another output file or allow overwriting it (--allow-overwrite)",
                exists.getMessage());
        assertEquals("mine", Files.readString(out));
    }
}
