package org.evomerge.engine.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Writes a {@link MergeRecipe} as mergekit YAML that {@link RecipeReader} reads back as an equal recipe: keys in
 * mergekit's order, block style, lists of plain values inline, no anchors, and doubles printed so that both
 * SnakeYAML and mergekit's PyYAML read back exactly the value that was merged. Keys a recipe does not set are left
 * out, as are empty parameter maps.
 */
public final class RecipeYaml {

    private RecipeYaml() {
    }

    /** The recipe as YAML text. */
    public static String write(MergeRecipe recipe) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        options.setSplitLines(false);
        return new Yaml(new RecipeRepresenter(options), options).dump(tree(recipe));
    }

    /**
     * The recipe as a tree of maps and lists, every list and map its own object: SnakeYAML anchors ({@code &id001})
     * any list or map that appears twice, and mergekit recipes are written out in full.
     */
    private static Map<String, Object> tree(MergeRecipe recipe) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("merge_method", recipe.mergeMethod());
        recipe.baseModel().ifPresent(b -> top.put("base_model", b));
        if (recipe.hasModules()) {
            Map<String, Object> modules = new LinkedHashMap<>();
            recipe.modules().forEach((name, module) -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                putSlices(entry, module.slices(), module.modelsForm());
                putParameters(entry, module.parameters());
                modules.put(name, entry);
            });
            top.put("modules", modules);
        } else {
            putSlices(top, recipe.slices(), recipe.modelsForm());
        }
        putParameters(top, recipe.parameters());
        recipe.dtype().ifPresent(d -> top.put("dtype", d));
        recipe.outDtype().ifPresent(d -> top.put("out_dtype", d));
        recipe.tokenizer().ifPresent(t -> putTokenizer(top, t));
        recipe.randomSeed().ifPresent(seed -> top.put("random_seed", seed));
        return top;
    }

    private static void putSlices(Map<String, Object> into, List<RecipeSlice> slices, boolean modelsForm) {
        if (modelsForm) {
            List<Object> models = new ArrayList<>();
            for (RecipeSource source : slices.getFirst().sources()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("model", source.model());
                putParameters(entry, source.parameters());
                models.add(entry);
            }
            into.put("models", models);
            return;
        }
        List<Object> written = new ArrayList<>();
        for (RecipeSlice slice : slices) {
            List<Object> sources = new ArrayList<>();
            for (RecipeSource source : slice.sources()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("model", source.model());
                LayerRange range = source.layerRange().orElseThrow();
                entry.put("layer_range", new ArrayList<>(List.of(range.start(), range.end())));
                putParameters(entry, source.parameters());
                sources.add(entry);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("sources", sources);
            putParameters(entry, slice.parameters());
            written.add(entry);
        }
        into.put("slices", written);
    }

    private static void putParameters(Map<String, Object> into, Map<String, ParameterValue> parameters) {
        if (parameters.isEmpty()) {
            return;
        }
        Map<String, Object> written = new LinkedHashMap<>();
        parameters.forEach((name, value) -> written.put(name, value(value)));
        into.put("parameters", written);
    }

    private static Object value(ParameterValue value) {
        return switch (value) {
            case ParameterValue.Scalar s -> s.value();
            case ParameterValue.Gradient g -> new ArrayList<>(g.values());
            case ParameterValue.Conditionals c -> {
                List<Object> conditions = new ArrayList<>();
                for (ParameterValue.Conditional condition : c.conditions()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    condition.filter().ifPresent(f -> entry.put("filter", f));
                    entry.put("value", value(condition.value()));
                    conditions.add(entry);
                }
                yield conditions;
            }
        };
    }

    /** {@code tokenizer_source} when the settings are only a source, else mergekit's {@code tokenizer:} block. */
    private static void putTokenizer(Map<String, Object> into, TokenizerSettings settings) {
        String source = switch (settings.source()) {
            case BASE -> "base";
            case UNION -> "union";
            case MODEL -> settings.sourceModel().orElseThrow();
        };
        if (settings.tokens().isEmpty() && settings.padToMultipleOf().isEmpty()) {
            into.put("tokenizer_source", source);
            return;
        }
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("source", source);
        if (!settings.tokens().isEmpty()) {
            Map<String, Object> tokens = new LinkedHashMap<>();
            settings.tokens().forEach((token, setting) -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                setting.source().ifPresent(s -> entry.put("source", switch (s) {
                    case TokenizerSettings.FromModel m -> m.model();
                    case TokenizerSettings.ModelToken m -> {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("kind", "model_token");
                        row.put("model", m.model());
                        m.tokenId().ifPresent(id -> row.put("token_id", id));
                        m.token().ifPresent(t -> row.put("token", t));
                        yield row;
                    }
                    case TokenizerSettings.Zero z -> new LinkedHashMap<>(Map.of("kind", "zero"));
                }));
                if (setting.force()) {
                    entry.put("force", true);
                }
                tokens.put(token, entry);
            });
            block.put("tokens", tokens);
        }
        settings.padToMultipleOf().ifPresent(pad -> block.put("pad_to_multiple_of", pad));
        into.put("tokenizer", block);
    }

    /**
     * A double as the shortest decimal that reads back as the same double (Java's {@code Double.toString}), with an
     * exponent, where there is one, written {@code e-05} / {@code e+20}: PyYAML's YAML 1.1 resolver reads a float
     * only with a '.' in the mantissa and a sign in the exponent, and would take {@code 1.0E10} for a string.
     */
    static String shortest(double value) {
        if (Double.isNaN(value)) {
            return ".nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? ".inf" : "-.inf";
        }
        String text = Double.toString(value);
        int e = text.indexOf('E');
        if (e < 0) {
            return text;
        }
        int exponent = Integer.parseInt(text.substring(e + 1));
        String digits = Integer.toString(Math.abs(exponent));
        return text.substring(0, e) + "e" + (exponent < 0 ? "-" : "+") + (digits.length() < 2 ? "0" : "") + digits;
    }

    private static final class RecipeRepresenter extends Representer {

        RecipeRepresenter(DumperOptions options) {
            super(options);
            this.representers.put(Double.class, data -> representScalar(Tag.FLOAT, shortest((Double) data)));
            // Lists of plain values (layer ranges, gradients) inline, as mergekit recipes are written by hand.
            this.representers.put(ArrayList.class, data -> {
                List<?> list = (List<?>) data;
                boolean values = list.stream().allMatch(v -> v instanceof Number || v instanceof String);
                return representSequence(Tag.SEQ, list, values ? DumperOptions.FlowStyle.FLOW
                        : DumperOptions.FlowStyle.BLOCK);
            });
        }
    }
}
