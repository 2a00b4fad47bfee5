package org.evomerge.plugins.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GGUF files written from a Hugging Face Llama are, byte for byte, what llama.cpp's converter lays out through gguf-py
 * for the same folder ({@link GgufPyWriter} with the converter's calls, in its order, written out below), and read back
 * bit for bit: every tensor in every output type, written in parts cut anywhere and in any order.
 */
class GgufWriterTest {

    private static final int BF16 = 30;
    private static final int Q4_0 = 2;

    @TempDir
    Path dir;

    static ModelFormat format(String outType) {
        return new GgufFormatFactory().create(new Parameters(Map.of(GgufFormatFactory.OUT_TYPE, outType)),
                TestRunContexts.seeded(1));
    }

    static WriteOptions options(HuggingFaceLlama model, List<Path> sideFiles) {
        ModelConfig config = ModelConfig.of(model.config);
        return new WriteOptions(model.infos(), config, WriteOptions.DEFAULT_SHARD_BYTES, false,
                Map.of("evomerge.version", "test", "evomerge.merge_method", "linear@1.0.0"), sideFiles);
    }

    /** Writes every tensor in parts cut at random byte positions, tensors and parts in a shuffled order. */
    static void writeInParts(ModelWriter writer, HuggingFaceLlama model, long seed) {
        Random random = new Random(seed);
        List<HuggingFaceLlama.Tensor> order = new ArrayList<>(model.tensors);
        Collections.shuffle(order, random);
        for (HuggingFaceLlama.Tensor t : order) {
            int size = t.bf16().length;
            List<Integer> cuts = new ArrayList<>(List.of(0, size));
            for (int i = 0; i < 5; i++) {
                cuts.add(random.nextInt(size + 1));
            }
            List<Integer> sorted = cuts.stream().distinct().sorted().toList();
            List<int[]> parts = new ArrayList<>();
            for (int i = 1; i < sorted.size(); i++) {
                parts.add(new int[] {sorted.get(i - 1), sorted.get(i)});
            }
            Collections.shuffle(parts, random);
            for (int[] part : parts) {
                writer.writePart(t.info(), part[0], MemorySegment.ofArray(t.bf16()).asSlice(part[0], part[1] - part[0]));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0"})
    void writesTheBytesLlamaCppsConverterWrites(String outType) throws Exception {
        HuggingFaceLlama model = new HuggingFaceLlama(7);
        List<Path> sideFiles = model.writeTokenizer(dir.resolve("hf"));
        Path out = dir.resolve("tiny.gguf");
        try (ModelWriter writer = format(outType).create(out, options(model, sideFiles))) {
            writeInParts(writer, model, 11);
            writer.commit();
        }
        assertSameBytes(expectedFile(model, outType), Files.readAllBytes(out));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("hf", "tiny.gguf"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "nothing but the file is left");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0"})
    void readsBackEveryTensorBitForBit(String outType) throws Exception {
        HuggingFaceLlama model = new HuggingFaceLlama(8);
        Path out = dir.resolve("tiny.gguf");
        try (ModelWriter writer = format(outType).create(out, options(model, model.writeTokenizer(dir.resolve("hf"))))) {
            for (HuggingFaceLlama.Tensor t : model.tensors) {
                writer.write(t.info(), MemorySegment.ofArray(t.bf16()));
            }
            writer.commit();
        }
        try (Model read = format(outType).open(out)) {
            assertEquals(model.tensors.size(), read.tensors().tensors().size());
            for (HuggingFaceLlama.Tensor t : model.tensors) {
                int type = typeOf(t, outType);
                byte[] expected = ReferenceEncoding.encode(t.values(), type);
                TensorInfo info = read.tensors().find(t.name()).orElseThrow();
                assertEquals(org.evomerge.api.tensor.Shape.of(t.shape()), info.shape(), t.name());
                byte[] actual = read.tensors().tensor(t.name()).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                assertArrayEquals(expected, actual, t.name() + " as " + type);
            }
        }
    }

    /** The type the converter gives a tensor: F32 for vectors, the output type for matrices, F16 for odd rows. */
    static int typeOf(HuggingFaceLlama.Tensor t, String outType) {
        if (t.shape().length == 1) {
            return GgufPyWriter.GGML_F32;
        }
        int type = switch (outType) {
            case "f32" -> GgufPyWriter.GGML_F32;
            case "f16", "auto" -> GgufPyWriter.GGML_F16;
            case "bf16" -> BF16;
            case "q8_0" -> GgufPyWriter.GGML_Q8_0;
            case "q4_0" -> Q4_0;
            default -> throw new IllegalArgumentException(outType);
        };
        boolean quantised = type == GgufPyWriter.GGML_Q8_0 || type == Q4_0;
        return quantised && t.shape()[t.shape().length - 1] % 32 != 0 ? GgufPyWriter.GGML_F16 : type;
    }

    /**
     * What {@code convert_hf_to_gguf.py --outtype OUT} writes for the model: {@code ModelBase.prepare_tensors} (tensors
     * in the safetensors file's order, q and k permuted), then {@code prepare_metadata}: {@code general.type}, the
     * model card's {@code general.*}, {@code TextModel.set_gguf_parameters} with {@code LlamaModel}'s additions, the
     * quantisation version, and {@code set_vocab} ({@code _set_vocab_gpt2}: tokens, types, then {@code SpecialVocab}'s
     * merges, ids, add_bos from the template post-processor, the chat template); evomerge's provenance last.
     */
    static byte[] expectedFile(HuggingFaceLlama model, String outType) throws Exception {
        int fileType = switch (outType) {
            case "f32" -> 0;
            case "f16" -> 1;
            case "bf16" -> 32;
            case "q8_0" -> 7;
            case "q4_0" -> 2;
            default -> throw new IllegalArgumentException(outType);
        };
        GgufPyWriter w = new GgufPyWriter("llama");
        w.addString("general.type", "model");
        w.addString("general.name", "Tiny");
        // 2 x 300 x 64 embeddings and head, 2 layers of 27,776, a final norm of 64: 94,016 parameters.
        w.addString("general.size_label", "94K");
        w.addUint32("llama.block_count", HuggingFaceLlama.LAYERS);
        w.addUint32("llama.context_length", 4096);
        w.addUint32("llama.embedding_length", HuggingFaceLlama.HIDDEN);
        w.addUint32("llama.feed_forward_length", HuggingFaceLlama.FFN);
        w.addUint32("llama.attention.head_count", HuggingFaceLlama.HEADS);
        w.addUint32("llama.attention.head_count_kv", HuggingFaceLlama.KV_HEADS);
        w.addFloat32("llama.rope.freq_base", 500000.0f);
        w.addFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.addUint32("llama.attention.key_length", HuggingFaceLlama.HEAD_DIM);
        w.addUint32("llama.attention.value_length", HuggingFaceLlama.HEAD_DIM);
        w.addUint32("general.file_type", fileType);
        w.addUint32("llama.vocab_size", HuggingFaceLlama.VOCAB);
        w.addUint32("llama.rope.dimension_count", HuggingFaceLlama.HEAD_DIM);
        w.addUint32("general.quantization_version", 2);
        List<String> tokens = new ArrayList<>(model.tokens);
        List<Integer> types = new ArrayList<>(Collections.nCopies(tokens.size(), 1));
        tokens.addAll(List.of(HuggingFaceLlama.BOS, HuggingFaceLlama.EOS, "<|eot_id|>", " user"));
        types.addAll(List.of(3, 3, 3, 4));
        for (int i = tokens.size(); i < HuggingFaceLlama.VOCAB; i++) {
            tokens.add("[PAD" + i + "]");
            types.add(5);
        }
        w.addString("tokenizer.ggml.model", "gpt2");
        w.addString("tokenizer.ggml.pre", "llama-bpe");
        w.addArray("tokenizer.ggml.tokens", tokens);
        w.addArray("tokenizer.ggml.token_type", types);
        w.addArray("tokenizer.ggml.merges", model.merges.stream().map(m -> m[0] + " " + m[1]).toList());
        w.addUint32("tokenizer.ggml.bos_token_id", 260);
        w.addUint32("tokenizer.ggml.eos_token_id", 261);
        w.addBool("tokenizer.ggml.add_bos_token", true);
        w.addString("tokenizer.chat_template", HuggingFaceLlama.CHAT_TEMPLATE);
        w.addString("evomerge.merge_method", "linear@1.0.0");
        w.addString("evomerge.version", "test");

        List<HuggingFaceLlama.Tensor> sorted = new ArrayList<>(model.tensors);
        sorted.sort(Comparator.comparing(HuggingFaceLlama.Tensor::name));
        for (HuggingFaceLlama.Tensor t : sorted) {
            int type = typeOf(t, outType);
            byte[] data = ReferenceEncoding.encode(t.values(), type);
            if (t.name().endsWith("q_proj.weight")) {
                data = ConvertedLlama.permuteRows(data, (int) t.shape()[0], HuggingFaceLlama.HEADS);
            } else if (t.name().endsWith("k_proj.weight")) {
                data = ConvertedLlama.permuteRows(data, (int) t.shape()[0], HuggingFaceLlama.KV_HEADS);
            }
            w.addTensor(ggufName(t.name()), t.shape(), type, data);
        }
        Path file = Files.createTempFile("expected", ".gguf");
        try {
            w.write(file);
            return Files.readAllBytes(file);
        } finally {
            Files.delete(file);
        }
    }

    /** llama.cpp's names, written out for the tensors of the fixture. */
    static String ggufName(String hf) {
        return switch (hf) {
            case "lm_head.weight" -> "output.weight";
            case "model.embed_tokens.weight" -> "token_embd.weight";
            case "model.norm.weight" -> "output_norm.weight";
            default -> {
                String[] p = hf.split("\\.");
                String part = switch (p[3] + "." + p[4]) {
                    case "input_layernorm.weight" -> "attn_norm";
                    case "post_attention_layernorm.weight" -> "ffn_norm";
                    case "mlp.down_proj" -> "ffn_down";
                    case "mlp.gate_proj" -> "ffn_gate";
                    case "mlp.up_proj" -> "ffn_up";
                    case "self_attn.q_proj" -> "attn_q";
                    case "self_attn.k_proj" -> "attn_k";
                    case "self_attn.v_proj" -> "attn_v";
                    case "self_attn.o_proj" -> "attn_output";
                    default -> throw new IllegalArgumentException(hf);
                };
                yield "blk." + p[2] + "." + part + ".weight";
            }
        };
    }

    static void assertSameBytes(byte[] expected, byte[] actual) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                fail("first difference at byte " + i + " of " + expected.length + ": expected " + expected[i]
                        + ", got " + actual[i]);
            }
        }
        assertEquals(expected.length, actual.length, "file length");
    }
}
