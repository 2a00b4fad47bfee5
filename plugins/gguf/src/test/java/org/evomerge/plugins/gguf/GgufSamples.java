package org.evomerge.plugins.gguf;

import static org.evomerge.plugins.gguf.GgufTestFile.f32;
import static org.evomerge.plugins.gguf.GgufTestFile.str;
import static org.evomerge.plugins.gguf.GgufTestFile.strings;
import static org.evomerge.plugins.gguf.GgufTestFile.u32;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small GGUF models for tests. */
final class GgufSamples {

    static final int HIDDEN = 256;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = HIDDEN / HEADS;
    static final int FFN = 512;
    static final List<String> TOKENS = List.of("<unk>", "<s>", "</s>", "a", "b", "c", "d", "e");

    private GgufSamples() {
    }

    static byte[] randomBytes(long seed, long length) {
        byte[] bytes = new byte[Math.toIntExact(length)];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    /** Bytes per row of {@code ne0} values of a ggml type, from the block layouts. */
    static long bytes(int ggmlType, long elements) {
        return switch (ggmlType) {
            case GgufTestFile.GGML_F32 -> elements * 4;
            case GgufTestFile.GGML_F16, GgufTestFile.GGML_BF16 -> elements * 2;
            case GgufTestFile.GGML_Q8_0 -> elements / 32 * 34;
            case GgufTestFile.GGML_Q4_0 -> elements / 32 * 18;
            case GgufTestFile.GGML_Q4_K -> elements / 256 * 144;
            case GgufTestFile.GGML_Q6_K -> elements / 256 * 210;
            default -> throw new IllegalArgumentException("type " + ggmlType);
        };
    }

    /** Random data of the right size for a tensor. */
    static byte[] data(long seed, int ggmlType, long... ne) {
        long elements = 1;
        for (long d : ne) {
            elements *= d;
        }
        return randomBytes(seed, bytes(ggmlType, elements));
    }

    /**
     * The metadata of {@code file} as the reader keeps it: scalars as they are, short arrays as their items, long
     * arrays (a vocabulary) as their length under {@code key.length}.
     */
    static Map<String, Object> metadata(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            Map<String, Object> metadata = new LinkedHashMap<>();
            GgufReader.read(file, mapped).metadata().forEach((key, value) -> {
                if (value instanceof GgufArray array) {
                    if (array.itemsKept()) {
                        metadata.put(key, array.items());
                    } else {
                        metadata.put(key + ".length", array.length());
                    }
                } else {
                    metadata.put(key, value);
                }
            });
            return metadata;
        }
    }

    /** Llama-family metadata with the sample's hyperparameters. */
    static GgufTestFile llamaMetadata(String architecture) {
        return new GgufTestFile()
                .meta("general.architecture", str(architecture))
                .meta("general.name", str("tiny"))
                .meta(architecture + ".block_count", u32(1))
                .meta(architecture + ".context_length", u32(2048))
                .meta(architecture + ".embedding_length", u32(HIDDEN))
                .meta(architecture + ".feed_forward_length", u32(FFN))
                .meta(architecture + ".attention.head_count", u32(HEADS))
                .meta(architecture + ".attention.head_count_kv", u32(KV_HEADS))
                .meta(architecture + ".rope.freq_base", f32(500000f))
                .meta(architecture + ".attention.layer_norm_rms_epsilon", f32(1e-5f))
                .meta("tokenizer.ggml.model", str("llama"))
                .meta("tokenizer.ggml.tokens", strings(TOKENS));
    }

    /** One Llama block with every readable tensor type, untied output head. */
    static GgufTestFile tinyLlama() {
        return llamaMetadata("llama")
                .tensor("token_embd.weight", GgufTestFile.GGML_F16, new long[] {HIDDEN, TOKENS.size()},
                        data(1, GgufTestFile.GGML_F16, HIDDEN, TOKENS.size()))
                .tensor("blk.0.attn_norm.weight", GgufTestFile.GGML_F32, new long[] {HIDDEN},
                        data(2, GgufTestFile.GGML_F32, HIDDEN))
                .tensor("blk.0.attn_q.weight", GgufTestFile.GGML_Q8_0, new long[] {HIDDEN, HIDDEN},
                        data(3, GgufTestFile.GGML_Q8_0, HIDDEN, HIDDEN))
                .tensor("blk.0.attn_k.weight", GgufTestFile.GGML_Q4_0, new long[] {HIDDEN, KV_HEADS * HEAD_DIM},
                        data(4, GgufTestFile.GGML_Q4_0, HIDDEN, KV_HEADS * HEAD_DIM))
                .tensor("blk.0.attn_v.weight", GgufTestFile.GGML_BF16, new long[] {HIDDEN, KV_HEADS * HEAD_DIM},
                        data(5, GgufTestFile.GGML_BF16, HIDDEN, KV_HEADS * HEAD_DIM))
                .tensor("blk.0.attn_output.weight", GgufTestFile.GGML_F16, new long[] {HIDDEN, HIDDEN},
                        data(6, GgufTestFile.GGML_F16, HIDDEN, HIDDEN))
                .tensor("blk.0.ffn_norm.weight", GgufTestFile.GGML_F32, new long[] {HIDDEN},
                        data(7, GgufTestFile.GGML_F32, HIDDEN))
                .tensor("blk.0.ffn_gate.weight", GgufTestFile.GGML_Q4_K, new long[] {HIDDEN, FFN},
                        data(8, GgufTestFile.GGML_Q4_K, HIDDEN, FFN))
                .tensor("blk.0.ffn_up.weight", GgufTestFile.GGML_Q4_K, new long[] {HIDDEN, FFN},
                        data(9, GgufTestFile.GGML_Q4_K, HIDDEN, FFN))
                .tensor("blk.0.ffn_down.weight", GgufTestFile.GGML_Q6_K, new long[] {FFN, HIDDEN},
                        data(10, GgufTestFile.GGML_Q6_K, FFN, HIDDEN))
                .tensor("output_norm.weight", GgufTestFile.GGML_F32, new long[] {HIDDEN},
                        data(11, GgufTestFile.GGML_F32, HIDDEN))
                .tensor("output.weight", GgufTestFile.GGML_Q8_0, new long[] {HIDDEN, TOKENS.size()},
                        data(12, GgufTestFile.GGML_Q8_0, HIDDEN, TOKENS.size()));
    }
}
