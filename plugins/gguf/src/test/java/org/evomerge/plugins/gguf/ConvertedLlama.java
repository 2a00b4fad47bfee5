package org.evomerge.plugins.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small Llama model as llama.cpp's {@code convert_hf_to_gguf.py} ({@code LlamaModel}) writes it through gguf-py, with
 * a vocabulary of real size: the key/value pairs in the order and with the types the converter gives them
 * ({@code Model.prepare_metadata}: {@code general.type}, the model card's {@code general.*}, then
 * {@code set_gguf_parameters}, {@code set_vocab} with {@code SpecialVocab.add_to_gguf}, and the quantisation version),
 * tensors in the converter's names and order with the q and k rows permuted as {@code LlamaModel.permute} does, 1-D
 * tensors in F32 and 2-D ones in the output type. It keeps every tensor's values and bytes in Hugging Face order, which
 * is what a reader must give back.
 */
final class ConvertedLlama {

    static final int HIDDEN = 64;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = HIDDEN / HEADS;
    static final int FFN = 128;
    static final int BLOCKS = 2;
    static final float RMS_EPS = 1e-5f;

    /** gguf-py's {@code TokenType}. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int BYTE = 6;

    /** gguf-py's {@code LlamaFileType}. */
    static final int MOSTLY_F16 = 1;
    static final int MOSTLY_Q8_0 = 7;

    /**
     * A tensor as the converter was given it.
     *
     * @param hfName   the Hugging Face name the converter read it under ({@code rope_freqs.weight}, which the
     *                 converter computes, has none and keeps its GGUF name)
     * @param ggufName the name in the file
     * @param shape    the Hugging Face (numpy) shape
     * @param ggmlType the type written
     * @param values   the values in Hugging Face order, before any rounding to the written type
     * @param hfBytes  the values in the written type, rows in Hugging Face order
     */
    record Tensor(String hfName, String ggufName, long[] shape, int ggmlType, float[] values, byte[] hfBytes) {
    }

    private final GgufPyWriter writer;
    private final List<Tensor> tensors = new ArrayList<>();
    private final SplittableRandom random;

    private ConvertedLlama(GgufPyWriter writer, long seed) {
        this.writer = writer;
        this.random = new SplittableRandom(seed);
    }

    /** The writer, for keys a test adds after the converter's. */
    GgufPyWriter writer() {
        return writer;
    }

    /** The tensors in file order. */
    List<Tensor> tensors() {
        return tensors;
    }

    /**
     * A Llama 2 style model: a SentencePiece vocabulary ({@code tokenizer.ggml.model} "llama") of {@code vocabSize}
     * pieces with scores and token types, {@code <unk>}, {@code <s>}, {@code </s>} and the 256 byte tokens first,
     * an untied output head, converted with {@code --outtype q8_0}.
     */
    static ConvertedLlama llama2(int vocabSize) {
        GgufPyWriter w = new GgufPyWriter("llama");
        ConvertedLlama model = new ConvertedLlama(w, vocabSize);
        w.addString("general.type", "model");
        w.addString("general.name", "Llama 2 7b Chat Hf");
        w.addString("general.finetune", "chat-hf");
        w.addString("general.basename", "Llama-2");
        w.addString("general.size_label", "7B");
        w.addString("general.license", "llama2");
        w.addArray("general.tags", List.of("facebook", "meta", "pytorch", "llama", "llama-2", "text-generation"));
        w.addArray("general.languages", List.of("en"));
        hyperparameters(w, 4096, 10000f, false, MOSTLY_Q8_0, vocabSize);

        List<byte[]> tokens = new ArrayList<>(vocabSize);
        List<Float> scores = new ArrayList<>(vocabSize);
        List<Integer> types = new ArrayList<>(vocabSize);
        for (String special : List.of("<unk>", "<s>", "</s>")) {
            tokens.add(special.getBytes(StandardCharsets.UTF_8));
            scores.add(0f);
            types.add(special.equals("<unk>") ? UNKNOWN : CONTROL);
        }
        for (int b = 0; b < 256; b++) {
            tokens.add("<0x%02X>".formatted(b).getBytes(StandardCharsets.UTF_8));
            scores.add(0f);
            types.add(BYTE);
        }
        for (int i = tokens.size(); i < vocabSize; i++) {
            // SentencePiece pieces: "▁" marks a word start; many are multi-byte UTF-8 (CJK, accents).
            String piece = switch (i % 4) {
                case 0 -> "\u2581w" + i;
                case 1 -> "\u2581\u4e2d\u6587" + i;
                case 2 -> "\u00e9t\u00e9" + i;
                default -> "ing" + "s".repeat(i % 13);
            };
            tokens.add(piece.getBytes(StandardCharsets.UTF_8));
            scores.add(-(float) (i - 259));
            types.add(NORMAL);
        }
        w.addString("tokenizer.ggml.model", "llama");
        w.addString("tokenizer.ggml.pre", "default");
        w.addArray("tokenizer.ggml.tokens", tokens);
        w.addArray("tokenizer.ggml.scores", scores);
        w.addArray("tokenizer.ggml.token_type", types);
        w.addUint32("tokenizer.ggml.bos_token_id", 1);
        w.addUint32("tokenizer.ggml.eos_token_id", 2);
        w.addUint32("tokenizer.ggml.unknown_token_id", 0);
        w.addUint32("tokenizer.ggml.padding_token_id", 0);
        w.addBool("tokenizer.ggml.add_bos_token", true);
        w.addBool("tokenizer.ggml.add_eos_token", false);
        w.addString("tokenizer.chat_template", LLAMA2_CHAT_TEMPLATE);
        w.addUint32("general.quantization_version", 2);

        // Safetensors order: lm_head sorts before model.*, and each layer's names alphabetically.
        model.matrix("lm_head.weight", "output.weight", vocabSize, HIDDEN, GgufPyWriter.GGML_Q8_0, 0);
        model.matrix("model.embed_tokens.weight", "token_embd.weight", vocabSize, HIDDEN, GgufPyWriter.GGML_Q8_0, 0);
        model.blocks(GgufPyWriter.GGML_Q8_0);
        model.vector("model.norm.weight", "output_norm.weight", HIDDEN);
        return model;
    }

    /**
     * A Llama 3.2 style model: a byte-level BPE vocabulary ({@code tokenizer.ggml.model} "gpt2", pre-tokenizer
     * "llama-bpe") of {@code vocabSize} tokens, the last 256 special, with {@code merges} merges, explicit head
     * dimensions, the {@code rope_freqs.weight} the converter generates first, embeddings tied to the output, converted
     * with {@code --outtype f16}.
     */
    static ConvertedLlama llama3(int vocabSize, int merges) {
        GgufPyWriter w = new GgufPyWriter("llama");
        ConvertedLlama model = new ConvertedLlama(w, vocabSize + merges);
        w.addString("general.type", "model");
        w.addString("general.name", "Llama 3.2 1B Instruct");
        w.addString("general.finetune", "Instruct");
        w.addString("general.basename", "Llama-3.2");
        w.addString("general.size_label", "1B");
        w.addString("general.license", "llama3.2");
        w.addArray("general.tags", List.of("facebook", "meta", "pytorch", "llama", "llama-3", "text-generation"));
        w.addArray("general.languages", List.of("en", "de", "fr", "it", "pt", "hi", "es", "th"));
        hyperparameters(w, 131072, 500000f, true, MOSTLY_F16, vocabSize);

        int regular = vocabSize - 256;
        List<String> tokens = new ArrayList<>(vocabSize);
        List<Integer> types = new ArrayList<>(vocabSize);
        for (int i = 0; i < regular; i++) {
            // Byte-level BPE: "Ġ" is a space, "Ċ" a newline; non-ASCII bytes map to other two-byte characters.
            tokens.add(switch (i % 3) {
                case 0 -> "\u0120t" + i;
                case 1 -> "\u010a\u010a" + i;
                default -> "\u00c3\u00a9" + i;
            });
            types.add(NORMAL);
        }
        for (int i = 0; i < 256; i++) {
            tokens.add(switch (i) {
                case 0 -> "<|begin_of_text|>";
                case 1 -> "<|end_of_text|>";
                case 6 -> "<|start_header_id|>";
                case 7 -> "<|end_header_id|>";
                case 9 -> "<|eot_id|>";
                default -> "<|reserved_special_token_" + i + "|>";
            });
            types.add(CONTROL);
        }
        List<String> mergeList = new ArrayList<>(merges);
        for (int i = 0; i < merges; i++) {
            mergeList.add("\u0120 t" + i);
        }
        w.addString("tokenizer.ggml.model", "gpt2");
        w.addString("tokenizer.ggml.pre", "llama-bpe");
        w.addArray("tokenizer.ggml.tokens", tokens);
        w.addArray("tokenizer.ggml.token_type", types);
        w.addArray("tokenizer.ggml.merges", mergeList);
        w.addUint32("tokenizer.ggml.bos_token_id", regular);
        w.addUint32("tokenizer.ggml.eos_token_id", regular + 9);
        w.addString("tokenizer.chat_template", LLAMA3_CHAT_TEMPLATE);
        w.addUint32("general.quantization_version", 2);

        model.vector("rope_freqs.weight", "rope_freqs.weight", HEAD_DIM / 2);
        model.matrix("model.embed_tokens.weight", "token_embd.weight", vocabSize, HIDDEN, GgufPyWriter.GGML_F16, 0);
        model.blocks(GgufPyWriter.GGML_F16);
        model.vector("model.norm.weight", "output_norm.weight", HIDDEN);
        return model;
    }

    /** {@code Model.set_gguf_parameters} and {@code LlamaModel.set_gguf_parameters}, in their order. */
    private static void hyperparameters(GgufPyWriter w, int context, float ropeTheta, boolean headDim, int fileType,
                                        int vocabSize) {
        w.addUint32("llama.block_count", BLOCKS);
        w.addUint32("llama.context_length", context);
        w.addUint32("llama.embedding_length", HIDDEN);
        w.addUint32("llama.feed_forward_length", FFN);
        w.addUint32("llama.attention.head_count", HEADS);
        w.addUint32("llama.attention.head_count_kv", KV_HEADS);
        w.addFloat32("llama.rope.freq_base", ropeTheta);
        w.addFloat32("llama.attention.layer_norm_rms_epsilon", RMS_EPS);
        if (headDim) {
            w.addUint32("llama.attention.key_length", HEAD_DIM);
            w.addUint32("llama.attention.value_length", HEAD_DIM);
        }
        w.addUint32("general.file_type", fileType);
        w.addUint32("llama.vocab_size", vocabSize);
        w.addUint32("llama.rope.dimension_count", HEAD_DIM);
    }

    private void blocks(int matrixType) {
        for (int b = 0; b < BLOCKS; b++) {
            String hf = "model.layers." + b + ".";
            String p = "blk." + b + ".";
            vector(hf + "input_layernorm.weight", p + "attn_norm.weight", HIDDEN);
            matrix(hf + "mlp.down_proj.weight", p + "ffn_down.weight", HIDDEN, FFN, matrixType, 0);
            matrix(hf + "mlp.gate_proj.weight", p + "ffn_gate.weight", FFN, HIDDEN, matrixType, 0);
            matrix(hf + "mlp.up_proj.weight", p + "ffn_up.weight", FFN, HIDDEN, matrixType, 0);
            vector(hf + "post_attention_layernorm.weight", p + "ffn_norm.weight", HIDDEN);
            matrix(hf + "self_attn.k_proj.weight", p + "attn_k.weight", KV_HEADS * HEAD_DIM, HIDDEN, matrixType, KV_HEADS);
            matrix(hf + "self_attn.o_proj.weight", p + "attn_output.weight", HIDDEN, HIDDEN, matrixType, 0);
            matrix(hf + "self_attn.q_proj.weight", p + "attn_q.weight", HIDDEN, HIDDEN, matrixType, HEADS);
            matrix(hf + "self_attn.v_proj.weight", p + "attn_v.weight", KV_HEADS * HEAD_DIM, HIDDEN, matrixType, 0);
        }
    }

    private void vector(String hfName, String ggufName, int length) {
        float[] values = values(length);
        byte[] bytes = encode(values, GgufPyWriter.GGML_F32);
        add(new Tensor(hfName, ggufName, new long[] {length}, GgufPyWriter.GGML_F32, values, bytes), bytes);
    }

    /** A 2-D tensor; {@code permutedHeads} > 0 applies {@code LlamaModel.permute} with that many heads. */
    private void matrix(String hfName, String ggufName, int rows, int cols, int ggmlType, int permutedHeads) {
        float[] values = values((long) rows * cols);
        byte[] hf = encode(values, ggmlType);
        byte[] written = permutedHeads > 0 ? permuteRows(hf, rows, permutedHeads) : hf;
        add(new Tensor(hfName, ggufName, new long[] {rows, cols}, ggmlType, values, hf), written);
    }

    private void add(Tensor tensor, byte[] written) {
        tensors.add(tensor);
        writer.addTensor(tensor.ggufName(), tensor.shape(), tensor.ggmlType(), written);
    }

    private float[] values(long count) {
        float[] values = new float[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }

    /**
     * {@code LlamaModel.permute}: {@code w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2)}, so written
     * row {@code h·headDim + 2i + j} is Hugging Face row {@code h·headDim + j·headDim/2 + i}.
     */
    static byte[] permuteRows(byte[] hf, int rows, int heads) {
        int rowBytes = hf.length / rows;
        int headDim = rows / heads;
        int half = headDim / 2;
        byte[] out = new byte[hf.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int from = h * headDim + j * half + i;
                    int to = h * headDim + 2 * i + j;
                    System.arraycopy(hf, from * rowBytes, out, to * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    /**
     * Row-major values in a ggml type, as numpy's {@code astype} and gguf-py's {@code quants} produce them; rows must
     * hold whole Q8_0 blocks.
     */
    static byte[] encode(float[] values, int ggmlType) {
        return switch (ggmlType) {
            case GgufPyWriter.GGML_F32 -> {
                ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    out.putFloat(v);
                }
                yield out.array();
            }
            case GgufPyWriter.GGML_F16 -> {
                ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    out.putShort(Float.floatToFloat16(v));
                }
                yield out.array();
            }
            case GgufPyWriter.GGML_Q8_0 -> quantizeQ8_0(values);
            default -> throw new IllegalArgumentException("ggml type " + ggmlType);
        };
    }

    /**
     * gguf-py's {@code Q8_0.quantize_blocks}, in float32 as numpy computes it: per 32 values {@code d = max|x| / 127},
     * {@code q = roundf(x / d)} (halves away from zero; 0 when {@code d} is 0), then {@code d} as float16 and the 32
     * int8 values.
     */
    static byte[] quantizeQ8_0(float[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(values.length / 32 * 34);
        for (int block = 0; block < values.length; block += 32) {
            float max = 0;
            for (int k = 0; k < 32; k++) {
                max = Math.max(max, Math.abs(values[block + k]));
            }
            float d = max / 127;
            float id = d == 0 ? 0 : 1 / d;
            short d16 = Float.floatToFloat16(d);
            out.write(d16 & 0xFF);
            out.write((d16 >> 8) & 0xFF);
            for (int k = 0; k < 32; k++) {
                float scaled = values[block + k] * id;
                float a = Math.abs(scaled);
                float floored = (float) Math.floor(a);
                float rounded = floored + (float) Math.floor(2 * (a - floored));
                out.write((int) Math.copySign(rounded, scaled));
            }
        }
        return out.toByteArray();
    }

    static final String LLAMA2_CHAT_TEMPLATE = "{% if messages[0]['role'] == 'system' %}"
            + "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
            + "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
            + "{% for message in loop_messages %}{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    static final String LLAMA3_CHAT_TEMPLATE = "{{- bos_token }}\n{%- if messages[0]['role'] == 'system' %}\n"
            + "    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n"
            + "{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n"
            + "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n"
            + "{{- system_message }}\n{{- \"<|eot_id|>\" }}\n{%- for message in messages %}\n"
            + "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n"
            + "{%- endfor %}\n{%- if add_generation_prompt %}\n"
            + "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n";
}
