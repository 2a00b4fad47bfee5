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
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.YamlInput;
import org.evomerge.engine.parameter.LaxCoercion;

/**
 * Reads mergekit recipes in their three forms: {@code models:}, {@code slices:} and {@code modules:} (per-module
 * {@code models:} or {@code slices:} for multi-module models; module names are checked against the architecture
 * when the merge is planned). A missing method, not exactly one of the three forms, and malformed values are
 * configuration errors naming the file and the key; values are read by mergekit's (pydantic's) rules
 * ({@link LaxCoercion}). Features evomerge does not implement (LoRA and hub references, per-slice base models) are
 * refused by name rather than ignored. The rules a recipe's content obeys are the parts' own (a recipe built in code
 * obeys the same); the reader checks the YAML's shape and names the file and the key of a part that breaks one.
 *
 * <p>Keys mergekit does not know are ignored by mergekit (its pydantic models drop extra keys, at the top level and
 * inside every entry), and published recipes carry some (a top-level {@code normalize:}). By default they are
 * ignored here too, each with a warning naming the file and the key ({@link MergeRecipe#warnings()}); a strict read
 * refuses them. A top-level {@code random_seed} (a whole number) is evomerge's: the seed of the merge's randomness,
 * which mergekit ignores, so the file stays a valid mergekit recipe.
 */
public final class RecipeReader {

    private static final Set<String> TOP_LEVEL = Set.of("merge_method", "base_model", "models", "slices", "modules",
            "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template", "name",
            "random_seed");
    private static final Set<String> MODEL_ENTRY = Set.of("model", "parameters");
    private static final Set<String> SLICE = Set.of("sources", "parameters", "base_model", "residual_weight");
    private static final Set<String> MODULE = Set.of("models", "slices", "parameters");
    private static final Set<String> SLICE_SOURCE = Set.of("model", "layer_range", "parameters");

    private final Path file;
    private final boolean strict;
    private final List<String> warnings = new ArrayList<>();

    private RecipeReader(Path file, boolean strict) {
        this.file = file;
        this.strict = strict;
    }

    /** Reads {@code file}, ignoring (with a warning) the keys mergekit ignores. */
    public static MergeRecipe read(Path file) {
        return read(file, false);
    }

    /**
     * Reads {@code file}.
     *
     * @param strict refuse keys mergekit ignores instead of ignoring them with a warning
     */
    public static MergeRecipe read(Path file, boolean strict) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read recipe: " + e.getMessage());
        }
        return parse(text, file, strict);
    }

    /** Parses {@code text} read from {@code file}, ignoring (with a warning) the keys mergekit ignores. */
    public static MergeRecipe parse(String text, Path file) {
        return parse(text, file, false);
    }

    /**
     * Parses {@code text} read from {@code file}.
     *
     * @param strict refuse keys mergekit ignores instead of ignoring them with a warning
     */
    public static MergeRecipe parse(String text, Path file, boolean strict) {
        return new RecipeReader(file, strict).recipe(text);
    }

    /**
     * Reads one recipe already parsed from YAML ({@link YamlInput}), such as one document of a multi-document file:
     * the same checks as {@link #parse}, messages naming {@code file}; the recipe's text is written from its content.
     *
     * @param strict refuse keys mergekit ignores instead of ignoring them with a warning
     */
    public static MergeRecipe fromDocument(Object document, Path file, boolean strict) {
        return new RecipeReader(file, strict).recipe(document, null);
    }

    private MergeRecipe recipe(String text) {
        return recipe(YamlInput.load(text, file), text);
    }

    private MergeRecipe recipe(Object root, String text) {
        Map<String, Object> top = mapping(root, "the recipe");
        checkKeys(top, TOP_LEVEL, "top level");
        String method = string(top.get("merge_method"), "merge_method")
                .orElseThrow(() -> error("'merge_method' is missing"));
        if (top.containsKey("tokenizer_source") && top.containsKey("tokenizer")) {
            throw error("give at most one of 'tokenizer_source' and 'tokenizer'");
        }
        Optional<TokenizerSettings> tokenizer = Optional.empty();
        if (top.get("tokenizer_source") != null) {
            String source = string(top.get("tokenizer_source"), "tokenizer_source").orElseThrow();
            tokenizer = Optional.of(tokenizerSource(source, "tokenizer_source", Map.of(), OptionalInt.empty()));
        } else if (top.get("tokenizer") != null) {
            tokenizer = Optional.of(tokenizerBlock(mapping(top.get("tokenizer"), "'tokenizer'")));
        }
        if (top.get("chat_template") != null) {
            string(top.get("chat_template"), "chat_template");
            notApplied("'chat_template' is not applied yet: the output keeps the reference model's chat template");
        }
        int forms = (top.containsKey("models") ? 1 : 0) + (top.containsKey("slices") ? 1 : 0)
                + (top.containsKey("modules") ? 1 : 0);
        if (forms != 1) {
            throw error("give exactly one of 'models', 'slices' and 'modules'");
        }
        Optional<String> base = string(top.get("base_model"), "base_model");
        base.ifPresent(b -> checkReference(b, "base_model"));
        boolean modelsForm = top.containsKey("models");
        List<RecipeSlice> slices = List.of();
        Map<String, RecipeModule> modules = new LinkedHashMap<>();
        if (top.containsKey("modules")) {
            Map<String, Object> raw = mapping(top.get("modules"), "'modules'");
            if (raw.isEmpty()) {
                throw error("'modules' is empty");
            }
            for (Map.Entry<String, Object> entry : raw.entrySet()) {
                String where = "modules." + entry.getKey();
                Map<String, Object> module = mapping(entry.getValue(), "'" + where + "'");
                checkKeys(module, MODULE, where);
                if (module.containsKey("models") == module.containsKey("slices")) {
                    throw error("give exactly one of '" + where + ".models' and '" + where + ".slices'");
                }
                boolean moduleModels = module.containsKey("models");
                List<RecipeSlice> moduleSlices = moduleModels
                        ? models(module.get("models"), where + ".models")
                        : slices(module.get("slices"), where + ".slices");
                Map<String, ParameterValue> moduleParameters = parameters(module.get("parameters"),
                        where + ".parameters");
                modules.put(entry.getKey(), checked(where, () -> new RecipeModule(entry.getKey(), moduleSlices,
                        moduleModels, moduleParameters)));
            }
        } else {
            slices = modelsForm ? models(top.get("models"), "models") : slices(top.get("slices"), "slices");
        }
        Optional<String> dtype = string(top.get("dtype"), "dtype");
        Optional<String> outDtype = string(top.get("out_dtype"), "out_dtype");
        OptionalLong randomSeed = OptionalLong.empty();
        if (top.get("random_seed") != null) {
            randomSeed = LaxCoercion.toInteger(top.get("random_seed"));
            if (randomSeed.isEmpty()) {
                throw error("'random_seed' must be a whole number, got " + top.get("random_seed"));
            }
        }
        Map<String, ParameterValue> parameters = parameters(top.get("parameters"), "parameters");
        List<RecipeSlice> topSlices = slices;
        Optional<TokenizerSettings> vocabulary = tokenizer;
        OptionalLong seed = randomSeed;
        return checked("", () -> new MergeRecipe(method, base, topSlices, modelsForm, parameters, dtype, outDtype,
                vocabulary, modules, seed, text == null ? new RecipeOrigin(file, Optional.empty(), warnings)
                        : RecipeOrigin.read(file, text, warnings)));
    }

    /** A {@code models:} list as one slice whose sources have no layer range. */
    private List<RecipeSlice> models(Object value, String key) {
        List<RecipeSource> sources = new ArrayList<>();
        forEachEntry(value, key, MODEL_ENTRY, (where, entry) -> {
            String model = modelReference(entry, where);
            Map<String, ParameterValue> parameters = parameters(entry.get("parameters"), where + ".parameters");
            sources.add(checked(where, () -> RecipeSource.everyLayer(model, parameters)));
        });
        return List.of(checked(key, () -> RecipeSlice.ofModels(sources)));
    }

    /** Reads one entry of a list of mappings: where it stands ({@code slices[2]}) and its keys, already checked. */
    private interface EntryReader {
        void read(String where, Map<String, Object> entry);
    }

    /** Hands every entry of the list {@code value} to {@code reader} in order, each a mapping of allowed keys. */
    private void forEachEntry(Object value, String key, Set<String> allowedKeys, EntryReader reader) {
        List<Object> entries = list(value, key);
        for (int i = 0; i < entries.size(); i++) {
            String where = key + "[" + i + "]";
            Map<String, Object> entry = mapping(entries.get(i), where);
            checkKeys(entry, allowedKeys, where);
            reader.read(where, entry);
        }
    }

    /** The entry's required {@code model:} reference, checked. */
    private String modelReference(Map<String, Object> entry, String where) {
        String model = string(entry.get("model"), where + ".model")
                .orElseThrow(() -> error("'" + where + ".model' is missing"));
        checkReference(model, where + ".model");
        return model;
    }

    private List<RecipeSlice> slices(Object value, String key) {
        List<RecipeSlice> slices = new ArrayList<>();
        forEachEntry(value, key, SLICE, (where, slice) -> {
            if (slice.get("base_model") != null) {
                throw error("'" + where + ".base_model': per-slice base models are not supported; set the recipe's"
                        + " base_model");
            }
            if (slice.containsKey("residual_weight")) {
                notApplied("'" + where + ".residual_weight' ignored (mergekit reads it but never uses it)");
            }
            List<RecipeSource> sources = new ArrayList<>();
            forEachEntry(slice.get("sources"), where + ".sources", SLICE_SOURCE, (at, source) -> {
                String model = modelReference(source, at);
                LayerRange range = layerRange(source.get("layer_range"), at + ".layer_range");
                Map<String, ParameterValue> parameters = parameters(source.get("parameters"), at + ".parameters");
                sources.add(checked(at, () -> new RecipeSource(model, Optional.of(range), parameters)));
            });
            Map<String, ParameterValue> parameters = parameters(slice.get("parameters"), where + ".parameters");
            slices.add(checked(where, () -> new RecipeSlice(sources, parameters)));
        });
        if (slices.isEmpty()) {
            throw error("'" + key + "' is empty");
        }
        return slices;
    }

    private TokenizerSettings tokenizerSource(String source, String key,
                                              Map<String, TokenizerSettings.TokenSetting> tokens, OptionalInt pad) {
        return switch (source) {
            case "base" -> new TokenizerSettings(TokenizerSettings.Source.BASE, Optional.empty(), tokens, pad);
            case "union" -> new TokenizerSettings(TokenizerSettings.Source.UNION, Optional.empty(), tokens, pad);
            default -> {
                checkReference(source, key);
                yield new TokenizerSettings(TokenizerSettings.Source.MODEL, Optional.of(source), tokens, pad);
            }
        };
    }

    /** mergekit's {@code tokenizer:} block; {@code source} defaults to {@code union} as in mergekit. */
    private TokenizerSettings tokenizerBlock(Map<String, Object> block) {
        checkKeys(block, Set.of("source", "tokens", "pad_to_multiple_of"), "tokenizer");
        String source = string(block.get("source"), "tokenizer.source").orElse("union");
        OptionalInt pad = OptionalInt.empty();
        if (block.get("pad_to_multiple_of") != null) {
            long multiple = wholeNumber(block.get("pad_to_multiple_of"), "tokenizer.pad_to_multiple_of");
            if (multiple < 0 || multiple > Integer.MAX_VALUE) {
                throw error("'tokenizer.pad_to_multiple_of' must be a whole number >= 0, got "
                        + block.get("pad_to_multiple_of"));
            }
            // 0 pads nothing, as in mergekit (which tests the value's truth).
            pad = multiple == 0 ? OptionalInt.empty() : OptionalInt.of((int) multiple);
        }
        Map<String, TokenizerSettings.TokenSetting> tokens = new LinkedHashMap<>();
        if (block.get("tokens") != null) {
            Map<String, Object> raw = mapping(block.get("tokens"), "'tokenizer.tokens'");
            for (Map.Entry<String, Object> entry : raw.entrySet()) {
                String where = "tokenizer.tokens." + entry.getKey();
                Map<String, Object> setting = entry.getValue() == null ? Map.of()
                        : mapping(entry.getValue(), "'" + where + "'");
                checkKeys(setting, Set.of("source", "force"), where);
                Object force = setting.get("force") == null ? false : setting.get("force");
                boolean forced = LaxCoercion.toBoolean(force).orElseThrow(() ->
                        error("'" + where + ".force' must be true or false, got " + force));
                tokens.put(entry.getKey(), new TokenizerSettings.TokenSetting(
                        tokenSource(setting.get("source"), where + ".source"), forced));
            }
        }
        return tokenizerSource(source, "tokenizer.source", tokens, pad);
    }

    private Optional<TokenizerSettings.TokenSource> tokenSource(Object value, String key) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?>)) {
            String model = string(value, key).orElseThrow();
            checkReference(model, key);
            return Optional.of(new TokenizerSettings.FromModel(model));
        }
        Map<String, Object> source = mapping(value, "'" + key + "'");
        String kind = string(source.get("kind"), key + ".kind")
                .orElseThrow(() -> error("'" + key + ".kind' is missing (model_token or zero)"));
        switch (kind) {
            case "zero" -> {
                checkKeys(source, Set.of("kind"), key);
                return Optional.of(new TokenizerSettings.Zero());
            }
            case "model_token" -> {
                checkKeys(source, Set.of("kind", "model", "token_id", "token"), key);
                String model = string(source.get("model"), key + ".model")
                        .orElseThrow(() -> error("'" + key + ".model' is missing"));
                checkReference(model, key + ".model");
                Object id = source.get("token_id");
                Optional<String> token = string(source.get("token"), key + ".token");
                if ((id == null) == token.isEmpty()) {
                    throw error("'" + key + "' needs exactly one of 'token_id' and 'token'");
                }
                OptionalInt tokenId = OptionalInt.empty();
                if (id != null) {
                    long whole = wholeNumber(id, key + ".token_id");
                    if (whole < 0 || whole > Integer.MAX_VALUE) {
                        throw error("'" + key + ".token_id' must be a whole number >= 0, got " + id);
                    }
                    tokenId = OptionalInt.of((int) whole);
                }
                return Optional.of(new TokenizerSettings.ModelToken(model, tokenId, token));
            }
            default -> throw error("'" + key + ".kind' must be model_token or zero, got '" + kind + "'");
        }
    }

    /**
     * Checks a reference by the recipe rule ({@link RecipeSource#checkReference}) where the part that holds it is not
     * built yet, so that the message names the reference's own key.
     */
    private void checkReference(String model, String key) {
        checked("", () -> {
            RecipeSource.checkReference(model, key);
            return model;
        });
    }

    private LayerRange layerRange(Object value, String key) {
        List<Object> range = list(value, key);
        OptionalLong start = range.size() == 2 ? LaxCoercion.toInteger(range.get(0)) : OptionalLong.empty();
        OptionalLong end = range.size() == 2 ? LaxCoercion.toInteger(range.get(1)) : OptionalLong.empty();
        if (start.isEmpty() || end.isEmpty() || !fitsInt(start.getAsLong()) || !fitsInt(end.getAsLong())) {
            throw error("'" + key + "' " + LayerRange.RULE + ", got " + value);
        }
        try {
            return new LayerRange((int) start.getAsLong(), (int) end.getAsLong());
        } catch (InvalidRecipeException e) {
            throw error("'" + e.keyUnder(key) + "' " + e.problem() + ", got " + value);
        }
    }

    private static boolean fitsInt(long value) {
        return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
    }

    /**
     * Builds a recipe part, which checks the recipe rules; a part that breaks one is an error naming the file and the
     * offending key under {@code where}, the key of the part.
     */
    private <T> T checked(String where, Supplier<T> part) {
        try {
            return part.get();
        } catch (InvalidRecipeException e) {
            String key = e.keyUnder(where);
            throw error(key.isEmpty() ? e.problem() : "'" + key + "' " + e.problem());
        }
    }

    /** A whole number by pydantic's rules (2, 2.0, "2"), else an error naming the key. */
    private long wholeNumber(Object value, String key) {
        return LaxCoercion.toInteger(value).orElseThrow(() ->
                error("'" + key + "' must be a whole number, got " + value));
    }

    private Map<String, ParameterValue> parameters(Object value, String key) {
        if (value == null) {
            return Map.of();
        }
        Map<String, Object> raw = mapping(value, key);
        Map<String, ParameterValue> result = new LinkedHashMap<>();
        raw.forEach((name, v) -> result.put(name, parameterValue(v, key + "." + name)));
        return result;
    }

    private ParameterValue parameterValue(Object value, String key) {
        if (value instanceof List<?> list) {
            if (!list.isEmpty() && list.stream().allMatch(e -> e instanceof Map<?, ?>)) {
                List<ParameterValue.Conditional> conditions = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Map<String, Object> c = mapping(list.get(i), key + "[" + i + "]");
                    checkKeys(c, Set.of("filter", "value"), key + "[" + i + "]");
                    if (!c.containsKey("value")) {
                        throw error("'" + key + "[" + i + "]' has no 'value'");
                    }
                    Optional<String> filter = string(c.get("filter"), key + "[" + i + "].filter");
                    conditions.add(new ParameterValue.Conditional(filter,
                            scalarOrGradient(c.get("value"), key + "[" + i + "].value")));
                }
                return new ParameterValue.Conditionals(conditions);
            }
            return scalarOrGradient(value, key);
        }
        return scalarOrGradient(value, key);
    }

    private ParameterValue scalarOrGradient(Object value, String key) {
        if (value instanceof List<?> list) {
            return withValue(key, value, () -> new ParameterValue.Gradient(new ArrayList<>(list)));
        }
        return withValue(key, value, () -> new ParameterValue.Scalar(value));
    }

    /** {@link #checked}, with the value that broke the rule in the message. */
    private <T> T withValue(String key, Object value, Supplier<T> part) {
        try {
            return part.get();
        } catch (InvalidRecipeException e) {
            throw error("'" + e.keyUnder(key) + "' " + e.problem() + ", got " + value);
        }
    }

    /**
     * Keys outside {@code allowed}: mergekit's pydantic models ignore extra keys wherever they are, so a lenient read
     * ignores them with a warning, a strict one refuses the first.
     */
    private void checkKeys(Map<String, Object> map, Set<String> allowed, String where) {
        for (String key : map.keySet()) {
            if (allowed.contains(key)) {
                continue;
            }
            if (strict) {
                throw error("unknown key '" + key + "' in " + where + "; known: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + " (--strict refuses the keys"
                        + " mergekit ignores)");
            }
            warnings.add(file + ": unknown key '" + key + "' " + (where.equals("top level") ? "at the top level"
                    : "in " + where) + " ignored, as mergekit ignores it (--strict refuses it)");
        }
    }

    /** A setting mergekit reads that changes nothing here: a warning, or with a strict read an error. */
    private void notApplied(String message) {
        if (strict) {
            throw error(message + " (--strict refuses it)");
        }
        warnings.add(file + ": " + message);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> mapping(Object value, String where) {
        if (!(value instanceof Map<?, ?> map)) {
            throw error(where + " must be a mapping, got " + (value == null ? "nothing" : value));
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw error(where + " has a non-text key " + key);
            }
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value, String where) {
        if (!(value instanceof List<?> list)) {
            throw error("'" + where + "' must be a list, got " + (value == null ? "nothing" : value));
        }
        return (List<Object>) list;
    }

    /** Text, as pydantic's {@code str} takes it: a number or a boolean is not text (quote it). */
    private Optional<String> string(Object value, String key) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            throw error("'" + key + "' must be text, got " + value + (value instanceof Map<?, ?>
                    || value instanceof List<?> ? "" : " (quote it)"));
        }
        return Optional.of(text);
    }

    private EvomergeException error(String message) {
        return EvomergeException.configuration(file + ": " + message);
    }
}
