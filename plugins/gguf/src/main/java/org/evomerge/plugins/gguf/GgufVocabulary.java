package org.evomerge.plugins.gguf;

import static org.evomerge.plugins.gguf.TokenType.BYTE;
import static org.evomerge.plugins.gguf.TokenType.CONTROL;
import static org.evomerge.plugins.gguf.TokenType.NORMAL;
import static org.evomerge.plugins.gguf.TokenType.UNKNOWN;
import static org.evomerge.plugins.gguf.TokenType.UNUSED;
import static org.evomerge.plugins.gguf.TokenType.USER_DEFINED;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;

/**
 * The {@code tokenizer.*} metadata llama.cpp's converter writes for a Llama-family model, from the tokenizer files of
 * its folder. The converter's choice, in its order:
 * <ol>
 *   <li>{@code tokenizer.model} (SentencePiece): {@code tokenizer.ggml.model} "llama" with the pieces, their scores and
 *       types, padded to the configuration's {@code vocab_size} with {@code [PADn]}, added tokens of
 *       {@code added_tokens.json} and {@code tokenizer_config.json} laid over them;</li>
 *   <li>a {@code tokenizer.json} BPE with byte fallback and a decoder sequence (a SentencePiece model converted by Hugging
 *       Face; Llama only): "llama" with every score -1000, byte tokens typed BYTE and special ones CONTROL;</li>
 *   <li>a byte-level BPE {@code tokenizer.json}: "gpt2" with the merges, added tokens typed CONTROL (special) or
 *       USER_DEFINED, ids without a token filled with {@code [PADn]}, and {@code tokenizer.ggml.pre} naming the
 *       pre-tokenizer.</li>
 * </ol>
 * then the special token ids, whether to add BOS/EOS, and the chat template ({@code gguf-py}'s {@code SpecialVocab}).
 * A folder without tokenizer files gets {@code tokenizer.ggml.model} "none".
 *
 * <p>Where the converter runs Hugging Face's tokenizer, this class reads the same files: the pre-tokenizer is named by
 * the structure of {@code pre_tokenizer} in {@code tokenizer.json} rather than by hashing the tokens of a test text,
 * and added tokens are written as {@code tokenizer.json} states them, without the converter's encode-decode round trip
 * of tokens that are not normalised.
 */
final class GgufVocabulary {

    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SENTENCEPIECE_MODEL = "tokenizer.model";
    static final String ADDED_TOKENS = "added_tokens.json";
    static final String MERGES_TXT = "merges.txt";
    static final String CHAT_TEMPLATE_JINJA = "chat_template.jinja";
    static final String CHAT_TEMPLATE_JSON = "chat_template.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPACE_MARK = "\u2581";
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");
    /** {@code SpecialVocab}'s default special token types, in its order. */
    private static final List<String> SPECIAL_TYPES = List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask");
    private static final Map<String, String> ID_KEYS = Map.of(
            "bos", "tokenizer.ggml.bos_token_id",
            "eos", "tokenizer.ggml.eos_token_id",
            "unk", "tokenizer.ggml.unknown_token_id",
            "sep", "tokenizer.ggml.seperator_token_id",
            "pad", "tokenizer.ggml.padding_token_id",
            "cls", "tokenizer.ggml.cls_token_id",
            "mask", "tokenizer.ggml.mask_token_id",
            "eot", "tokenizer.ggml.eot_token_id",
            "eom", "tokenizer.ggml.eom_token_id");
    /** The {@code add_*_token} flags gguf-py has a writer method for; others are dropped, as it drops them. */
    private static final Map<String, String> ADD_KEYS = Map.of(
            "bos", "tokenizer.ggml.add_bos_token",
            "eos", "tokenizer.ggml.add_eos_token",
            "sep", "tokenizer.ggml.add_sep_token");

    /**
     * The pre-tokenizers of byte-level BPE tokenizers, by the regular expression of their {@code Split} step, with the
     * name llama.cpp knows them by.
     */
    private static final Map<String, String> SPLIT_PRE_TOKENIZERS = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "qwen2");

    private final Map<String, Path> files;
    private final Map<String, Object> config;
    private final boolean llama;

    private GgufVocabulary(Map<String, Path> files, Map<String, Object> config, boolean llama) {
        this.files = files;
        this.config = config;
        this.llama = llama;
    }

    /**
     * Adds the tokenizer metadata for the tokenizer files among {@code sideFiles} to {@code metadata}.
     *
     * @param config       the model's {@code config.json}
     * @param architecture {@code general.architecture}: "llama" (Llama, Mistral) or "qwen2"
     * @throws EvomergeException (INPUT) if a tokenizer file is malformed or is a tokenizer llama.cpp's converter
     *                           cannot convert
     */
    static void addTo(GgufMetadata metadata, List<Path> sideFiles, Map<String, Object> config, String architecture) {
        Map<String, Path> byName = new HashMap<>();
        for (Path file : sideFiles) {
            byName.putIfAbsent(file.getFileName().toString(), file);
        }
        new GgufVocabulary(byName, config, architecture.equals("llama")).add(metadata);
    }

    private void add(GgufMetadata out) {
        JsonNode tokenizerConfig = json(TOKENIZER_CONFIG);
        JsonNode tokenizer = json(TOKENIZER_JSON);
        if (llama && tokenizerConfig != null && tokenizerConfig.get("add_prefix_space") instanceof JsonNode prefix
                && prefix.isBoolean()) {
            out.putBool("tokenizer.ggml.add_space_prefix", prefix.booleanValue());
        }
        if (files.containsKey(SENTENCEPIECE_MODEL)) {
            sentencePiece(out, tokenizerConfig);
        } else if (llama && tokenizer != null && isSentencePieceBpe(tokenizer)) {
            huggingFaceSentencePiece(out, tokenizer, tokenizerConfig);
        } else if (tokenizer != null) {
            byteLevelBpe(out, tokenizer, tokenizerConfig);
        } else if (files.containsKey(MERGES_TXT) || files.containsKey("vocab.json")) {
            throw GgufFormat.inputError(files.getOrDefault("vocab.json", files.get(MERGES_TXT)),
                    "a tokenizer without tokenizer.json cannot be written into a GGUF file; save it with Hugging Face's"
                            + " fast tokenizer first");
        } else {
            out.putString("tokenizer.ggml.model", "none");
        }
    }

    // ---- SentencePiece (tokenizer.model) ---------------------------------------------------------------------------

    private void sentencePiece(GgufMetadata out, JsonNode tokenizerConfig) {
        SentencePieceModel model = SentencePieceModel.read(files.get(SENTENCEPIECE_MODEL));
        int vocabSize = configInt("vocab_size").orElse(model.pieces().size());
        List<byte[]> tokens = new ArrayList<>(vocabSize);
        List<Float> scores = new ArrayList<>(vocabSize);
        List<Integer> types = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            tokens.add(utf8("[PAD" + i + "]"));
            scores.add(-10000.0f);
            types.add(UNUSED);
        }
        for (int id = 0; id < Math.min(vocabSize, model.pieces().size()); id++) {
            SentencePieceModel.Piece piece = model.pieces().get(id);
            tokens.set(id, utf8(piece.text()));
            scores.set(id, piece.score());
            // As llama.cpp's converter: user-defined (and unknown-numbered) pieces are typed normal.
            types.set(id, switch (piece.type()) {
                case UNKNOWN, CONTROL, UNUSED, BYTE -> piece.type();
                default -> NORMAL;
            });
        }
        JsonNode added = json(ADDED_TOKENS);
        if (added != null) {
            added.properties().forEach(entry -> {
                int id = entry.getValue().asInt(-1);
                if (id >= 0 && id < vocabSize) {
                    tokens.set(id, utf8(entry.getKey()));
                    scores.set(id, -1000.0f);
                    types.set(id, USER_DEFINED);
                }
            });
        }
        if (tokenizerConfig != null && tokenizerConfig.get("added_tokens_decoder") instanceof ObjectNode decoder) {
            decoder.properties().forEach(entry -> {
                int id = parseId(entry.getKey());
                if (id < 0 || id >= vocabSize) {
                    return;
                }
                String content = entry.getValue().path("content").asText();
                if (entry.getValue().path("special").asBoolean(false) || looksSpecial(content)) {
                    types.set(id, CONTROL);
                } else {
                    content = content.replace(SPACE_MARK, " ");
                    types.set(id, USER_DEFINED);
                }
                scores.set(id, -1000.0f);
                tokens.set(id, utf8(content));
            });
        }
        out.putString("tokenizer.ggml.model", "llama");
        out.putString("tokenizer.ggml.pre", "default");
        out.putStrings("tokenizer.ggml.tokens", tokens);
        out.putFloats("tokenizer.ggml.scores", scores);
        out.putInts("tokenizer.ggml.token_type", types);
        specialVocabulary(out, tokens.size(), false, json(TOKENIZER_JSON), tokenizerConfig);
    }

    // ---- SentencePiece saved by Hugging Face (tokenizer.json with byte fallback) -----------------------------------

    /** gguf-py's {@code LlamaHfVocab} test: BPE with byte fallback, a decoder sequence, and not Llama 3's form. */
    private static boolean isSentencePieceBpe(JsonNode tokenizer) {
        JsonNode model = tokenizer.path("model");
        boolean llama3 = model.path("type").asText().equals("BPE") && model.path("ignore_merges").asBoolean(false)
                && !model.path("byte_fallback").asBoolean(true);
        return !llama3 && model.path("type").asText().equals("BPE") && model.path("byte_fallback").asBoolean(false)
                && tokenizer.path("decoder").path("type").asText().equals("Sequence");
    }

    private void huggingFaceSentencePiece(GgufMetadata out, JsonNode tokenizer, JsonNode tokenizerConfig) {
        Map<Integer, String> vocabulary = modelVocabulary(tokenizer);
        int baseSize = vocabulary.size();
        Map<String, Integer> ids = new HashMap<>();
        vocabulary.forEach((id, token) -> ids.put(token, id));
        TreeMap<Integer, String> added = new TreeMap<>();
        for (JsonNode token : tokenizer.path("added_tokens")) {
            ids.putIfAbsent(token.path("content").asText(), token.path("id").asInt());
            if (token.path("id").asInt() >= baseSize) {
                added.put(token.path("id").asInt(), token.path("content").asText());
            }
        }
        Set<Integer> specialIds = new HashSet<>();
        for (String special : allSpecialTokens(tokenizerConfig)) {
            Integer id = ids.get(special);
            if (id != null) {
                specialIds.add(id);
            }
        }
        List<byte[]> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int id = 0; id < baseSize; id++) {
            String text = vocabulary.get(id);
            if (text == null) {
                throw GgufFormat.inputError(files.get(TOKENIZER_JSON), "the vocabulary has no token with id " + id
                        + " (its " + baseSize + " ids must run from 0)");
            }
            tokens.add(utf8(text));
            scores.add(-1000.0f);
            types.add(BYTE_TOKEN.matcher(text).matches() ? BYTE : specialIds.contains(id) ? CONTROL : NORMAL);
        }
        for (Map.Entry<Integer, String> token : added.entrySet()) {
            tokens.add(utf8(token.getValue()));
            scores.add(-1000.0f);
            types.add(specialIds.contains(ids.get(token.getValue())) ? CONTROL : USER_DEFINED);
        }
        out.putString("tokenizer.ggml.model", "llama");
        out.putString("tokenizer.ggml.pre", "default");
        out.putStrings("tokenizer.ggml.tokens", tokens);
        out.putFloats("tokenizer.ggml.scores", scores);
        out.putInts("tokenizer.ggml.token_type", types);
        specialVocabulary(out, tokens.size(), false, tokenizer, tokenizerConfig);
    }

    /**
     * Hugging Face's {@code all_special_tokens}: the named special tokens of {@code tokenizer_config.json} (or
     * {@code special_tokens_map.json}) and the additional ones.
     */
    private List<String> allSpecialTokens(JsonNode tokenizerConfig) {
        List<String> specials = new ArrayList<>();
        for (JsonNode source : new JsonNode[] {tokenizerConfig, json("special_tokens_map.json")}) {
            if (source == null) {
                continue;
            }
            for (String type : List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask")) {
                content(source.get(type + "_token")).ifPresent(specials::add);
            }
            for (JsonNode extra : source.path("additional_special_tokens")) {
                content(extra).ifPresent(specials::add);
            }
        }
        return specials;
    }

    // ---- byte-level BPE --------------------------------------------------------------------------------------------

    private void byteLevelBpe(GgufMetadata out, JsonNode tokenizer, JsonNode tokenizerConfig) {
        Path file = files.get(TOKENIZER_JSON);
        JsonNode model = tokenizer.path("model");
        if (!model.path("type").asText().equals("BPE") || model.path("byte_fallback").asBoolean(false)
                || !tokenizer.path("decoder").path("type").asText().equals("ByteLevel")) {
            throw GgufFormat.inputError(file, "a " + model.path("type").asText("?") + " model with a "
                    + tokenizer.path("decoder").path("type").asText("missing") + " decoder is neither a byte-level BPE"
                    + " (GGUF \"gpt2\") nor a SentencePiece tokenizer (GGUF \"llama\"), the tokenizers llama.cpp's"
                    + " converter writes for this architecture");
        }
        String pre = preTokenizer(file, tokenizer.path("pre_tokenizer"));
        Map<Integer, String> vocabulary = modelVocabulary(tokenizer);
        Map<String, Integer> added = new LinkedHashMap<>();
        Map<Integer, Boolean> addedSpecial = new HashMap<>();
        for (JsonNode token : tokenizer.path("added_tokens")) {
            int id = token.path("id").asInt();
            vocabulary.put(id, token.path("content").asText());
            added.put(token.path("content").asText(), id);
            addedSpecial.put(id, token.path("special").asBoolean(false));
        }
        int maxId = vocabulary.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        int vocabSize = configInt("vocab_size").orElse(vocabulary.size());
        if (maxId >= vocabSize) {
            throw GgufFormat.inputError(file, "token id " + maxId + " does not fit the vocab_size " + vocabSize
                    + " of config.json");
        }
        List<String> tokens = new ArrayList<>(vocabSize);
        List<Integer> types = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            String token = vocabulary.get(i);
            if (token == null) {
                tokens.add("[PAD" + i + "]");
                types.add(UNUSED);
                continue;
            }
            if (added.containsKey(token)) {
                if (addedSpecial.getOrDefault(i, false) || looksSpecial(token)) {
                    types.add(CONTROL);
                } else {
                    token = token.replace(SPACE_MARK, " ");
                    types.add(USER_DEFINED);
                }
            } else {
                types.add(NORMAL);
            }
            tokens.add(token);
        }
        out.putString("tokenizer.ggml.model", "gpt2");
        out.putString("tokenizer.ggml.pre", pre);
        out.putStrings("tokenizer.ggml.tokens", tokens);
        out.putInts("tokenizer.ggml.token_type", types);
        specialVocabulary(out, -1, true, tokenizer, tokenizerConfig);
    }

    /** The name llama.cpp gives the pre-tokenizer of a byte-level BPE tokenizer. */
    private static String preTokenizer(Path file, JsonNode pre) {
        String type = pre.path("type").asText();
        if (type.equals("ByteLevel") && pre.path("use_regex").asBoolean(true)) {
            return "gpt-2";
        }
        if (type.equals("Sequence")) {
            JsonNode steps = pre.path("pretokenizers");
            if (steps.size() == 2 && steps.get(0).path("type").asText().equals("Split")
                    && steps.get(1).path("type").asText().equals("ByteLevel")
                    && !steps.get(1).path("use_regex").asBoolean(true)) {
                String name = SPLIT_PRE_TOKENIZERS.get(steps.get(0).path("pattern").path("Regex").asText());
                if (name != null) {
                    return name;
                }
            }
            if (steps.size() == 2 && steps.get(0).path("type").asText().equals("Digits")
                    && steps.get(0).path("individual_digits").asBoolean(false)
                    && steps.get(1).path("type").asText().equals("ByteLevel")
                    && steps.get(1).path("use_regex").asBoolean(true)) {
                return "smollm";
            }
        }
        throw GgufFormat.inputError(file, "its pre_tokenizer is not one evomerge can name for llama.cpp (it knows"
                + " GPT-2's, Llama 3's, Qwen2's and SmolLM's); llama.cpp's converter identifies others by running the"
                + " tokenizer");
    }

    // ---- SpecialVocab ----------------------------------------------------------------------------------------------

    /**
     * gguf-py's {@code SpecialVocab(path, load_merges, n_vocab).add_to_gguf}: merges, special token ids, the
     * {@code add_*_token} flags and the chat template.
     *
     * @param vocabularySize ids at or above it are dropped; -1 for no limit
     */
    private void specialVocabulary(GgufMetadata out, int vocabularySize, boolean loadMerges, JsonNode tokenizer,
                                   JsonNode tokenizerConfig) {
        List<String> merges = new ArrayList<>();
        Map<String, Integer> ids = new LinkedHashMap<>();
        Map<String, Boolean> addFlags = new LinkedHashMap<>();
        List<String> types = new ArrayList<>(SPECIAL_TYPES);
        ObjectNode settings = tokenizerConfig == null ? null : tokenizerConfig.deepCopy();
        JsonNode addedTokens = JSON.createArrayNode();
        if (tokenizer != null) {
            if (loadMerges) {
                merges.addAll(merges(tokenizer.path("model").path("merges")));
            }
            addedTokens = tokenizer.path("added_tokens");
            templateProcessing(tokenizer.path("post_processor"), settings, addFlags, types);
        }
        if (settings != null) {
            for (String type : types) {
                JsonNode add = settings.get("add_" + type + "_token");
                if (add != null && add.isBoolean()) {
                    addFlags.put(type, add.booleanValue());
                }
                Optional<String> content = content(settings.get(type + "_token"));
                if (content.isEmpty()) {
                    continue;
                }
                for (JsonNode token : addedTokens) {
                    if (token.path("content").asText().equals(content.get())) {
                        setId(ids, type, token.get("id"), vocabularySize);
                        break;
                    }
                }
            }
        }
        for (String type : types) {
            setId(ids, type, config.get(type + "_token_id"), vocabularySize);
        }
        if (loadMerges && merges.isEmpty()) {
            merges.addAll(mergesTxt());
        }
        out.putStrings("tokenizer.ggml.merges", merges);
        ids.forEach((type, id) -> out.putUint32(ID_KEYS.get(type), id));
        addFlags.forEach((type, add) -> {
            if (ADD_KEYS.containsKey(type)) {
                out.putBool(ADD_KEYS.get(type), add);
            }
        });
        if (settings != null) {
            chatTemplate(out, settings);
        }
    }

    private static void setId(Map<String, Integer> ids, String type, Object value, int vocabularySize) {
        Integer id = switch (value) {
            case JsonNode node when node.isIntegralNumber() -> node.asInt();
            case Integer number -> number;
            case Long number -> number.intValue();
            case null, default -> null;
        };
        if (id == null || ids.containsKey(type) || !ID_KEYS.containsKey(type)) {
            return;
        }
        if (id < 0) {
            throw new EvomergeException(org.evomerge.api.ErrorCategory.INPUT,
                    "invalid value for special token type " + type + ": " + id);
        }
        if (vocabularySize < 0 || id < vocabularySize) {
            ids.put(type, id);
        }
    }

    /**
     * {@code SpecialVocab}'s crude reading of a {@code TemplateProcessing} post-processor: a leading special token
     * that is BOS (or CLS) turns {@code add_bos_token} on, a trailing one EOS; a trailing token that is not the
     * configured EOS becomes EOS and the configured one EOT (or EOM).
     */
    private static void templateProcessing(JsonNode postProcessor, ObjectNode config, Map<String, Boolean> addFlags,
                                           List<String> types) {
        if (postProcessor.isMissingNode() || postProcessor.isNull()) {
            return;
        }
        JsonNode bos = config == null ? null : config.get("bos_token");
        JsonNode cls = config == null ? null : config.get("cls_token");
        JsonNode eos = config == null ? null : config.get("eos_token");
        JsonNode sep = config == null ? null : config.get("sep_token");
        if (!truthy(bos) && truthy(cls) && config != null) {
            config.set("bos_token", cls);
            bos = cls;
        }
        if (!truthy(eos) && truthy(sep) && config != null) {
            config.set("eos_token", sep);
            eos = sep;
        }
        JsonNode processors = postProcessor.has("processors") ? postProcessor.get("processors")
                : JSON.createArrayNode().add(postProcessor);
        for (JsonNode processor : processors) {
            String kind = processor.path("type").asText();
            if (kind.equals("RobertaProcessing")) {
                addFlags.put("bos", true);
                addFlags.put("eos", true);
                addFlags.put("sep", true);
                continue;
            }
            if (!kind.equals("TemplateProcessing")) {
                continue;
            }
            JsonNode single = processor.path("single");
            if (single.size() <= 1) {
                continue;
            }
            String first = single.get(0).path("SpecialToken").path("id").asText(null);
            if (first != null && !first.isEmpty()) {
                if (config == null) {
                    bos = JSON.getNodeFactory().textNode(first);
                }
                addFlags.put("bos", textEquals(bos, first) || textEquals(cls, first));
            }
            String last = single.get(single.size() - 1).path("SpecialToken").path("id").asText(null);
            if (last != null && !last.isEmpty()) {
                if (config == null) {
                    eos = JSON.getNodeFactory().textNode(last);
                } else if (!textEquals(eos, last)) {
                    String fallback = !types.contains("eot") ? "eot" : !types.contains("eom") ? "eom" : null;
                    if (fallback != null) {
                        types.add(fallback);
                        config.set(fallback + "_token", eos);
                    }
                    eos = JSON.getNodeFactory().textNode(last);
                    config.set("eos_token", eos);
                }
                addFlags.put("eos", textEquals(eos, last));
            }
        }
    }

    private void chatTemplate(GgufMetadata out, ObjectNode config) {
        JsonNode template = config.get("chat_template");
        Object value;
        if (template != null && !template.isNull()) {
            value = template;
        } else if (files.containsKey(CHAT_TEMPLATE_JINJA)) {
            value = JSON.getNodeFactory().textNode(text(CHAT_TEMPLATE_JINJA));
        } else if (json(CHAT_TEMPLATE_JSON) instanceof JsonNode file && file.has("chat_template")) {
            value = file.get("chat_template");
        } else {
            return;
        }
        JsonNode node = (JsonNode) value;
        if (node.isTextual()) {
            out.putString("tokenizer.chat_template", node.asText());
        } else if (node.isArray()) {
            String fallback = null;
            List<String> names = new ArrayList<>();
            for (JsonNode choice : node) {
                String name = choice.path("name").asText("").replaceAll("[^A-Za-z0-9]", "_");
                JsonNode text = choice.get("template");
                if (name.isEmpty() || text == null || text.isNull()) {
                    continue;
                }
                if (name.equals("default")) {
                    fallback = text.asText();
                } else if (!names.contains(name)) {
                    names.add(name);
                    out.putString("tokenizer.chat_template." + name, text.asText());
                }
            }
            out.putStrings("tokenizer.chat_templates", names);
            if (fallback != null) {
                out.putString("tokenizer.chat_template", fallback);
            }
        }
    }

    /** {@code model.merges}: "a b" strings, or pairs (since transformers 4.45) whose spaces become U+0120. */
    private List<String> merges(JsonNode merges) {
        List<String> out = new ArrayList<>(merges.size());
        for (JsonNode merge : merges) {
            if (merge.isTextual()) {
                out.add(merge.asText());
            } else if (merge.isArray() && merge.size() == 2) {
                out.add(merge.get(0).asText().replace(' ', '\u0120') + " " + merge.get(1).asText().replace(' ', '\u0120'));
            } else {
                throw GgufFormat.inputError(files.get(TOKENIZER_JSON), "unknown tokenizer merges format");
            }
        }
        return out;
    }

    private List<String> mergesTxt() {
        if (!files.containsKey(MERGES_TXT)) {
            return List.of();
        }
        List<String> merges = new ArrayList<>();
        List<String> lines = text(MERGES_TXT).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if ((i == 0 && line.startsWith("#")) || line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length == 2) {
                merges.add(parts[0] + " " + parts[1]);
            }
        }
        return merges;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    /** {@code model.vocab} of {@code tokenizer.json}, id to token. */
    private Map<Integer, String> modelVocabulary(JsonNode tokenizer) {
        Map<Integer, String> vocabulary = new HashMap<>();
        tokenizer.path("model").path("vocab").properties().forEach(e -> vocabulary.put(e.getValue().asInt(), e.getKey()));
        if (vocabulary.isEmpty()) {
            throw GgufFormat.inputError(files.get(TOKENIZER_JSON), "model.vocab is missing or empty");
        }
        return vocabulary;
    }

    /** {@code TextModel.does_token_look_special}. */
    static boolean looksSpecial(String token) {
        return token.equals("<pad>") || token.equals("<mask>") || token.equals("<2mass>") || token.equals("[@BOS@]")
                || (token.startsWith("<|") && token.endsWith("|>"))
                || (token.startsWith("<\uff5c") && token.endsWith("\uff5c>"))
                || (token.startsWith("<unused") && token.endsWith(">"));
    }

    /** An integer of {@code config.json}; a fractional number is not one, as Python's {@code int} test says. */
    private Optional<Integer> configInt(String key) {
        return config.get(key) instanceof Number n && (n instanceof Integer || n instanceof Long)
                ? Optional.of(n.intValue()) : Optional.empty();
    }

    /** A special token as tokenizer configs write it: a string, or an object with its {@code content}. */
    private static Optional<String> content(JsonNode entry) {
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.isTextual()) {
            return Optional.of(entry.asText());
        }
        return entry.isObject() && entry.path("content").isTextual() ? Optional.of(entry.path("content").asText())
                : Optional.empty();
    }

    /** Python's truth of a JSON value that is a token: present, not null, not empty. */
    private static boolean truthy(JsonNode node) {
        return node != null && !node.isNull() && !(node.isTextual() && node.asText().isEmpty());
    }

    /** Python's {@code ==} between a token string and a config value, which may be an object. */
    private static boolean textEquals(JsonNode node, String text) {
        return node != null && node.isTextual() && node.asText().equals(text);
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private JsonNode json(String name) {
        Path file = files.get(name);
        if (file == null) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw GgufFormat.inputError(file, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw GgufFormat.inputError(file, "cannot read it: " + e.getMessage());
        }
    }

    private String text(String name) {
        try {
            return Files.readString(files.get(name));
        } catch (IOException e) {
            throw GgufFormat.inputError(files.get(name), "cannot read it: " + e.getMessage());
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
