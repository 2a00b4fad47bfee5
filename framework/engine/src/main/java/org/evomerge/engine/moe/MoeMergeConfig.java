package org.evomerge.engine.moe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.input.YamlInput;

/**
 * A mixture-of-experts merge as mergekit-moe's configuration file states it ({@code mergekit/moe/config.py},
 * {@code MoEMergeConfig}), with its defaults: {@code gate_mode} {@code hidden}, {@code experts_per_token} 2. Unlike
 * pydantic, which ignores them, an unknown key is an error naming the file and the key, so a misspelt option is not
 * silently dropped.
 *
 * @param file            the configuration file, named in errors
 * @param source          its text, written unchanged into the output as {@code mergekit_moe_config.yml}
 * @param baseModel       {@code base_model}: where everything but the MLPs comes from, and the gates' forward pass
 * @param experts         {@code experts}, at least one
 * @param gateMode        {@code gate_mode}: one of {@link #GATE_MODES}
 * @param dtype           {@code dtype}: the output dtype's name, or null for the base model's {@code torch_dtype}
 * @param expertsPerToken {@code experts_per_token}
 * @param sharedExperts   {@code shared_experts}; empty when absent
 * @param architecture    {@code architecture}: a prefix of an output architecture's name, or null to infer it
 */
public record MoeMergeConfig(Path file, String source, String baseModel, List<Expert> experts, String gateMode,
                             String dtype, int expertsPerToken, List<Expert> sharedExperts, String architecture) {

    /** The gate modes mergekit-moe accepts ({@code hidden_avg} and {@code hidden_last} are its variants of hidden). */
    public static final List<String> GATE_MODES = List.of("hidden", "hidden_avg", "hidden_last", "cheap_embed",
            "random", "uniform_random");
    private static final Set<String> KEYS = Set.of("base_model", "experts", "gate_mode", "dtype", "experts_per_token",
            "shared_experts", "architecture");
    private static final Set<String> EXPERT_KEYS = Set.of("source_model", "positive_prompts", "negative_prompts",
            "noise_scale", "residual_scale");

    /**
     * mergekit's {@code Expert}: a model whose MLPs become one expert in every layer.
     *
     * @param sourceModel     {@code source_model}
     * @param positivePrompts {@code positive_prompts}; empty when absent
     * @param negativePrompts {@code negative_prompts}; empty when absent
     * @param noiseScale      {@code noise_scale}: Gaussian noise of this deviation added to the expert's MLP weights,
     *                        or null for none
     * @param residualScale   {@code residual_scale}: factor on the expert's {@code down_proj}, or null for none
     */
    public record Expert(String sourceModel, List<String> positivePrompts, List<String> negativePrompts,
                         Double noiseScale, Double residualScale) {

        public Expert {
            Objects.requireNonNull(sourceModel, "sourceModel");
            positivePrompts = List.copyOf(positivePrompts);
            negativePrompts = List.copyOf(negativePrompts);
        }
    }

    public MoeMergeConfig {
        experts = List.copyOf(experts);
        sharedExperts = List.copyOf(sharedExperts);
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws EvomergeException (CONFIGURATION) naming the file and the key for a syntax error, an unknown key, a
     *     value of the wrong type or a missing required key; (INPUT) when the file cannot be read
     */
    public static MoeMergeConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the configuration: " + e.getMessage(), e);
        }
        return parse(file, text);
    }

    /** {@link #read} from text already in hand. */
    public static MoeMergeConfig parse(Path file, String text) {
        Object document = YamlInput.load(text, file);
        if (!(document instanceof Map<?, ?> map)) {
            throw error(file, "expected a mapping with 'base_model' and 'experts'");
        }
        checkKeys(file, "", map, KEYS);
        String base = text(file, "base_model", map.get("base_model"), true);
        List<Expert> experts = experts(file, "experts", map.get("experts"));
        if (experts.isEmpty()) {
            throw error(file, "'experts': at least one expert is needed");
        }
        String gateMode = Optional.ofNullable(text(file, "gate_mode", map.get("gate_mode"), false)).orElse("hidden");
        if (!GATE_MODES.contains(gateMode)) {
            throw error(file, "'gate_mode': '" + gateMode + "' is not one of " + String.join(", ", GATE_MODES)
                    + ClosestNames.hint(gateMode, GATE_MODES));
        }
        String dtype = text(file, "dtype", map.get("dtype"), false);
        if (dtype != null) {
            outputDtype(file, dtype);
        }
        Object perToken = map.get("experts_per_token");
        if (perToken != null && !(perToken instanceof Integer)) {
            throw error(file, "'experts_per_token': expected an integer, got '" + perToken + "'");
        }
        return new MoeMergeConfig(file, text, base, experts, gateMode, dtype,
                perToken == null ? 2 : (Integer) perToken,
                map.get("shared_experts") == null ? List.of() : experts(file, "shared_experts",
                        map.get("shared_experts")),
                text(file, "architecture", map.get("architecture"), false));
    }

    /**
     * mergekit's {@code is_bad_config}: the first reason this configuration cannot make a useful model, if any.
     *
     * @param allowAllSame whether experts that are all one model are allowed
     *                     ({@code --i-understand-this-is-not-useful-without-training})
     */
    public Optional<String> problem(boolean allowAllSame) {
        if (expertsPerToken < 1) {
            return Optional.of("'experts_per_token' must be at least 1");
        }
        if (experts.size() < expertsPerToken) {
            return Optional.of("'experts' must hold at least experts_per_token (" + expertsPerToken + ") experts");
        }
        if (gateMode.equals("random")) {
            return Optional.empty();
        }
        for (int i = 0; i < experts.size(); i++) {
            if (experts.get(i).positivePrompts().isEmpty()) {
                return Optional.of("expert " + i + " has no positive_prompts (gate_mode " + gateMode + " needs them)");
            }
        }
        Expert first = experts.getFirst();
        if (experts.size() > 1 && experts.stream().allMatch(e -> e.positivePrompts().equals(first.positivePrompts())
                && e.negativePrompts().equals(first.negativePrompts()))) {
            return Optional.of("the positive and negative prompts are identical for all experts, which does not make"
                    + " a working mixture: give each expert prompts that reflect what should be routed to it");
        }
        if (!allowAllSame && experts.size() > 1
                && experts.stream().allMatch(e -> e.sourceModel().equals(first.sourceModel()))) {
            return Optional.of("all the experts are the same model, which makes a model that costs more and computes"
                    + " the same; to train it after merging, add --i-understand-this-is-not-useful-without-training");
        }
        return Optional.empty();
    }

    /** Every model the merge reads, base first, each once. */
    public List<String> models() {
        List<String> models = new ArrayList<>();
        models.add(baseModel);
        for (Expert e : experts) {
            if (!models.contains(e.sourceModel())) {
                models.add(e.sourceModel());
            }
        }
        for (Expert e : sharedExperts) {
            if (!models.contains(e.sourceModel())) {
                models.add(e.sourceModel());
            }
        }
        return models;
    }

    /**
     * The dtype a mergekit dtype name stands for ({@code float32}, {@code float16}, {@code bfloat16} and their
     * aliases).
     */
    static DType outputDtype(Path file, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "float", "fp32" -> DType.F32;
            case "bfloat16", "bf16" -> DType.BF16;
            case "float16", "half", "fp16" -> DType.F16;
            default -> throw error(file, "'dtype': unknown dtype '" + name + "' (expected float32, float16 or"
                    + " bfloat16)");
        };
    }

    private static List<Expert> experts(Path file, String key, Object value) {
        if (!(value instanceof List<?> list)) {
            throw error(file, "'" + key + "': expected a list of experts, each with a 'source_model'");
        }
        List<Expert> experts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = key + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> entry)) {
                throw error(file, "'" + where + "': expected a mapping with 'source_model'");
            }
            checkKeys(file, where + ".", entry, EXPERT_KEYS);
            experts.add(new Expert(text(file, where + ".source_model", entry.get("source_model"), true),
                    prompts(file, where + ".positive_prompts", entry.get("positive_prompts")),
                    prompts(file, where + ".negative_prompts", entry.get("negative_prompts")),
                    number(file, where + ".noise_scale", entry.get("noise_scale")),
                    number(file, where + ".residual_scale", entry.get("residual_scale"))));
        }
        return experts;
    }

    private static List<String> prompts(Path file, String key, Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(p -> p instanceof String)) {
            throw error(file, "'" + key + "': expected a list of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static Double number(Path file, String key, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number n)) {
            throw error(file, "'" + key + "': expected a number, got '" + value + "'");
        }
        return n.doubleValue();
    }

    private static String text(Path file, String key, Object value, boolean required) {
        if (value == null) {
            if (required) {
                throw error(file, "'" + key + "' is missing");
            }
            return null;
        }
        if (!(value instanceof String s)) {
            throw error(file, "'" + key + "': expected a string, got '" + value + "'");
        }
        return s;
    }

    private static void checkKeys(Path file, String prefix, Map<?, ?> map, Set<String> known) {
        for (Object key : map.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                throw error(file, "unknown key '" + prefix + key + "'"
                        + ClosestNames.hint(String.valueOf(key), known));
            }
        }
    }

    static EvomergeException error(Path file, String message) {
        return EvomergeException.configuration(file + ": " + message);
    }
}
