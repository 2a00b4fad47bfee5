package org.evomerge.tokenizers;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.Model;

/**
 * Finds and loads a model's tokenizer: {@code tokenizer.json} (run by the Hugging Face tokenizers library) with
 * {@code tokenizer_config.json} for BOS, EOS and the chat template.
 *
 * <p>Works offline: the native library is extracted from DJL's jar into the user's cache
 * ({@code $XDG_CACHE_HOME/evomerge/djl}, by default {@code ~/.cache/evomerge/djl}) unless {@code ENGINE_CACHE_DIR} or
 * {@code DJL_CACHE_DIR} says otherwise, and tokenizers are only ever read from files, never by a hub name.
 *
 * <p>Loaded tokenizers are kept per file (path, size, modification time) until {@link #close()}. Thread-safe.
 */
public final class HuggingFaceTokenizers implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, DjlTokenizer> loaded = new ConcurrentHashMap<>();

    /**
     * The tokenizer that travels with {@code model}: a {@code tokenizer.json} among its side files, else in its folder
     * (or, for a single-file model such as GGUF, next to it). Empty when there is none.
     *
     * @throws EvomergeException (input) when a {@code tokenizer.json} exists but cannot be loaded, naming the file
     */
    public Optional<Tokenizer> forModel(Model model) {
        return locate(model).map(this::load);
    }

    /** The {@code tokenizer.json} {@link #forModel} would load, if any. */
    public static Optional<Path> locate(Model model) {
        for (Path side : model.sideFiles()) {
            if (side.getFileName() != null && side.getFileName().toString().equals("tokenizer.json")
                    && Files.isRegularFile(side)) {
                return Optional.of(side);
            }
        }
        return model.location().flatMap(location -> {
            Path folder = Files.isDirectory(location) ? location : location.toAbsolutePath().getParent();
            Path candidate = folder == null ? null : folder.resolve("tokenizer.json");
            return candidate != null && Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
        });
    }

    /**
     * Loads {@code tokenizerJson} (or {@code tokenizer.json} inside it when it is a folder) with the
     * {@code tokenizer_config.json}, {@code generation_config.json} and {@code config.json} beside it.
     *
     * @throws EvomergeException (input) when the file is missing or not a tokenizer the library can read
     */
    public DjlTokenizer load(Path tokenizerJson) {
        Path file = Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
        file = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw EvomergeException.input(file + ": no such tokenizer file", null);
        }
        String key;
        try {
            key = file + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Path resolved = file;
        return loaded.computeIfAbsent(key, k -> open(resolved));
    }

    private static DjlTokenizer open(Path file) {
        NativeLibraryCache.configure();
        JsonNode definition;
        try {
            definition = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw EvomergeException.input(file + ": not valid JSON (" + TokenizerConfig.firstLine(e.getMessage()) + ")",
                    e);
        }
        if (definition == null || !definition.isObject() || !definition.has("model")) {
            throw EvomergeException.input(file + ": not a tokenizer.json (no 'model' object)", null);
        }
        HuggingFaceTokenizer tokenizer;
        try {
            // Options passed explicitly: DJL would otherwise truncate to its default maximum length.
            tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw EvomergeException.input(file + ": the tokenizers library cannot load it ("
                    + TokenizerConfig.firstLine(String.valueOf(e.getMessage())) + ")", e);
        }
        Path folder = file.getParent();
        TokenizerConfig config = TokenizerConfig.read(folder.resolve("tokenizer_config.json"));
        OptionalInt bos = config.bosToken().map(t -> tokenId(definition, t)).orElse(OptionalInt.empty());
        OptionalInt eos = config.eosToken().map(t -> tokenId(definition, t)).orElse(OptionalInt.empty());
        if (bos.isEmpty()) {
            bos = configuredId(folder, "bos_token_id");
        }
        if (eos.isEmpty()) {
            eos = configuredId(folder, "eos_token_id");
        }
        Optional<ChatTemplate> chat = config.chatTemplate().map(t -> new ChatTemplate(t, config.specialTokens()));
        return new DjlTokenizer(tokenizer, bos, eos, chat, file.toString());
    }

    /** The id of {@code token} among the added tokens, else in the model's vocabulary (a map, or Unigram's list). */
    static OptionalInt tokenId(JsonNode definition, String token) {
        for (JsonNode added : definition.path("added_tokens")) {
            if (token.equals(added.path("content").asText(null)) && added.path("id").canConvertToInt()) {
                return OptionalInt.of(added.path("id").asInt());
            }
        }
        JsonNode vocab = definition.path("model").path("vocab");
        if (vocab.isObject() && vocab.path(token).canConvertToInt()) {
            return OptionalInt.of(vocab.path(token).asInt());
        }
        if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                if (token.equals(vocab.get(i).path(0).asText(null))) {
                    return OptionalInt.of(i);
                }
            }
        }
        return OptionalInt.empty();
    }

    /** {@code key} from generation_config.json, else config.json (the first id when it is a list). */
    private static OptionalInt configuredId(Path folder, String key) {
        for (String name : List.of("generation_config.json", "config.json")) {
            Path file = folder.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try {
                JsonNode value = JSON.readTree(file.toFile()).path(key);
                if (value.isArray() && !value.isEmpty()) {
                    value = value.get(0);
                }
                if (value.canConvertToInt()) {
                    return OptionalInt.of(value.asInt());
                }
            } catch (IOException e) {
                // A broken side file is reported by whoever reads it for its own purpose; here it only lacks an id.
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public void close() {
        loaded.values().forEach(DjlTokenizer::close);
        loaded.clear();
    }
}
