package org.evomerge.plugins.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer metadata written for each kind of tokenizer folder, checked against what llama.cpp's converter writes
 * ({@code _set_vocab_sentencepiece}, {@code _set_vocab_llama_hf}, {@code _set_vocab_gpt2}, {@code SpecialVocab}), read
 * back through the reader from a header holding only that metadata.
 */
class GgufVocabularyTest {

    @TempDir
    Path dir;

    /** The metadata as the reader reads it back (arrays of up to 64 items keep their items). */
    private Map<String, Object> readBack(GgufMetadata metadata) throws Exception {
        GgufMetadata.GgufBytes out = new GgufMetadata.GgufBytes();
        out.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(3);
        out.u64(0);
        out.u64(metadata.size());
        metadata.writeTo(out);
        Path file = Files.write(dir.resolve("meta.gguf"), out.toByteArray());
        return GgufReader.read(file, MemorySegment.ofArray(Files.readAllBytes(file))).metadata();
    }

    private static List<Object> items(Map<String, Object> metadata, String key) {
        return ((GgufArray) metadata.get(key)).items();
    }

    private Map<String, Object> vocabulary(List<Path> files, Map<String, Object> config, String architecture)
            throws Exception {
        GgufMetadata metadata = new GgufMetadata();
        GgufVocabulary.addTo(metadata, files, config, architecture);
        return readBack(metadata);
    }

    // ---- a SentencePiece tokenizer.model ----------------------------------------------------------------------------

    /** A SentencePiece {@code ModelProto} holding {@code pieces} (text, score, type) and a trainer spec to skip. */
    static byte[] sentencePieceModel(List<Object[]> pieces) {
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        for (Object[] piece : pieces) {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            field(message, 1, 2);
            bytes(message, ((String) piece[0]).getBytes(StandardCharsets.UTF_8));
            field(message, 2, 5);
            message.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat((Float) piece[1]).array());
            if ((Integer) piece[2] != 1) {
                field(message, 3, 0);
                varint(message, (Integer) piece[2]);
            }
            field(model, 1, 2);
            bytes(model, message.toByteArray());
        }
        // trainer_spec { model_type: BPE (2), vocab_size: 40 }: skipped by the reader.
        field(model, 2, 2);
        bytes(model, new byte[] {0x18, 0x02, 0x20, 0x28});
        return model.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, int number, int wire) {
        varint(out, (number << 3) | wire);
    }

    private static void bytes(ByteArrayOutputStream out, byte[] data) {
        varint(out, data.length);
        out.writeBytes(data);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    @Test
    void sentencePieceModelGivesPiecesScoresAndTypesPaddedToTheVocabularySize() throws Exception {
        List<Object[]> pieces = new ArrayList<>();
        pieces.add(new Object[] {"<unk>", 0f, 2});
        pieces.add(new Object[] {"<s>", 0f, 3});
        pieces.add(new Object[] {"</s>", 0f, 3});
        pieces.add(new Object[] {"<0x0A>", 0f, 6});
        pieces.add(new Object[] {"\u2581the", -1.5f, 1});
        pieces.add(new Object[] {"\u2581\u4e2d", -2.25f, 1});
        pieces.add(new Object[] {"<sep>", 0f, 4});
        pieces.add(new Object[] {"<junk>", 0f, 5});
        Path model = Files.write(dir.resolve("tokenizer.model"), sentencePieceModel(pieces));
        Path added = Files.writeString(dir.resolve("added_tokens.json"), "{\"<extra>\": 8}");
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": true, "add_eos_token": false, "add_prefix_space": false,
                 "bos_token": "<s>", "eos_token": "</s>", "chat_template": "{{ messages }}",
                 "added_tokens_decoder": {"9": {"content": "<|im_end|>", "special": false},
                                          "10": {"content": "\u2581hello", "special": false}}}
                """);
        Map<String, Object> m = vocabulary(List.of(model, added, config),
                Map.of("vocab_size", 12, "bos_token_id", 1, "eos_token_id", 2), "llama");

        assertEquals(List.of("tokenizer.ggml.add_space_prefix", "tokenizer.ggml.model", "tokenizer.ggml.pre",
                "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
                "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_bos_token",
                "tokenizer.ggml.add_eos_token", "tokenizer.chat_template"), List.copyOf(m.keySet()));
        assertEquals(false, m.get("tokenizer.ggml.add_space_prefix"));
        assertEquals("llama", m.get("tokenizer.ggml.model"));
        assertEquals("default", m.get("tokenizer.ggml.pre"));
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x0A>", "\u2581the", "\u2581\u4e2d", "<sep>", "<junk>",
                "<extra>", "<|im_end|>", " hello", "[PAD11]"), items(m, "tokenizer.ggml.tokens"));
        assertEquals(List.of(0f, 0f, 0f, 0f, -1.5f, -2.25f, 0f, 0f, -1000f, -1000f, -1000f, -10000f),
                items(m, "tokenizer.ggml.scores"));
        // USER_DEFINED pieces are NORMAL (the converter asks sentencepiece only for unknown, control, unused, byte);
        // added_tokens.json's are USER_DEFINED; <|...|> looks special and is CONTROL even when not marked special.
        assertEquals(List.of(2, 3, 3, 6, 1, 1, 1, 5, 4, 3, 4, 5), items(m, "tokenizer.ggml.token_type"));
        assertEquals(1L, m.get("tokenizer.ggml.bos_token_id"));
        assertEquals(2L, m.get("tokenizer.ggml.eos_token_id"));
        assertEquals(true, m.get("tokenizer.ggml.add_bos_token"));
        assertEquals(false, m.get("tokenizer.ggml.add_eos_token"));
        assertEquals("{{ messages }}", m.get("tokenizer.chat_template"));
    }

    @Test
    void aCorruptSentencePieceModelIsAnInputErrorNamingTheFile() throws Exception {
        Path model = Files.write(dir.resolve("tokenizer.model"), new byte[] {0x0a, 0x7f, 1, 2});
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> vocabulary(List.of(model), Map.of("vocab_size", 4), "llama"));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith(model + ": not a SentencePiece model"), e.getMessage());
    }

    // ---- a SentencePiece model saved as tokenizer.json --------------------------------------------------------------

    @Test
    void sentencePieceSavedByHuggingFaceKeepsItsIdsWithScoresOfMinus1000() throws Exception {
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), """
                {"added_tokens": [
                   {"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true},
                   {"id": 2, "content": "</s>", "special": true}, {"id": 6, "content": "<tool>", "special": false}],
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
                 "pre_tokenizer": null,
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [], "special_tokens": {}},
                 "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"},
                             "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
                 "model": {"type": "BPE", "byte_fallback": true, "fuse_unk": true,
                   "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x0A>": 3, "\u2581a": 4, "b": 5},
                   "merges": ["\u2581 a"]}}
                """);
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": true}
                """);
        Map<String, Object> m = vocabulary(List.of(tokenizer, config), Map.of("vocab_size", 32), "llama");
        assertEquals("llama", m.get("tokenizer.ggml.model"));
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x0A>", "\u2581a", "b", "<tool>"),
                items(m, "tokenizer.ggml.tokens"));
        assertEquals(List.of(-1000f, -1000f, -1000f, -1000f, -1000f, -1000f, -1000f), items(m, "tokenizer.ggml.scores"));
        assertEquals(List.of(3, 3, 3, 6, 1, 1, 4), items(m, "tokenizer.ggml.token_type"));
        assertFalse(m.containsKey("tokenizer.ggml.merges"), "no merges for the llama tokenizer");
        assertEquals(1L, m.get("tokenizer.ggml.bos_token_id"));
        assertEquals(2L, m.get("tokenizer.ggml.eos_token_id"));
        assertEquals(0L, m.get("tokenizer.ggml.unknown_token_id"));
        assertEquals(true, m.get("tokenizer.ggml.add_bos_token"));
    }

    // ---- byte-level BPE ---------------------------------------------------------------------------------------------

    private Path byteLevel(String preTokenizer, String merges, String decoder) throws Exception {
        return Files.writeString(dir.resolve("tokenizer.json"), """
                {"added_tokens": [{"id": 4, "content": "<|endoftext|>", "special": true}],
                 "pre_tokenizer": %s,
                 "decoder": %s,
                 "model": {"type": "BPE", "byte_fallback": false,
                   "vocab": {"a": 0, "b": 1, "\u0120": 2, "\u0120a": 3},
                   "merges": %s}}
                """.formatted(preTokenizer, decoder, merges));
    }

    @Test
    void gpt2sPreTokenizerAndMergesAsStrings() throws Exception {
        Path tokenizer = byteLevel("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}",
                "[\"\u0120 a\"]", "{\"type\": \"ByteLevel\"}");
        Map<String, Object> m = vocabulary(List.of(tokenizer), Map.of("vocab_size", 6), "qwen2");
        assertEquals(List.of("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens",
                "tokenizer.ggml.token_type", "tokenizer.ggml.merges"), List.copyOf(m.keySet()));
        assertEquals("gpt-2", m.get("tokenizer.ggml.pre"));
        assertEquals(List.of("a", "b", "\u0120", "\u0120a", "<|endoftext|>", "[PAD5]"), items(m, "tokenizer.ggml.tokens"));
        assertEquals(List.of(1, 1, 1, 1, 3, 5), items(m, "tokenizer.ggml.token_type"));
        assertEquals(List.of("\u0120 a"), items(m, "tokenizer.ggml.merges"));
    }

    @Test
    void qwen2sPreTokenizerAndMergePairsWhoseSpacesAreEncoded() throws Exception {
        String split = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}"
                + "\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+";
        Path tokenizer = byteLevel("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\":"
                        + " {\"Regex\": \"" + split + "\"}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\":"
                        + " \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}]}",
                "[[\"\u0120\", \"a\"], [\"a b\", \"c\"]]", "{\"type\": \"ByteLevel\"}");
        Map<String, Object> m = vocabulary(List.of(tokenizer), Map.of("vocab_size", 5), "qwen2");
        assertEquals("qwen2", m.get("tokenizer.ggml.pre"));
        assertEquals(List.of("\u0120 a", "a\u0120b c"), items(m, "tokenizer.ggml.merges"));
    }

    @Test
    void aPreTokenizerEvomergeCannotNameIsAnInputError() throws Exception {
        Path tokenizer = byteLevel("{\"type\": \"Whitespace\"}", "[]", "{\"type\": \"ByteLevel\"}");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> vocabulary(List.of(tokenizer), Map.of("vocab_size", 5), "llama"));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith(tokenizer + ": its pre_tokenizer is not one"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aCharacterTokenizerIsNeitherKindAndSaysSo() throws Exception {
        // The demo's tokenizer: BPE without merges, byte fallback or byte-level decoding.
        Path tokenizer = byteLevel("null", "[]", "{\"type\": \"Fuse\"}");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> vocabulary(List.of(tokenizer), Map.of("vocab_size", 5), "llama"));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(tokenizer + ": a BPE model with a Fuse decoder is neither a byte-level BPE (GGUF \"gpt2\") nor a"
                + " SentencePiece tokenizer (GGUF \"llama\"), the tokenizers llama.cpp's converter writes for this"
                + " architecture", e.getMessage());
    }

    @Test
    void aModelWithoutTokenizerFilesSaysItHasNone() throws Exception {
        Map<String, Object> m = vocabulary(List.of(), Map.of("vocab_size", 5), "llama");
        assertEquals(Map.of("tokenizer.ggml.model", "none"), m);
    }

    @Test
    void tokenizerJsonThatIsNotJsonIsAnInputErrorNamingTheFile() throws Exception {
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> vocabulary(List.of(tokenizer), Map.of(), "llama"));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith(tokenizer + ": not valid JSON: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void anEndOfSequenceTemplateTokenReplacesEosAndKeepsTheOldOneAsEndOfTurn() throws Exception {
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), """
                {"added_tokens": [{"id": 3, "content": "<|end|>", "special": true},
                                  {"id": 4, "content": "<|eot|>", "special": true}],
                 "pre_tokenizer": {"type": "ByteLevel", "use_regex": true},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|end|>", "type_id": 0}}],
                   "pair": [], "special_tokens": {}},
                 "decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2}, "merges": []}}
                """);
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|eot|>\"}");
        Map<String, Object> m = vocabulary(List.of(tokenizer, config), new LinkedHashMap<>(), "llama");
        assertEquals(3L, m.get("tokenizer.ggml.eos_token_id"));
        assertEquals(4L, m.get("tokenizer.ggml.eot_token_id"));
        assertEquals(true, m.get("tokenizer.ggml.add_eos_token"));
    }
}
