package org.evomerge.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;

/**
 * A character-level tokenizer that Hugging Face's {@code tokenizers} (and DJL, and transformers'
 * {@code PreTrainedTokenizerFast}) load from {@code tokenizer.json}: a BPE model whose vocabulary is the special
 * tokens and one token per character, with no merges, so every character is one token. Ids: {@code <unk>} 0,
 * {@code <s>} 1, {@code </s>} 2, then the alphabet in order. The post-processor puts {@code <s>} in front when
 * special tokens are added, as Llama's tokenizers do; the {@code Fuse} decoder joins tokens without spaces.
 *
 * <p>{@link #encode} gives exactly the ids the written {@code tokenizer.json} gives (a test checks it against the
 * Rust implementation). Immutable and thread-safe.
 */
public final class CharacterTokenizer {

    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    private static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>");

    private final String alphabet;

    public CharacterTokenizer(String alphabet) {
        if (alphabet.chars().distinct().count() != alphabet.length()) {
            throw new IllegalArgumentException("the alphabet repeats a character");
        }
        this.alphabet = alphabet;
    }

    public int vocabularySize() {
        return SPECIALS.size() + alphabet.length();
    }

    /**
     * The ids of {@code text}, one per character, without special tokens.
     *
     * @throws EvomergeException (input) naming the character when it is not in the alphabet
     */
    public int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            int index = alphabet.indexOf(text.charAt(i));
            if (index < 0) {
                throw EvomergeException.input("character '" + text.charAt(i) + "' is not in the demo tokenizer's"
                        + " alphabet", null);
            }
            ids[i] = SPECIALS.size() + index;
        }
        return ids;
    }

    /** The text of {@code ids}; special tokens are left out. */
    public String decode(int[] ids) {
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            if (id >= SPECIALS.size() && id < vocabularySize()) {
                out.append(alphabet.charAt(id - SPECIALS.size()));
            }
        }
        return out.toString();
    }

    /** {@code tokenizer.json} as Hugging Face's {@code tokenizers} 0.x serialises it. */
    public Map<String, Object> tokenizerJson() {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int i = 0; i < SPECIALS.size(); i++) {
            vocab.put(SPECIALS.get(i), i);
        }
        for (int i = 0; i < alphabet.length(); i++) {
            vocab.put(String.valueOf(alphabet.charAt(i)), SPECIALS.size() + i);
        }
        List<Map<String, Object>> added = new java.util.ArrayList<>();
        for (int i = 0; i < SPECIALS.size(); i++) {
            Map<String, Object> token = new LinkedHashMap<>();
            token.put("id", i);
            token.put("content", SPECIALS.get(i));
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
            added.add(token);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", "<unk>");
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.put("vocab", vocab);
        model.put("merges", List.of());
        Map<String, Object> bos = Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0));
        Map<String, Object> postProcessor = new LinkedHashMap<>();
        postProcessor.put("type", "TemplateProcessing");
        postProcessor.put("single", List.of(bos, Map.of("Sequence", Map.of("id", "A", "type_id", 0))));
        postProcessor.put("pair", List.of(bos, Map.of("Sequence", Map.of("id", "A", "type_id", 0)),
                Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 1)),
                Map.of("Sequence", Map.of("id", "B", "type_id", 1))));
        postProcessor.put("special_tokens", Map.of("<s>", Map.of("id", "<s>", "ids", List.of(BOS),
                "tokens", List.of("<s>"))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", "1.0");
        doc.put("truncation", null);
        doc.put("padding", null);
        doc.put("added_tokens", added);
        doc.put("normalizer", null);
        doc.put("pre_tokenizer", null);
        doc.put("post_processor", postProcessor);
        doc.put("decoder", Map.of("type", "Fuse"));
        doc.put("model", model);
        return doc;
    }

    /** {@code tokenizer_config.json} for transformers' {@code AutoTokenizer}. */
    public Map<String, Object> tokenizerConfigJson(int maxLength) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tokenizer_class", "PreTrainedTokenizerFast");
        doc.put("bos_token", "<s>");
        doc.put("eos_token", "</s>");
        doc.put("unk_token", "<unk>");
        doc.put("add_bos_token", true);
        doc.put("add_eos_token", false);
        doc.put("clean_up_tokenization_spaces", false);
        doc.put("model_max_length", maxLength);
        return doc;
    }

    /** {@code generation_config.json}: greedy decoding that stops at {@code </s>}. */
    public static Map<String, Object> generationConfigJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("bos_token_id", BOS);
        doc.put("eos_token_id", EOS);
        doc.put("do_sample", false);
        doc.put("transformers_version", "4.46.0");
        return doc;
    }

    /**
     * Writes {@code tokenizer.json}, {@code tokenizer_config.json} and {@code generation_config.json} into
     * {@code folder} (each under a temporary name, then renamed) and returns their paths.
     */
    public List<Path> writeSideFiles(Path folder, int maxLength) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try {
            Files.createDirectories(folder);
            Path tokenizer = write(json, folder.resolve("tokenizer.json"), tokenizerJson());
            Path config = write(json, folder.resolve("tokenizer_config.json"), tokenizerConfigJson(maxLength));
            Path generation = write(json, folder.resolve("generation_config.json"), generationConfigJson());
            return List.of(tokenizer, config, generation);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tokenizer files in " + folder + ": " + e.getMessage(), e);
        }
    }

    private static Path write(ObjectMapper json, Path file, Object document) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        json.writeValue(temporary.toFile(), document);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file.toAbsolutePath();
    }
}
