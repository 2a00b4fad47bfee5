package org.evomerge.plugins.gguf;

import static org.evomerge.plugins.gguf.GgufTestFile.array;
import static org.evomerge.plugins.gguf.GgufTestFile.bool;
import static org.evomerge.plugins.gguf.GgufTestFile.f32;
import static org.evomerge.plugins.gguf.GgufTestFile.f64;
import static org.evomerge.plugins.gguf.GgufTestFile.i16;
import static org.evomerge.plugins.gguf.GgufTestFile.i32;
import static org.evomerge.plugins.gguf.GgufTestFile.i64;
import static org.evomerge.plugins.gguf.GgufTestFile.i8;
import static org.evomerge.plugins.gguf.GgufTestFile.str;
import static org.evomerge.plugins.gguf.GgufTestFile.u16;
import static org.evomerge.plugins.gguf.GgufTestFile.u32;
import static org.evomerge.plugins.gguf.GgufTestFile.u64;
import static org.evomerge.plugins.gguf.GgufTestFile.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading well-formed GGUF files: metadata, configuration, names, shapes, types, data. */
class GgufFormatTest {

    @TempDir
    Path dir;

    private final ModelFormat format = new GgufFormatFactory().create(null, TestRunContexts.seeded(1));

    private static byte[] bytesOf(Tensor tensor) {
        return tensor.data().toArray(ValueLayout.JAVA_BYTE);
    }

    // ---- recognising --------------------------------------------------------------------------------------------------

    @Test
    void recognisesGgufFilesByTheirMagicOnly() throws Exception {
        Path gguf = GgufSamples.tinyLlama().write(dir.resolve("model.bin"));
        assertTrue(format.recognizes(gguf));
        assertTrue(format.recognizes(Files.write(dir.resolve("just-magic"), "GGUF".getBytes())));
        assertFalse(format.recognizes(Files.write(dir.resolve("short"), "GGU".getBytes())));
        assertFalse(format.recognizes(Files.write(dir.resolve("empty"), new byte[0])));
        assertFalse(format.recognizes(Files.write(dir.resolve("other"), "ggufGGUF".getBytes())));
        assertFalse(format.recognizes(dir));
        assertFalse(format.recognizes(dir.resolve("missing.gguf")));
        assertFalse(format.recognizes(null));
    }

    // ---- tensors ----------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void readsTensorsUnderHuggingFaceNamesWithReversedShapesAndRawBytes(int version) throws Exception {
        Path file = GgufSamples.tinyLlama().version(version).write(dir.resolve("tiny.gguf"));
        int h = GgufSamples.HIDDEN;
        int kv = GgufSamples.KV_HEADS * GgufSamples.HEAD_DIM;
        try (Model model = format.open(file)) {
            assertEquals("gguf", model.formatId());
            assertEquals(file.toAbsolutePath(), model.location().orElseThrow());
            assertEquals(List.of(), model.sideFiles());
            Map<String, TensorInfo> byName = new java.util.LinkedHashMap<>();
            model.tensors().tensors().forEach(t -> byName.put(t.name(), t));
            assertEquals(List.of(
                    "model.embed_tokens.weight",
                    "model.layers.0.input_layernorm.weight",
                    "model.layers.0.self_attn.q_proj.weight",
                    "model.layers.0.self_attn.k_proj.weight",
                    "model.layers.0.self_attn.v_proj.weight",
                    "model.layers.0.self_attn.o_proj.weight",
                    "model.layers.0.post_attention_layernorm.weight",
                    "model.layers.0.mlp.gate_proj.weight",
                    "model.layers.0.mlp.up_proj.weight",
                    "model.layers.0.mlp.down_proj.weight",
                    "model.norm.weight",
                    "lm_head.weight"), List.copyOf(byName.keySet()));
            assertEquals(new TensorInfo("model.embed_tokens.weight", DType.F16, Shape.of(8, h), "tiny.gguf"),
                    byName.get("model.embed_tokens.weight"));
            assertEquals(new TensorInfo("model.layers.0.input_layernorm.weight", DType.F32, Shape.of(h), "tiny.gguf"),
                    byName.get("model.layers.0.input_layernorm.weight"));
            assertEquals(DType.Q8_0, byName.get("model.layers.0.self_attn.q_proj.weight").dtype());
            assertEquals(Shape.of(kv, h), byName.get("model.layers.0.self_attn.k_proj.weight").shape());
            assertEquals(DType.Q4_0, byName.get("model.layers.0.self_attn.k_proj.weight").dtype());
            assertEquals(DType.BF16, byName.get("model.layers.0.self_attn.v_proj.weight").dtype());
            assertEquals(DType.Q4_K, byName.get("model.layers.0.mlp.up_proj.weight").dtype());
            assertEquals(Shape.of(GgufSamples.FFN, h), byName.get("model.layers.0.mlp.up_proj.weight").shape());
            assertEquals(DType.Q6_K, byName.get("model.layers.0.mlp.down_proj.weight").dtype());
            assertEquals(Shape.of(h, GgufSamples.FFN), byName.get("model.layers.0.mlp.down_proj.weight").shape());

            // Tensors that need no reordering are the file's bytes, as they were written.
            assertArrayEquals(GgufSamples.data(9, GgufTestFile.GGML_Q4_K, h, GgufSamples.FFN),
                    bytesOf(model.tensors().tensor("model.layers.0.mlp.up_proj.weight")));
            assertArrayEquals(GgufSamples.data(10, GgufTestFile.GGML_Q6_K, GgufSamples.FFN, h),
                    bytesOf(model.tensors().tensor("model.layers.0.mlp.down_proj.weight")));
            assertArrayEquals(GgufSamples.data(5, GgufTestFile.GGML_BF16, h, kv),
                    bytesOf(model.tensors().tensor("model.layers.0.self_attn.v_proj.weight")));
            for (TensorInfo info : model.tensors().tensors()) {
                Tensor tensor = model.tensors().tensor(info.name());
                assertEquals(info.byteSize(), tensor.data().byteSize(), info.name());
                assertTrue(tensor.data().isReadOnly(), info.name());
            }
            assertEquals("model.norm.weight", model.tensors().find("model.norm.weight").orElseThrow().name());
            assertTrue(model.tensors().find("output_norm.weight").isEmpty());
            assertThrows(NoSuchElementException.class, () -> model.tensors().tensor("output_norm.weight"));
        }
    }

    @Test
    void readsTheConfigurationFromTheMetadata() throws Exception {
        try (Model model = format.open(GgufSamples.tinyLlama().write(dir.resolve("tiny.gguf")))) {
            ModelConfig config = model.config();
            assertEquals(List.of("LlamaForCausalLM"), config.architectures());
            assertEquals("llama", config.modelType());
            assertEquals(1, config.numLayers());
            assertEquals(GgufSamples.HIDDEN, config.hiddenSize());
            assertEquals(GgufSamples.FFN, config.intermediateSize());
            assertEquals(GgufSamples.HEADS, config.numHeads());
            assertEquals(GgufSamples.KV_HEADS, config.numKeyValueHeads());
            assertEquals(GgufSamples.HEAD_DIM, config.headDim());
            assertEquals(GgufSamples.TOKENS.size(), config.vocabSize());
            assertFalse(config.tiedEmbeddings());
            assertEquals(500000.0, config.ropeTheta());
            assertEquals(1e-5, config.rmsNormEps());
            assertEquals(2048, config.maxPositionEmbeddings());
            assertEquals(2048, config.raw().get("max_position_embeddings"), "under its Hugging Face key");
            assertFalse(config.raw().containsKey("general.name"), "metadata without a config.json key stays out");
        }
    }

    @Test
    void statesZeroForWhatTheMetadataDoesNotSayAndDerivesTheRest() throws Exception {
        Path file = new GgufTestFile()
                .meta("general.architecture", str("mistral"))
                .meta("mistral.embedding_length", u32(64))
                .meta("mistral.attention.head_count", u32(8))
                .tensor("token_embd.weight", GgufTestFile.GGML_F32, new long[] {64, 5}, GgufSamples.data(1, GgufTestFile.GGML_F32, 64, 5))
                .write(dir.resolve("m.gguf"));
        try (Model model = format.open(file)) {
            ModelConfig config = model.config();
            assertEquals(List.of("MistralForCausalLM"), config.architectures());
            assertEquals(8, config.numKeyValueHeads());
            assertEquals(8, config.headDim());
            assertEquals(5, config.vocabSize());
            assertTrue(config.tiedEmbeddings());
            assertEquals(0.0, config.ropeTheta());
            assertEquals(0.0, config.rmsNormEps());
            assertEquals(0, config.numLayers());
            assertEquals(0, config.intermediateSize());
            assertEquals(List.of("architectures", "hidden_size", "model_type", "num_attention_heads",
                    "tie_word_embeddings", "vocab_size"), List.copyOf(config.raw().keySet()), "only what is stated");
            assertEquals("model.embed_tokens.weight", model.tensors().tensors().getFirst().name());
        }
    }

    @Test
    void theVocabularySizeIsTheEmbeddingsRowsEvenWhereTheTokenizerHasFewerTokens() throws Exception {
        // Qwen2 pads its embedding past its last token; Hugging Face's vocab_size counts the rows.
        int rows = GgufSamples.TOKENS.size() + 4;
        Path file = GgufSamples.llamaMetadata("qwen2")
                .tensor("token_embd.weight", GgufTestFile.GGML_F32, new long[] {GgufSamples.HIDDEN, rows},
                        GgufSamples.data(1, GgufTestFile.GGML_F32, GgufSamples.HIDDEN, rows))
                .write(dir.resolve("padded.gguf"));
        try (Model model = format.open(file)) {
            assertEquals(rows, model.config().vocabSize());
        }
    }

    @Test
    void mapsRopeScalingAndTheSlidingWindowOntoTheirHuggingFaceKeys() throws Exception {
        Path file = GgufSamples.llamaMetadata("mistral")
                .meta("mistral.rope.scaling.type", str("linear"))
                .meta("mistral.rope.scaling.factor", f32(4f))
                .meta("mistral.rope.scaling.original_context_length", u32(4096))
                .meta("mistral.attention.sliding_window", u32(4096))
                .tensor("token_embd.weight", GgufTestFile.GGML_F32, new long[] {GgufSamples.HIDDEN, 8},
                        GgufSamples.data(1, GgufTestFile.GGML_F32, GgufSamples.HIDDEN, 8))
                .write(dir.resolve("scaled.gguf"));
        try (Model model = format.open(file)) {
            Map<String, Object> raw = model.config().raw();
            assertEquals(Map.of("factor", 4.0, "original_max_position_embeddings", 4096, "rope_type", "linear"),
                    raw.get("rope_scaling"));
            assertEquals(4096, raw.get("sliding_window"));
        }
    }

    /**
     * Phi-3's fused projections, Qwen3's q/k norms and Gemma's four block norms under their Hugging Face names; Gemma's
     * norm weights without the 1 llama.cpp's converter adds; the metadata llama.cpp derives (Phi-3's rotated width,
     * Gemma's attention scale, Gemma 2's soft caps) as config.json keys.
     */
    @Test
    void mapsTheNamesAndSettingsOfPhi3Qwen3AndGemma() throws Exception {
        byte[] f32 = GgufSamples.data(1, GgufTestFile.GGML_F32, 32);
        Path phi = new GgufTestFile()
                .meta("general.architecture", str("phi3"))
                .meta("phi3.embedding_length", u32(64))
                .meta("phi3.attention.head_count", u32(4))
                .meta("phi3.rope.dimension_count", u32(12))
                .tensor("blk.0.attn_qkv.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.0.ffn_up.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.0.ffn_norm.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .write(dir.resolve("phi.gguf"));
        try (Model model = format.open(phi)) {
            assertEquals(List.of("Phi3ForCausalLM"), model.config().architectures());
            assertEquals(0.75, model.config().raw().get("partial_rotary_factor"));
            assertEquals(List.of("model.layers.0.self_attn.qkv_proj.weight", "model.layers.0.mlp.gate_up_proj.weight",
                    "model.layers.0.post_attention_layernorm.weight"),
                    model.tensors().tensors().stream().map(TensorInfo::name).toList());
        }
        Path qwen = new GgufTestFile()
                .meta("general.architecture", str("qwen3"))
                .tensor("blk.1.attn_q_norm.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.1.attn_k_norm.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .write(dir.resolve("qwen.gguf"));
        try (Model model = format.open(qwen)) {
            assertEquals(List.of("Qwen3ForCausalLM"), model.config().architectures());
            assertEquals(List.of("model.layers.1.self_attn.q_norm.weight", "model.layers.1.self_attn.k_norm.weight"),
                    model.tensors().tensors().stream().map(TensorInfo::name).toList());
        }
        Path gemma = new GgufTestFile()
                .meta("general.architecture", str("gemma2"))
                .meta("gemma2.embedding_length", u32(64))
                .meta("gemma2.attention.head_count", u32(4))
                .meta("gemma2.attention.key_length", u32(32))
                .meta("gemma2.block_count", u32(2))
                .meta("gemma2.attn_logit_softcapping", f32(50f))
                .meta("gemma2.final_logit_softcapping", f32(30f))
                .tensor("blk.0.post_attention_norm.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.0.ffn_norm.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.0.post_ffw_norm.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.0.ffn_up.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .write(dir.resolve("gemma.gguf"));
        try (Model model = format.open(gemma)) {
            Map<String, Object> raw = model.config().raw();
            assertEquals(List.of("Gemma2ForCausalLM"), model.config().architectures());
            assertEquals(32, raw.get("query_pre_attn_scalar"));
            assertEquals(50.0, raw.get("attn_logit_softcapping"));
            assertEquals(30.0, raw.get("final_logit_softcapping"));
            assertEquals(List.of("model.layers.0.post_attention_layernorm.weight",
                    "model.layers.0.pre_feedforward_layernorm.weight",
                    "model.layers.0.post_feedforward_layernorm.weight",
                    "model.layers.0.mlp.up_proj.weight"),
                    model.tensors().tensors().stream().map(TensorInfo::name).toList());
            MemorySegment stored = MemorySegment.ofArray(f32);
            MemorySegment norm = model.tensors().tensor("model.layers.0.pre_feedforward_layernorm.weight").data();
            MemorySegment up = model.tensors().tensor("model.layers.0.mlp.up_proj.weight").data();
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < 32; i++) {
                assertEquals(stored.get(le, 4 * i) - 1f, norm.get(le, 4 * i), "norm element " + i);
                assertEquals(stored.get(le, 4 * i), up.get(le, 4 * i), "up element " + i);
            }
        }
    }

    @Test
    void keepsNamesOfOtherArchitecturesAndUnknownNames() throws Exception {
        byte[] f32 = GgufSamples.data(1, GgufTestFile.GGML_F32, 32);
        Path falcon = new GgufTestFile()
                .meta("general.architecture", str("falcon"))
                .tensor("token_embd.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.0.attn_qkv.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .write(dir.resolve("falcon.gguf"));
        try (Model model = format.open(falcon)) {
            assertEquals(List.of("falcon"), model.config().architectures());
            assertEquals(List.of("token_embd.weight", "blk.0.attn_qkv.weight"),
                    model.tensors().tensors().stream().map(TensorInfo::name).toList());
        }
        Path llama = GgufSamples.llamaMetadata("llama")
                .tensor("rope_freqs.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.3.attn_q.bias", GgufTestFile.GGML_F32, new long[] {GgufSamples.HEADS * 2}, GgufSamples.data(2, 0, 8))
                .tensor("blk.3.attn_v.bias", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .tensor("blk.3.ffn_gate_exps.weight", GgufTestFile.GGML_F32, new long[] {32}, f32)
                .write(dir.resolve("llama.gguf"));
        try (Model model = format.open(llama)) {
            assertEquals(List.of("rope_freqs.weight", "model.layers.3.self_attn.q_proj.bias",
                            "model.layers.3.self_attn.v_proj.bias", "blk.3.ffn_gate_exps.weight"),
                    model.tensors().tensors().stream().map(TensorInfo::name).toList());
        }
    }

    @Test
    void readsEveryMetadataValueType() throws Exception {
        Path file = new GgufTestFile()
                .version(2)
                .meta("t.u8", u8(250))
                .meta("t.i8", i8(-5))
                .meta("t.u16", u16(65000))
                .meta("t.i16", i16(-30000))
                .meta("t.u32", u32(4_000_000_000L))
                .meta("t.i32", i32(-2_000_000_000))
                .meta("t.f32", f32(0.1f))
                .meta("t.bool", bool(true))
                .meta("t.string", str("héllo"))
                .meta("t.u64", u64(-1L))
                .meta("t.i64", i64(-9_000_000_000L))
                .meta("t.f64", f64(2.5))
                .meta("t.array", array(GgufTestFile.INT32, List.of(i32(1), i32(-2), i32(3))))
                .meta("t.strings", array(GgufTestFile.STRING, List.of(str("x"), str("y"))))
                .meta("t.nested", array(GgufTestFile.ARRAY, List.of(
                        array(GgufTestFile.UINT8, List.of(u8(1), u8(2))),
                        array(GgufTestFile.STRING, List.of(str("deep"))))))
                .meta("t.long", array(GgufTestFile.FLOAT32, java.util.Collections.nCopies(1000, f32(1f))))
                .meta("t.empty", array(GgufTestFile.UINT64, List.of()))
                .tensor("x", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])
                .write(dir.resolve("types.gguf"));
        Map<String, Object> raw = GgufSamples.metadata(file);
        try (Model model = format.open(file)) {
            assertEquals(250, raw.get("t.u8"));
            assertEquals(-5, raw.get("t.i8"));
            assertEquals(65000, raw.get("t.u16"));
            assertEquals(-30000, raw.get("t.i16"));
            assertEquals(4_000_000_000L, raw.get("t.u32"));
            assertEquals(-2_000_000_000, raw.get("t.i32"));
            assertEquals(0.1f, raw.get("t.f32"));
            assertEquals(true, raw.get("t.bool"));
            assertEquals("héllo", raw.get("t.string"));
            assertEquals(new BigInteger("18446744073709551615"), raw.get("t.u64"));
            assertEquals(-9_000_000_000L, raw.get("t.i64"));
            assertEquals(2.5, raw.get("t.f64"));
            assertEquals(List.of(1, -2, 3), raw.get("t.array"));
            assertEquals(List.of("x", "y"), raw.get("t.strings"));
            assertEquals(2L, raw.get("t.nested.length"));
            assertEquals(1000L, raw.get("t.long.length"));
            assertEquals(List.of(), raw.get("t.empty"));
            assertEquals(List.of(), model.config().architectures());
            assertEquals("", model.config().modelType());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {GgufReader.MAX_KEPT_ARRAY_ITEMS, GgufReader.MAX_KEPT_ARRAY_ITEMS + 1, 1000})
    void readsOnPastStringArraysKeptOrSkipped(int length) throws Exception {
        List<String> items = java.util.stream.IntStream.range(0, length)
                .mapToObj(i -> "t\u00f6k" + "x".repeat(i % 7) + i).toList();
        byte[] data = GgufSamples.randomBytes(3, 64);
        Path file = new GgufTestFile()
                .meta("a.strings", GgufTestFile.strings(items))
                .meta("a.nested", array(GgufTestFile.ARRAY, List.of(GgufTestFile.strings(items), GgufTestFile.strings(items))))
                .meta("a.after", u32(77))
                .tensor("t", GgufTestFile.GGML_F32, new long[] {16}, data)
                .write(dir.resolve("strings.gguf"));
        Map<String, Object> raw = GgufSamples.metadata(file);
        try (Model model = format.open(file)) {
            if (length <= GgufReader.MAX_KEPT_ARRAY_ITEMS) {
                assertEquals(items, raw.get("a.strings"));
            } else {
                assertEquals((long) length, raw.get("a.strings.length"));
            }
            assertEquals(2L, raw.get("a.nested.length"));
            assertEquals(77L, raw.get("a.after"));
            assertArrayEquals(data, bytesOf(model.tensors().tensor("t")));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 64, 4096})
    void honoursTheDeclaredAlignment(long alignment) throws Exception {
        byte[] a = GgufSamples.randomBytes(1, 20);
        byte[] b = GgufSamples.randomBytes(2, 12);
        GgufTestFile.Written written = new GgufTestFile()
                .alignment(alignment)
                .tensor("a", GgufTestFile.GGML_F32, new long[] {5}, a)
                .tensor("b", GgufTestFile.GGML_F16, new long[] {6}, b)
                .build();
        assertEquals(0, written.dataOffset() % alignment);
        try (Model model = format.open(written.writeTo(dir.resolve("aligned.gguf")))) {
            assertArrayEquals(a, bytesOf(model.tensors().tensor("a")));
            assertArrayEquals(b, bytesOf(model.tensors().tensor("b")));
        }
    }

    @Test
    void opensAFileWithoutTensors() throws Exception {
        Path file = new GgufTestFile().meta("general.architecture", str("llama")).write(dir.resolve("empty.gguf"));
        try (Model model = format.open(file)) {
            assertTrue(model.tensors().tensors().isEmpty());
        }
    }

    @Test
    void tensorsCannotBeReadAfterClosing() throws Exception {
        Model model = format.open(GgufSamples.tinyLlama().write(dir.resolve("tiny.gguf")));
        model.close();
        assertThrows(IllegalStateException.class, () -> model.tensors().tensor("model.norm.weight"));
        model.close();
    }

    // ---- quantised data through the compute backend -----------------------------------------------------------------

    @Test
    void quantisedTensorsDecodeThroughTheReferenceBackend() throws Exception {
        // Q8_0: every block has d = 0.125 and q = (e % 255) - 127.
        int n = 256;
        byte[] q8 = new byte[n / 32 * 34];
        for (int b = 0; b < n / 32; b++) {
            q8[b * 34 + 1] = 0x30; // fp16 0x3000 = 0.125
            for (int j = 0; j < 32; j++) {
                q8[b * 34 + 2 + j] = (byte) ((b * 32 + j) % 255 - 127);
            }
        }
        // Q4_0: d = 1; byte j holds element j in its low nibble and element j + 16 in its high nibble.
        byte[] q4 = new byte[n / 32 * 18];
        for (int b = 0; b < n / 32; b++) {
            q4[b * 18 + 1] = 0x3C;
            for (int j = 0; j < 16; j++) {
                q4[b * 18 + 2 + j] = (byte) ((j) | ((15 - j) << 4));
            }
        }
        // Q4_K: d = 1, dmin = 1, all eight scales 1 and mins 0 (packed: bytes 0-3 scales, 4-7 mins, 8-11 low
        // nibbles of scales 4-7); qs byte l of pair p holds l % 16 low and 15 - l % 16 high.
        byte[] q4k = new byte[144];
        q4k[1] = 0x3C;
        q4k[3] = 0x3C;
        for (int j = 0; j < 4; j++) {
            q4k[4 + j] = 1;
            q4k[12 + j] = 1;
        }
        for (int i = 0; i < 128; i++) {
            int l = i % 32;
            q4k[16 + i] = (byte) ((l % 16) | ((15 - l % 16) << 4));
        }
        // Q6_K: d = 1, all scales 1, element e gets q = e % 64, i.e. value e % 64 - 32.
        byte[] q6k = new byte[210];
        q6k[209] = 0x3C;
        for (int s = 0; s < 16; s++) {
            q6k[192 + s] = 1;
        }
        for (int e = 0; e < 256; e++) {
            int q = e % 64;
            int half = e / 128;
            int k = (e % 128) / 32;
            int l = e % 32;
            int ql = 64 * half + l + 32 * (k % 2);
            q6k[ql] |= (byte) ((q & 0xF) << (k < 2 ? 0 : 4));
            q6k[128 + 32 * half + l] |= (byte) ((q >> 4) << (2 * k));
        }
        // Q5_K: Q4_K's block with the fifth bits in qh (bytes 16-47) and the nibbles from byte 48: element e of
        // sub-block s = e / 32 gets nibble l % 16 (low) or 15 - l % 16 (high) and, for odd l, 16 from bit s of qh[l].
        byte[] q5k = new byte[176];
        q5k[1] = 0x3C;
        q5k[3] = 0x3C;
        for (int j = 0; j < 4; j++) {
            q5k[4 + j] = 1;
            q5k[12 + j] = 1;
        }
        for (int l = 1; l < 32; l += 2) {
            q5k[16 + l] = (byte) 0xFF;
        }
        for (int i = 0; i < 128; i++) {
            int l = i % 32;
            q5k[48 + i] = (byte) ((l % 16) | ((15 - l % 16) << 4));
        }
        Path file = new GgufTestFile()
                .meta("general.architecture", str("llama"))
                .tensor("blk.2.ffn_down.weight", GgufTestFile.GGML_Q5_K, new long[] {256}, q5k)
                .tensor("blk.0.ffn_up.weight", GgufTestFile.GGML_Q8_0, new long[] {128, 2}, q8)
                .tensor("blk.0.ffn_gate.weight", GgufTestFile.GGML_Q4_0, new long[] {64, 4}, q4)
                .tensor("blk.0.ffn_down.weight", GgufTestFile.GGML_Q4_K, new long[] {256}, q4k)
                .tensor("blk.1.ffn_down.weight", GgufTestFile.GGML_Q6_K, new long[] {256}, q6k)
                .write(dir.resolve("quant.gguf"));
        ComputeBackend backend = TestRunContexts.seeded(1).compute();
        try (Model model = format.open(file)) {
            float[] out = decode(backend, model.tensors().tensor("model.layers.0.mlp.up_proj.weight"));
            for (int e = 0; e < n; e++) {
                assertEquals(((e % 255) - 127) * 0.125f, out[e], 0f, "Q8_0 element " + e);
            }
            out = decode(backend, model.tensors().tensor("model.layers.0.mlp.gate_proj.weight"));
            for (int e = 0; e < n; e++) {
                int j = e % 32;
                int nibble = j < 16 ? j : 15 - (j - 16);
                assertEquals(nibble - 8f, out[e], 0f, "Q4_0 element " + e);
            }
            out = decode(backend, model.tensors().tensor("model.layers.0.mlp.down_proj.weight"));
            for (int e = 0; e < 256; e++) {
                int w = e % 64;
                float expected = w < 32 ? w % 16 : 15 - (w - 32) % 16;
                assertEquals(expected, out[e], 0f, "Q4_K element " + e);
            }
            out = decode(backend, model.tensors().tensor("model.layers.1.mlp.down_proj.weight"));
            for (int e = 0; e < 256; e++) {
                assertEquals(e % 64 - 32f, out[e], 0f, "Q6_K element " + e);
            }
            assertEquals(DType.Q5_K, model.tensors().find("model.layers.2.mlp.down_proj.weight").orElseThrow().dtype());
            out = decode(backend, model.tensors().tensor("model.layers.2.mlp.down_proj.weight"));
            for (int e = 0; e < 256; e++) {
                int w = e % 64;
                int l = e % 32;
                float expected = (w < 32 ? l % 16 : 15 - l % 16) + (l % 2 == 1 ? 16 : 0);
                assertEquals(expected, out[e], 0f, "Q5_K element " + e);
            }
        }
    }

    private static float[] decode(ComputeBackend backend, Tensor tensor) {
        int count = Math.toIntExact(tensor.info().shape().elementCount());
        float[] out = new float[count];
        backend.codecs().toFloat(tensor.data(), tensor.info().dtype(), out, count);
        return out;
    }

    // ---- errors that are not about corruption -----------------------------------------------------------------------

    @Test
    void namesTheTensorAndTypeEvomergeCannotRead() throws Exception {
        Path file = new GgufTestFile()
                .tensor("blk.0.ffn_up.weight", GgufTestFile.GGML_Q2_K, new long[] {256, 2}, new byte[2 * 84])
                .write(dir.resolve("q2k.gguf"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(file));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(file + ": tensor 'blk.0.ffn_up.weight' has ggml type 10 (Q2_K), which evomerge cannot read; "
                + "supported: F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16", e.getMessage());
    }

    @Test
    void missingFilesAndFoldersAreInputErrors() {
        EvomergeException missing = assertThrows(EvomergeException.class, () -> format.open(dir.resolve("nope.gguf")));
        assertEquals(ErrorCategory.INPUT, missing.category());
        assertEquals(dir.resolve("nope.gguf") + ": does not exist", missing.getMessage());
        EvomergeException folder = assertThrows(EvomergeException.class, () -> format.open(dir));
        assertEquals(ErrorCategory.INPUT, folder.category());
        assertTrue(folder.getMessage().startsWith(dir + ": "), folder.getMessage());
    }

    @Test
    void dataIsAViewOfTheMappedFile() throws Exception {
        try (Model model = format.open(GgufSamples.tinyLlama().write(dir.resolve("tiny.gguf")))) {
            MemorySegment a = model.tensors().tensor("model.norm.weight").data();
            assertTrue(a.isMapped() || a.isNative(), "tensor data should be mapped, not copied to the heap");
        }
    }
}
