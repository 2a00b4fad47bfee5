package org.evomerge.engine.vocabulary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.EvomergeException;

/**
 * The tokenizer files of an aligned merge's output. When the output vocabulary equals the template tokenizer's, the
 * template folder's files are carried unchanged. Otherwise {@code tokenizer.json} and {@code tokenizer_config.json}
 * are rewritten (tokens beyond the base's vocab_size removed from the vocabulary, merges and added tokens; new tokens
 * appended to {@code added_tokens} and {@code added_tokens_decoder}), and the slow-tokenizer files
 * ({@code tokenizer.model}, {@code vocab.json}, {@code merges.txt}, {@code vocab.txt}, {@code added_tokens.json}) are
 * left out because they would describe another vocabulary: the output is a fast tokenizer, as mergekit writes it.
 */
public final class AlignedTokenizerFiles {

    /** The tokenizer files a Hugging Face folder may hold. */
    public static final Set<String> TOKENIZER_FILES = Set.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "added_tokens.json", "vocab.json", "merges.txt", "vocab.txt",
            "chat_template.jinja", "chat_template.json");

    private static final Set<String> SLOW_FILES = Set.of("tokenizer.model", "added_tokens.json", "vocab.json",
            "merges.txt", "vocab.txt");

    private AlignedTokenizerFiles() {
    }

    /**
     * Writes what must be rewritten into {@code scratch} and returns the tokenizer files for the output.
     *
     * @param alignment the alignment
     * @param scratch   an empty folder for rewritten files
     */
    public static List<Path> write(VocabularyAlignment alignment, Path scratch) {
        Path templateFolder = alignment.template().file().getParent();
        List<Path> files = new ArrayList<>();
        boolean changed = alignment.changesTokenizer();
        for (String name : TOKENIZER_FILES.stream().sorted().toList()) {
            Path file = templateFolder.resolve(name);
            if (!Files.isRegularFile(file) || (changed && SLOW_FILES.contains(name))) {
                continue;
            }
            if (changed && name.equals("tokenizer.json")) {
                files.add(json(scratch.resolve(name), tokenizerJson(alignment)));
            } else if (changed && name.equals("tokenizer_config.json")) {
                files.add(json(scratch.resolve(name), tokenizerConfig(alignment, file)));
            } else {
                files.add(file.toAbsolutePath());
            }
        }
        return files;
    }

    private static ObjectNode tokenizerJson(VocabularyAlignment alignment) {
        TokenizerVocabulary template = alignment.template();
        ObjectNode root = template.root().deepCopy();
        Map<String, Integer> kept = template.ids();
        if (alignment.templateStripped()) {
            ObjectNode model = (ObjectNode) root.get("model");
            JsonNode vocab = model.get("vocab");
            if (vocab instanceof ObjectNode object) {
                object.properties().removeIf(e -> !kept.containsKey(e.getKey()) || kept.get(e.getKey()) != e.getValue().asInt());
                if (model.get("merges") instanceof ArrayNode merges) {
                    for (Iterator<JsonNode> it = merges.iterator(); it.hasNext(); ) {
                        JsonNode merge = it.next();
                        List<String> parts = new ArrayList<>();
                        if (merge.isTextual()) {
                            parts.addAll(List.of(merge.asText().split(" ", -1)));
                        } else {
                            merge.forEach(part -> parts.add(part.asText()));
                        }
                        if (!parts.stream().allMatch(kept::containsKey)) {
                            it.remove();
                        }
                    }
                }
            } else if (vocab instanceof ArrayNode array) {
                int size = kept.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
                while (array.size() > size) {
                    array.remove(array.size() - 1);
                }
            } else {
                throw EvomergeException.input(template.file() + ": cannot strip a vocabulary of type '"
                        + template.modelType() + "'", null);
            }
            if (root.get("added_tokens") instanceof ArrayNode added) {
                added.removeIf(entry -> !kept.containsKey(entry.path("content").asText()));
            }
        }
        ArrayNode added = root.get("added_tokens") instanceof ArrayNode list ? list : root.putArray("added_tokens");
        alignment.appended().values().forEach(added::add);
        return root;
    }

    private static ObjectNode tokenizerConfig(VocabularyAlignment alignment, Path file) {
        JsonNode parsed;
        try {
            parsed = TokenizerVocabulary.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw EvomergeException.input(file + ": not readable JSON: " + e.getMessage(), null);
        }
        if (!(parsed instanceof ObjectNode config)) {
            throw EvomergeException.input(file + ": not a JSON object", null);
        }
        if (config.get("added_tokens_decoder") instanceof ObjectNode decoder) {
            Map<String, Integer> kept = alignment.template().ids();
            decoder.properties().removeIf(e -> !kept.containsKey(e.getValue().path("content").asText()));
            for (ObjectNode entry : alignment.appended().values()) {
                ObjectNode info = decoder.putObject(Integer.toString(entry.get("id").asInt()));
                for (String key : List.of("content", "lstrip", "normalized", "rstrip", "single_word", "special")) {
                    if (entry.has(key)) {
                        info.set(key, entry.get(key));
                    }
                }
            }
        }
        return config;
    }

    private static Path json(Path target, ObjectNode content) {
        try {
            TokenizerVocabulary.JSON.writerWithDefaultPrettyPrinter().writeValue(target.toFile(), content);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
