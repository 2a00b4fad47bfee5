package org.evomerge.plugins.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A small Llama as a Hugging Face folder holds it: {@code config.json} values, BF16 tensors under Hugging Face names
 * (untied output head, grouped-query attention, an MLP width that is not a whole number of 32-value blocks), and a
 * Llama 3 style byte-level BPE {@code tokenizer.json} with merges, special tokens and a chat template.
 */
final class HuggingFaceLlama {

    static final int HIDDEN = 64;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = HIDDEN / HEADS;
    /** Rows of 80 values: 2.5 blocks of 32, so quantised output types fall back to F16 for the down projection. */
    static final int FFN = 80;
    static final int LAYERS = 2;
    static final int VOCAB = 300;
    static final String BOS = "<|begin_of_text|>";
    static final String EOS = "<|end_of_text|>";
    static final String CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}";
    static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** A tensor: name, shape, values (float32, already rounded to BF16) and the BF16 bytes. */
    record Tensor(String name, long[] shape, float[] values, byte[] bf16) {
        TensorInfo info() {
            return new TensorInfo(name, DType.BF16, Shape.of(shape), "");
        }
    }

    final List<Tensor> tensors = new ArrayList<>();
    final Map<String, Object> config = new LinkedHashMap<>();
    /** Byte-level tokens in id order (the 256 byte characters, then merged ones), before the added tokens. */
    final List<String> tokens = new ArrayList<>();
    final List<String[]> merges = new ArrayList<>();

    HuggingFaceLlama(long seed) {
        config.put("architectures", List.of("LlamaForCausalLM"));
        config.put("model_type", "llama");
        config.put("hidden_size", HIDDEN);
        config.put("intermediate_size", FFN);
        config.put("num_hidden_layers", LAYERS);
        config.put("num_attention_heads", HEADS);
        config.put("num_key_value_heads", KV_HEADS);
        config.put("max_position_embeddings", 4096);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 500000.0);
        config.put("vocab_size", VOCAB);
        // Ids as Llama 3.1 states them: one BOS, a list of EOS ids (which the converter skips: not an int).
        config.put("bos_token_id", 260);
        config.put("eos_token_id", List.of(261, 262));
        config.put("tie_word_embeddings", false);
        config.put("torch_dtype", "bfloat16");

        SplittableRandom random = new SplittableRandom(seed);
        matrix(random, "lm_head.weight", VOCAB, HIDDEN);
        matrix(random, "model.embed_tokens.weight", VOCAB, HIDDEN);
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            vector(random, p + "input_layernorm.weight", HIDDEN);
            matrix(random, p + "mlp.down_proj.weight", HIDDEN, FFN);
            matrix(random, p + "mlp.gate_proj.weight", FFN, HIDDEN);
            matrix(random, p + "mlp.up_proj.weight", FFN, HIDDEN);
            vector(random, p + "post_attention_layernorm.weight", HIDDEN);
            matrix(random, p + "self_attn.k_proj.weight", KV_HEADS * HEAD_DIM, HIDDEN);
            matrix(random, p + "self_attn.o_proj.weight", HIDDEN, HIDDEN);
            matrix(random, p + "self_attn.q_proj.weight", HIDDEN, HIDDEN);
            matrix(random, p + "self_attn.v_proj.weight", KV_HEADS * HEAD_DIM, HIDDEN);
        }
        vector(random, "model.norm.weight", HIDDEN);

        for (int b = 0; b < 256; b++) {
            tokens.add(byteCharacter(b));
        }
        merges.add(new String[] {"\u0120", "t"});
        merges.add(new String[] {"h", "e"});
        merges.add(new String[] {"\u0120t", "he"});
        merges.add(new String[] {"i", "n"});
        for (String[] merge : merges) {
            tokens.add(merge[0] + merge[1]);
        }
    }

    /** GPT-2's printable stand-in for byte {@code b} ({@code bytes_to_unicode}). */
    static String byteCharacter(int b) {
        boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int c = 0; c < b; c++) {
            boolean p = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
            if (!p) {
                n++;
            }
        }
        return String.valueOf((char) (256 + n));
    }

    List<TensorInfo> infos() {
        return tensors.stream().map(Tensor::info).toList();
    }

    Tensor tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    private void vector(SplittableRandom random, String name, int length) {
        add(random, name, new long[] {length}, 1.0);
    }

    private void matrix(SplittableRandom random, String name, int rows, int cols) {
        add(random, name, new long[] {rows, cols}, 0.05);
    }

    private void add(SplittableRandom random, String name, long[] shape, double scale) {
        int count = 1;
        for (long d : shape) {
            count *= (int) d;
        }
        float[] values = new float[count];
        ByteBuffer bytes = ByteBuffer.allocate(count * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            // BF16 values: the top 16 bits of a float32.
            float v = (float) (random.nextGaussian() * scale);
            short bits = (short) (Float.floatToRawIntBits(v) >>> 16);
            values[i] = Float.intBitsToFloat(bits << 16);
            bytes.putShort(bits);
        }
        tensors.add(new Tensor(name, shape, values, bytes.array()));
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code folder}; returns both paths. */
    List<Path> writeTokenizer(Path folder) throws IOException {
        Files.createDirectories(folder);
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.append(i == 0 ? "" : ", ").append(json(tokens.get(i))).append(": ").append(i);
        }
        StringBuilder mergeList = new StringBuilder();
        for (int i = 0; i < merges.size(); i++) {
            mergeList.append(i == 0 ? "" : ", ").append("[").append(json(merges.get(i)[0])).append(", ")
                    .append(json(merges.get(i)[1])).append("]");
        }
        int first = tokens.size();
        String tokenizer = """
                {
                  "version": "1.0",
                  "added_tokens": [
                    {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                    {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                    {"id": %d, "content": "<|eot_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                    {"id": %d, "content": "\u2581user", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false}
                  ],
                  "normalizer": null,
                  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": %s}, "behavior": "Isolated", "invert": false},
                    {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]},
                  "post_processor": {"type": "Sequence", "processors": [
                    {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
                    {"type": "TemplateProcessing",
                     "single": [{"SpecialToken": {"id": "%s", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                     "pair": [{"SpecialToken": {"id": "%s", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                              {"SpecialToken": {"id": "%s", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                     "special_tokens": {}}]},
                  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
                  "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": true,
                            "vocab": {%s},
                            "merges": [%s]}
                }
                """.formatted(first, BOS, first + 1, EOS, first + 2, first + 3, json(LLAMA3_SPLIT), BOS, BOS, BOS,
                vocab, mergeList);
        String tokenizerConfig = """
                {
                  "added_tokens_decoder": {},
                  "bos_token": "%s",
                  "eos_token": "%s",
                  "chat_template": %s,
                  "clean_up_tokenization_spaces": true,
                  "model_max_length": 131072,
                  "tokenizer_class": "PreTrainedTokenizerFast"
                }
                """.formatted(BOS, EOS, json(CHAT_TEMPLATE));
        return List.of(Files.writeString(folder.resolve("tokenizer.json"), tokenizer),
                Files.writeString(folder.resolve("tokenizer_config.json"), tokenizerConfig));
    }

    static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
