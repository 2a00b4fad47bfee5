package org.evomerge.engine.recipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.YamlInput;

/**
 * Reads mergekit recipes in their three forms: {@code models:}, {@code slices:} and {@code modules:} (per-module
 * {@code models:} or {@code slices:} for multi-module models; module names are checked against the architecture
 * when the merge is planned). Unknown keys, a missing method, not exactly one of the three forms, and malformed
 * values are configuration errors naming the file and the key. Features evomerge does not implement (LoRA and hub
 * references) are refused by name rather than ignored.
 */
public final class RecipeReader {

    private static final Set<String> TOP_LEVEL = Set.of("merge_method", "base_model", "models", "slices", "modules",
            "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template", "name");
    private static final Set<String> MODEL_ENTRY = Set.of("model", "parameters");
    private static final Set<String> SLICE = Set.of("sources", "parameters");
    private static final Set<String> MODULE = Set.of("models", "slices", "parameters");
    private static final Set<String> SLICE_SOURCE = Set.of("model", "layer_range", "parameters");
    private static final Set<String> DTYPES = Set.of("float32", "float16", "bfloat16", "float", "half", "bf16", "fp16",
            "fp32");

    private RecipeReader() {
    }

    public static MergeRecipe read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read recipe: " + e.getMessage());
        }
        return parse(text, file);
    }

    public static MergeRecipe parse(String text, Path file) {
        Object root = YamlInput.load(text, file);
        Map<String, Object> top = mapping(file, root, "the recipe");
        checkKeys(file, top, TOP_LEVEL, "top level");
        String method = string(file, top.get("merge_method"), "merge_method")
                .orElseThrow(() -> error(file, "'merge_method' is missing"));
        if (top.containsKey("tokenizer_source") && top.containsKey("tokenizer")) {
            throw error(file, "give at most one of 'tokenizer_source' and 'tokenizer'");
        }
        Optional<TokenizerSettings> tokenizer = Optional.empty();
        if (top.get("tokenizer_source") != null) {
            String source = string(file, top.get("tokenizer_source"), "tokenizer_source").orElseThrow();
            tokenizer = Optional.of(tokenizerSource(file, source, "tokenizer_source", Map.of(), OptionalInt.empty()));
        } else if (top.get("tokenizer") != null) {
            tokenizer = Optional.of(tokenizerBlock(file, mapping(file, top.get("tokenizer"), "'tokenizer'")));
        }
        int forms = (top.containsKey("models") ? 1 : 0) + (top.containsKey("slices") ? 1 : 0)
                + (top.containsKey("modules") ? 1 : 0);
        if (forms != 1) {
            throw error(file, "give exactly one of 'models', 'slices' and 'modules'");
        }
        Optional<String> base = string(file, top.get("base_model"), "base_model");
        base.ifPresent(b -> checkReference(file, b, "base_model"));
        boolean modelsForm = top.containsKey("models");
        List<RecipeSlice> slices = List.of();
        Map<String, RecipeModule> modules = new LinkedHashMap<>();
        if (top.containsKey("modules")) {
            Map<String, Object> raw = mapping(file, top.get("modules"), "'modules'");
            if (raw.isEmpty()) {
                throw error(file, "'modules' is empty");
            }
            for (Map.Entry<String, Object> entry : raw.entrySet()) {
                String where = "modules." + entry.getKey();
                Map<String, Object> module = mapping(file, entry.getValue(), "'" + where + "'");
                checkKeys(file, module, MODULE, where);
                if (module.containsKey("models") == module.containsKey("slices")) {
                    throw error(file, "give exactly one of '" + where + ".models' and '" + where + ".slices'");
                }
                boolean moduleModels = module.containsKey("models");
                List<RecipeSlice> moduleSlices = moduleModels
                        ? models(file, module.get("models"), where + ".models")
                        : slices(file, module.get("slices"), where + ".slices");
                modules.put(entry.getKey(), new RecipeModule(entry.getKey(), moduleSlices, moduleModels,
                        parameters(file, module.get("parameters"), where + ".parameters")));
            }
        } else {
            slices = modelsForm ? models(file, top.get("models"), "models") : slices(file, top.get("slices"), "slices");
        }
        Optional<String> dtype = dtype(file, top.get("dtype"), "dtype");
        Optional<String> outDtype = dtype(file, top.get("out_dtype"), "out_dtype");
        return new MergeRecipe(method, base, slices, modelsForm, parameters(file, top.get("parameters"), "parameters"),
                dtype, outDtype, tokenizer, text, file, modules);
    }

    /** A {@code models:} list as one slice whose sources have no layer range. */
    private static List<RecipeSlice> models(Path file, Object value, String key) {
        List<RecipeSource> sources = new ArrayList<>();
        List<Object> entries = list(file, value, key);
        for (int i = 0; i < entries.size(); i++) {
            String where = key + "[" + i + "]";
            Map<String, Object> entry = mapping(file, entries.get(i), where);
            checkKeys(file, entry, MODEL_ENTRY, where);
            String model = string(file, entry.get("model"), where + ".model")
                    .orElseThrow(() -> error(file, "'" + where + ".model' is missing"));
            checkReference(file, model, where + ".model");
            sources.add(new RecipeSource(model, Optional.empty(), parameters(file, entry.get("parameters"),
                    where + ".parameters")));
        }
        if (sources.isEmpty()) {
            throw error(file, "'" + key + "' is empty");
        }
        return List.of(new RecipeSlice(sources, Map.of()));
    }

    private static List<RecipeSlice> slices(Path file, Object value, String key) {
        List<RecipeSlice> slices = new ArrayList<>();
        List<Object> entries = list(file, value, key);
        for (int i = 0; i < entries.size(); i++) {
            String where = key + "[" + i + "]";
            Map<String, Object> slice = mapping(file, entries.get(i), where);
            checkKeys(file, slice, SLICE, where);
            List<RecipeSource> sources = new ArrayList<>();
            List<Object> sourceEntries = list(file, slice.get("sources"), where + ".sources");
            Integer length = null;
            for (int j = 0; j < sourceEntries.size(); j++) {
                String at = where + ".sources[" + j + "]";
                Map<String, Object> source = mapping(file, sourceEntries.get(j), at);
                checkKeys(file, source, SLICE_SOURCE, at);
                String model = string(file, source.get("model"), at + ".model")
                        .orElseThrow(() -> error(file, "'" + at + ".model' is missing"));
                checkReference(file, model, at + ".model");
                int[] range = layerRange(file, source.get("layer_range"), at + ".layer_range");
                if (length != null && range[1] - range[0] != length) {
                    throw error(file, "'" + at + ".layer_range' has " + (range[1] - range[0])
                            + " layers; every source of a slice needs the same number (" + length + ")");
                }
                length = range[1] - range[0];
                sources.add(new RecipeSource(model, Optional.of(range), parameters(file, source.get("parameters"),
                        at + ".parameters")));
            }
            if (sources.isEmpty()) {
                throw error(file, "'" + where + ".sources' is empty");
            }
            slices.add(new RecipeSlice(sources, parameters(file, slice.get("parameters"), where + ".parameters")));
        }
        if (slices.isEmpty()) {
            throw error(file, "'" + key + "' is empty");
        }
        return slices;
    }

    private static TokenizerSettings tokenizerSource(Path file, String source, String key,
                                                     Map<String, TokenizerSettings.TokenSetting> tokens,
                                                     OptionalInt pad) {
        return switch (source) {
            case "base" -> new TokenizerSettings(TokenizerSettings.Source.BASE, Optional.empty(), tokens, pad);
            case "union" -> new TokenizerSettings(TokenizerSettings.Source.UNION, Optional.empty(), tokens, pad);
            default -> {
                checkReference(file, source, key);
                yield new TokenizerSettings(TokenizerSettings.Source.MODEL, Optional.of(source), tokens, pad);
            }
        };
    }

    /** mergekit's {@code tokenizer:} block; {@code source} defaults to {@code union} as in mergekit. */
    private static TokenizerSettings tokenizerBlock(Path file, Map<String, Object> block) {
        checkKeys(file, block, Set.of("source", "tokens", "pad_to_multiple_of"), "tokenizer");
        String source = string(file, block.get("source"), "tokenizer.source").orElse("union");
        OptionalInt pad = OptionalInt.empty();
        if (block.get("pad_to_multiple_of") != null) {
            if (!(block.get("pad_to_multiple_of") instanceof Integer multiple) || multiple < 1) {
                throw error(file, "'tokenizer.pad_to_multiple_of' must be a positive whole number, got "
                        + block.get("pad_to_multiple_of"));
            }
            pad = OptionalInt.of(multiple);
        }
        Map<String, TokenizerSettings.TokenSetting> tokens = new LinkedHashMap<>();
        if (block.get("tokens") != null) {
            Map<String, Object> raw = mapping(file, block.get("tokens"), "'tokenizer.tokens'");
            for (Map.Entry<String, Object> entry : raw.entrySet()) {
                String where = "tokenizer.tokens." + entry.getKey();
                Map<String, Object> setting = entry.getValue() == null ? Map.of()
                        : mapping(file, entry.getValue(), "'" + where + "'");
                checkKeys(file, setting, Set.of("source", "force"), where);
                Object force = setting.getOrDefault("force", false);
                if (!(force instanceof Boolean forced)) {
                    throw error(file, "'" + where + ".force' must be true or false, got " + force);
                }
                tokens.put(entry.getKey(), new TokenizerSettings.TokenSetting(
                        tokenSource(file, setting.get("source"), where + ".source"), forced));
            }
        }
        return tokenizerSource(file, source, "tokenizer.source", tokens, pad);
    }

    private static Optional<TokenizerSettings.TokenSource> tokenSource(Path file, Object value, String key) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?>)) {
            String model = string(file, value, key).orElseThrow();
            checkReference(file, model, key);
            return Optional.of(new TokenizerSettings.FromModel(model));
        }
        Map<String, Object> source = mapping(file, value, "'" + key + "'");
        String kind = string(file, source.get("kind"), key + ".kind")
                .orElseThrow(() -> error(file, "'" + key + ".kind' is missing (model_token or zero)"));
        switch (kind) {
            case "zero" -> {
                checkKeys(file, source, Set.of("kind"), key);
                return Optional.of(new TokenizerSettings.Zero());
            }
            case "model_token" -> {
                checkKeys(file, source, Set.of("kind", "model", "token_id", "token"), key);
                String model = string(file, source.get("model"), key + ".model")
                        .orElseThrow(() -> error(file, "'" + key + ".model' is missing"));
                checkReference(file, model, key + ".model");
                Object id = source.get("token_id");
                Optional<String> token = string(file, source.get("token"), key + ".token");
                if ((id == null) == token.isEmpty()) {
                    throw error(file, "'" + key + "' needs exactly one of 'token_id' and 'token'");
                }
                if (id != null && (!(id instanceof Integer tokenId) || tokenId < 0)) {
                    throw error(file, "'" + key + ".token_id' must be a whole number >= 0, got " + id);
                }
                return Optional.of(new TokenizerSettings.ModelToken(model,
                        id == null ? OptionalInt.empty() : OptionalInt.of((Integer) id), token));
            }
            default -> throw error(file, "'" + key + ".kind' must be model_token or zero, got '" + kind + "'");
        }
    }

    private static Optional<String> dtype(Path file, Object value, String key) {
        Optional<String> d = string(file, value, key);
        d.ifPresent(v -> {
            if (!DTYPES.contains(v)) {
                throw error(file, "'" + key + "' must be float32, bfloat16 or float16, got '" + v + "'");
            }
        });
        return d;
    }

    private static void checkReference(Path file, String model, String key) {
        if (model.contains("+")) {
            throw error(file, "'" + key + "' = '" + model + "': LoRA references (model+lora) are not supported yet;"
                    + " merge the LoRA into its model first");
        }
        if (model.contains("@")) {
            throw error(file, "'" + key + "' = '" + model + "': revisions (@rev) name Hugging Face hub models, which"
                    + " evomerge does not download; give a local folder");
        }
    }

    private static int[] layerRange(Path file, Object value, String key) {
        List<Object> range = list(file, value, key);
        if (range.size() != 2 || !(range.get(0) instanceof Integer start) || !(range.get(1) instanceof Integer end)
                || start < 0 || end <= start) {
            throw error(file, "'" + key + "' must be [start, end) with 0 <= start < end, got " + value);
        }
        return new int[] {start, end};
    }

    private static Map<String, ParameterValue> parameters(Path file, Object value, String key) {
        if (value == null) {
            return Map.of();
        }
        Map<String, Object> raw = mapping(file, value, key);
        Map<String, ParameterValue> result = new LinkedHashMap<>();
        raw.forEach((name, v) -> result.put(name, parameterValue(file, v, key + "." + name)));
        return result;
    }

    private static ParameterValue parameterValue(Path file, Object value, String key) {
        if (value instanceof List<?> list) {
            if (!list.isEmpty() && list.stream().allMatch(e -> e instanceof Map<?, ?>)) {
                List<ParameterValue.Conditional> conditions = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Map<String, Object> c = mapping(file, list.get(i), key + "[" + i + "]");
                    checkKeys(file, c, Set.of("filter", "value"), key + "[" + i + "]");
                    if (!c.containsKey("value")) {
                        throw error(file, "'" + key + "[" + i + "]' has no 'value'");
                    }
                    Optional<String> filter = string(file, c.get("filter"), key + "[" + i + "].filter");
                    conditions.add(new ParameterValue.Conditional(filter,
                            scalarOrGradient(file, c.get("value"), key + "[" + i + "].value")));
                }
                return new ParameterValue.Conditionals(conditions);
            }
            return scalarOrGradient(file, value, key);
        }
        return scalarOrGradient(file, value, key);
    }

    private static ParameterValue scalarOrGradient(Path file, Object value, String key) {
        if (value instanceof List<?> list) {
            if (list.isEmpty() || list.stream().anyMatch(e -> e instanceof List<?> || e instanceof Map<?, ?> || e == null)) {
                throw error(file, "'" + key + "' must be a value or a list of values (a gradient), got " + value);
            }
            return new ParameterValue.Gradient(new ArrayList<>(list));
        }
        if (value == null || value instanceof Map<?, ?>) {
            throw error(file, "'" + key + "' must be a value, a list of values or a list of {filter, value}, got " + value);
        }
        return new ParameterValue.Scalar(value);
    }

    private static void checkKeys(Path file, Map<String, Object> map, Set<String> allowed, String where) {
        for (String key : map.keySet()) {
            if (!allowed.contains(key)) {
                throw error(file, "unknown key '" + key + "' in " + where + "; known: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapping(Path file, Object value, String where) {
        if (!(value instanceof Map<?, ?> map)) {
            throw error(file, where + " must be a mapping, got " + (value == null ? "nothing" : value));
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw error(file, where + " has a non-text key " + key);
            }
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Path file, Object value, String where) {
        if (!(value instanceof List<?> list)) {
            throw error(file, "'" + where + "' must be a list, got " + (value == null ? "nothing" : value));
        }
        return (List<Object>) list;
    }

    private static Optional<String> string(Path file, Object value, String key) {
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw error(file, "'" + key + "' must be text, got " + value);
        }
        return Optional.of(value.toString());
    }

    private static EvomergeException error(Path file, String message) {
        return EvomergeException.configuration(file + ": " + message);
    }
}
