package org.evomerge.plugins.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files laid out as llama.cpp's converter writes them ({@link GgufPyWriter}, {@link ConvertedLlama}), with
 * vocabularies of real size: 32,000 SentencePiece pieces with scores and token types, 128,256 byte-level BPE tokens
 * with Llama 3's 280,147 merges. Everything the reader keeps is checked, read both by the reader and through the
 * format, as {@code evomerge inspect} reads it; the values after the tokenizer's arrays, and the tensor data after
 * the header, are only where they are expected if every array was skipped by exactly its size.
 */
class ConvertedLlamaGgufTest {

    @TempDir
    Path dir;

    private final ModelFormat format = new GgufFormatFactory().create(null, TestRunContexts.seeded(1));
    private final ComputeBackend backend = TestRunContexts.seeded(1).compute();

    @Test
    void readsALlama2WithASentencePieceVocabularyOf32000PiecesAndEveryValueType() throws Exception {
        ConvertedLlama model = ConvertedLlama.llama2(32_000);
        List<List<String>> longNestedStrings = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            List<String> inner = new ArrayList<>();
            for (int j = 0; j < 100; j++) {
                inner.add("s" + i + "." + j);
            }
            longNestedStrings.add(inner);
        }
        model.writer()
                .addUint8("test.u8", 250)
                .addInt8("test.i8", -5)
                .addUint16("test.u16", 65000)
                .addInt16("test.i16", -30000)
                .addUint32("test.u32", 4_000_000_000L)
                .addInt32("test.i32", -2_000_000_000)
                .addFloat32("test.f32", 0.1f)
                .addBool("test.bool", true)
                .addString("test.string", "h\u00e9llo")
                .addString("test.empty_string", "")
                .addUint64("test.u64", new BigInteger("18446744073709551615"))
                .addInt64("test.i64", -9_000_000_000L)
                .addFloat64("test.f64", 2.5)
                .addArray("test.floats", List.of(0.5f, -1.25))
                .addArray("test.bools", List.of(true, false, true))
                .addArray("test.bytes", new byte[] {0, 1, (byte) 0xFF})
                .addArray("test.empty_array", List.of())
                .addArray("test.nested", List.of(List.of(1, 2), List.of(3)))
                .addArray("test.nested_strings", longNestedStrings)
                .addUint32("test.after_everything", 123_456_789L);
        Path file = dir.resolve("llama-2.gguf");
        GgufPyWriter.Layout layout = model.writer().write(file);

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("general.architecture", "llama");
        expected.put("general.type", "model");
        expected.put("general.name", "Llama 2 7b Chat Hf");
        expected.put("general.finetune", "chat-hf");
        expected.put("general.basename", "Llama-2");
        expected.put("general.size_label", "7B");
        expected.put("general.license", "llama2");
        expected.put("general.tags", List.of("facebook", "meta", "pytorch", "llama", "llama-2", "text-generation"));
        expected.put("general.languages", List.of("en"));
        expected.put("llama.block_count", 2L);
        expected.put("llama.context_length", 4096L);
        expected.put("llama.embedding_length", 64L);
        expected.put("llama.feed_forward_length", 128L);
        expected.put("llama.attention.head_count", 4L);
        expected.put("llama.attention.head_count_kv", 2L);
        expected.put("llama.rope.freq_base", 10000f);
        expected.put("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        expected.put("general.file_type", 7L);
        expected.put("llama.vocab_size", 32000L);
        expected.put("llama.rope.dimension_count", 16L);
        expected.put("tokenizer.ggml.model", "llama");
        expected.put("tokenizer.ggml.pre", "default");
        expected.put("tokenizer.ggml.tokens.length", 32000L);
        expected.put("tokenizer.ggml.scores.length", 32000L);
        expected.put("tokenizer.ggml.token_type.length", 32000L);
        expected.put("tokenizer.ggml.bos_token_id", 1L);
        expected.put("tokenizer.ggml.eos_token_id", 2L);
        expected.put("tokenizer.ggml.unknown_token_id", 0L);
        expected.put("tokenizer.ggml.padding_token_id", 0L);
        expected.put("tokenizer.ggml.add_bos_token", true);
        expected.put("tokenizer.ggml.add_eos_token", false);
        expected.put("tokenizer.chat_template", ConvertedLlama.LLAMA2_CHAT_TEMPLATE);
        expected.put("general.quantization_version", 2L);
        expected.put("test.u8", 250);
        expected.put("test.i8", -5);
        expected.put("test.u16", 65000);
        expected.put("test.i16", -30000);
        expected.put("test.u32", 4_000_000_000L);
        expected.put("test.i32", -2_000_000_000);
        expected.put("test.f32", 0.1f);
        expected.put("test.bool", true);
        expected.put("test.string", "h\u00e9llo");
        expected.put("test.u64", new BigInteger("18446744073709551615"));
        expected.put("test.i64", -9_000_000_000L);
        expected.put("test.f64", 2.5);
        expected.put("test.floats", List.of(0.5f, -1.25f));
        expected.put("test.bools", List.of(true, false, true));
        expected.put("test.bytes", List.of(0, 1, 255));
        expected.put("test.nested.length", 2L);
        expected.put("test.nested_strings.length", 70L);
        expected.put("test.after_everything", 123_456_789L);

        assertHeader(file, model, layout);
        Map<String, Object> metadata = GgufSamples.metadata(file);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(metadata.keySet()));
        assertEquals(expected, metadata);

        // The config.json of meta-llama/Llama-2-7b-chat-hf at this size, less what the metadata does not state
        // (hidden_act, initializer_range, pretraining_tp, rope_scaling: null, torch_dtype, transformers_version,
        // use_cache), in transformers' key order.
        Map<String, Object> hfConfig = new LinkedHashMap<>();
        hfConfig.put("architectures", List.of("LlamaForCausalLM"));
        hfConfig.put("bos_token_id", 1);
        hfConfig.put("eos_token_id", 2);
        hfConfig.put("hidden_size", 64);
        hfConfig.put("intermediate_size", 128);
        hfConfig.put("max_position_embeddings", 4096);
        hfConfig.put("model_type", "llama");
        hfConfig.put("num_attention_heads", 4);
        hfConfig.put("num_hidden_layers", 2);
        hfConfig.put("num_key_value_heads", 2);
        hfConfig.put("rms_norm_eps", 1e-5);
        hfConfig.put("rope_theta", 10000.0);
        hfConfig.put("tie_word_embeddings", false);
        hfConfig.put("vocab_size", 32000);
        try (Model opened = format.open(file)) {
            ModelConfig config = opened.config();
            assertEquals(List.copyOf(hfConfig.keySet()), List.copyOf(config.raw().keySet()));
            assertEquals(hfConfig, config.raw());
            assertEquals(List.of("LlamaForCausalLM"), config.architectures());
            assertEquals("llama", config.modelType());
            assertEquals(2, config.numLayers());
            assertEquals(64, config.hiddenSize());
            assertEquals(128, config.intermediateSize());
            assertEquals(4, config.numHeads());
            assertEquals(2, config.numKeyValueHeads());
            assertEquals(16, config.headDim());
            assertEquals(32_000, config.vocabSize());
            assertFalse(config.tiedEmbeddings());
            assertEquals(10000.0, config.ropeTheta());
            assertEquals(1e-5, config.rmsNormEps());
            assertTensors(opened, model, "llama-2.gguf");

            // Q8_0 decodes to the converter's values within half a step d = max|x| / 127 of each block, plus what
            // storing d as float16 moves the largest code, 127.
            ConvertedLlama.Tensor embedding = model.tensors().get(1);
            float[] decoded = decode(opened.tensors().tensor("model.embed_tokens.weight"));
            for (int block = 0; block < decoded.length; block += 32) {
                float max = 0;
                for (int k = 0; k < 32; k++) {
                    max = Math.max(max, Math.abs(embedding.values()[block + k]));
                }
                float d = max / 127;
                float tolerance = d / 2 + 127 * Math.abs(Float.float16ToFloat(Float.floatToFloat16(d)) - d) + 1e-7f;
                for (int k = 0; k < 32; k++) {
                    int i = block + k;
                    if (!(Math.abs(decoded[i] - embedding.values()[i]) <= tolerance)) {
                        fail("embedding value " + i + ": " + decoded[i] + " for " + embedding.values()[i]
                                + ", more than " + tolerance + " off");
                    }
                }
            }
        }
    }

    @Test
    void readsALlama3WithABpeVocabularyOf128256TokensAndItsMerges() throws Exception {
        ConvertedLlama model = ConvertedLlama.llama3(128_256, 280_147);
        Path file = dir.resolve("llama-3.gguf");
        GgufPyWriter.Layout layout = model.writer().write(file);

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("general.architecture", "llama");
        expected.put("general.type", "model");
        expected.put("general.name", "Llama 3.2 1B Instruct");
        expected.put("general.finetune", "Instruct");
        expected.put("general.basename", "Llama-3.2");
        expected.put("general.size_label", "1B");
        expected.put("general.license", "llama3.2");
        expected.put("general.tags", List.of("facebook", "meta", "pytorch", "llama", "llama-3", "text-generation"));
        expected.put("general.languages", List.of("en", "de", "fr", "it", "pt", "hi", "es", "th"));
        expected.put("llama.block_count", 2L);
        expected.put("llama.context_length", 131072L);
        expected.put("llama.embedding_length", 64L);
        expected.put("llama.feed_forward_length", 128L);
        expected.put("llama.attention.head_count", 4L);
        expected.put("llama.attention.head_count_kv", 2L);
        expected.put("llama.rope.freq_base", 500000f);
        expected.put("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        expected.put("llama.attention.key_length", 16L);
        expected.put("llama.attention.value_length", 16L);
        expected.put("general.file_type", 1L);
        expected.put("llama.vocab_size", 128256L);
        expected.put("llama.rope.dimension_count", 16L);
        expected.put("tokenizer.ggml.model", "gpt2");
        expected.put("tokenizer.ggml.pre", "llama-bpe");
        expected.put("tokenizer.ggml.tokens.length", 128256L);
        expected.put("tokenizer.ggml.token_type.length", 128256L);
        expected.put("tokenizer.ggml.merges.length", 280147L);
        expected.put("tokenizer.ggml.bos_token_id", 128000L);
        expected.put("tokenizer.ggml.eos_token_id", 128009L);
        expected.put("tokenizer.chat_template", ConvertedLlama.LLAMA3_CHAT_TEMPLATE);
        expected.put("general.quantization_version", 2L);

        assertHeader(file, model, layout);
        Map<String, Object> metadata = GgufSamples.metadata(file);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(metadata.keySet()));
        assertEquals(expected, metadata);

        // meta-llama/Llama-3.2-1B-Instruct's config.json at this size, less what the metadata does not state; its
        // rope_scaling (llama3) the converter turned into the rope_freqs.weight tensor.
        Map<String, Object> hfConfig = new LinkedHashMap<>();
        hfConfig.put("architectures", List.of("LlamaForCausalLM"));
        hfConfig.put("bos_token_id", 128000);
        hfConfig.put("eos_token_id", 128009);
        hfConfig.put("head_dim", 16);
        hfConfig.put("hidden_size", 64);
        hfConfig.put("intermediate_size", 128);
        hfConfig.put("max_position_embeddings", 131072);
        hfConfig.put("model_type", "llama");
        hfConfig.put("num_attention_heads", 4);
        hfConfig.put("num_hidden_layers", 2);
        hfConfig.put("num_key_value_heads", 2);
        hfConfig.put("rms_norm_eps", 1e-5);
        hfConfig.put("rope_theta", 500000.0);
        hfConfig.put("tie_word_embeddings", true);
        hfConfig.put("vocab_size", 128256);
        try (Model opened = format.open(file)) {
            ModelConfig config = opened.config();
            assertEquals(List.copyOf(hfConfig.keySet()), List.copyOf(config.raw().keySet()));
            assertEquals(hfConfig, config.raw());
            assertEquals(128_256, config.vocabSize());
            assertEquals(16, config.headDim());
            assertTrue(config.tiedEmbeddings());
            assertEquals(500000.0, config.ropeTheta());
            assertTensors(opened, model, "llama-3.gguf");

            // F16 decodes exactly to the converter's values rounded to half precision.
            ConvertedLlama.Tensor embedding = model.tensors().get(1);
            float[] rounded = new float[embedding.values().length];
            for (int i = 0; i < rounded.length; i++) {
                rounded[i] = Float.float16ToFloat(Float.floatToFloat16(embedding.values()[i]));
            }
            assertArrayEquals(rounded, decode(opened.tensors().tensor("model.embed_tokens.weight")));
        }
    }

    /** The reader's view: version, alignment, where the data section and every tensor start, and the file's end. */
    private static void assertHeader(Path file, ConvertedLlama model, GgufPyWriter.Layout layout) throws Exception {
        assertEquals(layout.fileSize(), Files.size(file));
        assertEquals(0, layout.fileSize() % 32, "gguf-py pads after the last tensor too");
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufHeader header = GgufReader.read(file, mapped);
            assertEquals(3, header.version());
            assertEquals(32, header.alignment());
            assertEquals(layout.dataOffset(), header.dataOffset());
            assertEquals(model.tensors().size(), header.tensors().size());
            for (int i = 0; i < header.tensors().size(); i++) {
                GgufTensorEntry entry = header.tensors().get(i);
                ConvertedLlama.Tensor written = model.tensors().get(i);
                assertEquals(written.ggufName(), entry.name());
                assertEquals(layout.tensorOffsets().get(i), entry.offset(), entry.name());
                assertEquals(written.hfBytes().length, entry.byteSize(), entry.name());
            }
        }
    }

    /** Every tensor under its Hugging Face name, in file order, with its type, shape and Hugging Face-order bytes. */
    private static void assertTensors(Model opened, ConvertedLlama model, String fileName) {
        List<String> names = opened.tensors().tensors().stream().map(TensorInfo::name).toList();
        assertEquals(model.tensors().stream().map(ConvertedLlama.Tensor::hfName).toList(), names);
        for (ConvertedLlama.Tensor written : model.tensors()) {
            DType dtype = switch (written.ggmlType()) {
                case GgufPyWriter.GGML_F32 -> DType.F32;
                case GgufPyWriter.GGML_F16 -> DType.F16;
                case GgufPyWriter.GGML_Q8_0 -> DType.Q8_0;
                default -> throw new IllegalStateException("type " + written.ggmlType());
            };
            assertEquals(new TensorInfo(written.hfName(), dtype, Shape.of(written.shape()), fileName),
                    opened.tensors().find(written.hfName()).orElseThrow());
            Tensor tensor = opened.tensors().tensor(written.hfName());
            assertArrayEquals(written.hfBytes(), tensor.data().toArray(ValueLayout.JAVA_BYTE), written.hfName());
        }
    }

    private float[] decode(Tensor tensor) {
        int count = Math.toIntExact(tensor.info().shape().elementCount());
        float[] out = new float[count];
        backend.codecs().toFloat(tensor.data(), tensor.info().dtype(), out, count);
        return out;
    }
}
