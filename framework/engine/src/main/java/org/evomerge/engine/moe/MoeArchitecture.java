package org.evomerge.engine.moe;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import org.evomerge.api.EvomergeException;

/**
 * The output architectures of mergekit-moe ({@code mergekit/moe/__init__.py}'s {@code ALL_OUTPUT_ARCHITECTURES}, in
 * its order), each with its {@code supports_config} rule, and mergekit's {@code select_output_arch}: the
 * configuration's {@code architecture} keeps those whose name starts with it (case-insensitive), the rules keep those
 * the models fit, and Mixtral is preferred when it fits, else the first.
 */
public enum MoeArchitecture {
    MIXTRAL("Mixtral"),
    DEEPSEEK("DeepSeek MoE"),
    QWEN("Qwen MoE");

    private final String displayName;

    MoeArchitecture(String displayName) {
        this.displayName = displayName;
    }

    /** The name mergekit gives it, which {@code architecture} in the configuration is a prefix of. */
    public String displayName() {
        return displayName;
    }

    /**
     * Why this architecture cannot hold {@code config}'s merge, or empty when it can.
     *
     * @param modelType a model's {@code model_type}, by the reference the configuration gives
     */
    public Optional<String> unsupported(MoeMergeConfig config, Function<String, String> modelType) {
        List<String> models = new ArrayList<>();
        models.add(config.baseModel());
        config.experts().forEach(e -> models.add(e.sourceModel()));
        List<MoeMergeConfig.Expert> shared = config.sharedExperts();
        List<String> accepted;
        switch (this) {
            case MIXTRAL -> {
                if (!shared.isEmpty()) {
                    return Optional.of("Mixtral does not support shared experts");
                }
                accepted = List.of("llama", "mistral");
            }
            case DEEPSEEK -> {
                if (shared.size() > 1) {
                    return Optional.of("DeepSeek MoE does not support more than one shared expert");
                }
                if (shared.size() == 1 && (!shared.getFirst().positivePrompts().isEmpty()
                        || !shared.getFirst().negativePrompts().isEmpty())) {
                    return Optional.of("DeepSeek MoE does not support gating shared experts");
                }
                shared.forEach(e -> models.add(e.sourceModel()));
                accepted = List.of("llama", "mistral");
            }
            case QWEN -> {
                if (shared.size() != 1) {
                    return Optional.of("Qwen MoE requires exactly one shared expert");
                }
                if (!config.gateMode().equals("random") && shared.getFirst().positivePrompts().isEmpty()) {
                    return Optional.of("Qwen MoE requires the shared expert to have prompts");
                }
                shared.forEach(e -> models.add(e.sourceModel()));
                accepted = List.of("llama", "mistral", "qwen2");
            }
            default -> throw new IllegalStateException();
        }
        List<String> types = models.stream().map(modelType).toList();
        if (new HashSet<>(types).size() != 1) {
            return Optional.of(displayName + " requires all input models to have the same architecture (model_type "
                    + String.join(", ", types) + ")");
        }
        if (!accepted.contains(types.getFirst())) {
            return Optional.of(displayName + " requires all input models to be of model_type "
                    + String.join(" or ", accepted) + ", not '" + types.getFirst() + "'");
        }
        return Optional.empty();
    }

    /**
     * mergekit's {@code select_output_arch} for {@code config}.
     *
     * @param modelType a model's {@code model_type}, by the reference the configuration gives
     * @throws EvomergeException (CONFIGURATION) naming the file when no architecture matches or fits, with each
     *     candidate's reason
     */
    public static MoeArchitecture select(MoeMergeConfig config, Function<String, String> modelType) {
        List<MoeArchitecture> named = new ArrayList<>();
        for (MoeArchitecture a : values()) {
            if (config.architecture() == null || a.displayName.toLowerCase(Locale.ROOT)
                    .startsWith(config.architecture().toLowerCase(Locale.ROOT))) {
                named.add(a);
            }
        }
        if (named.isEmpty()) {
            throw MoeMergeConfig.error(config.file(), "'architecture': no output architecture matches '"
                    + config.architecture() + "' (supported: mixtral, deepseek, qwen)");
        }
        List<MoeArchitecture> fitting = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (MoeArchitecture a : named) {
            Optional<String> reason = a.unsupported(config, modelType);
            if (reason.isEmpty()) {
                fitting.add(a);
            } else {
                reasons.add(reason.get());
            }
        }
        if (fitting.isEmpty()) {
            throw MoeMergeConfig.error(config.file(), "no output architecture is compatible with the given models: "
                    + String.join("; ", reasons));
        }
        return fitting.contains(MIXTRAL) ? MIXTRAL : fitting.getFirst();
    }
}
