package org.evomerge.engine.architecture;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model family's tensor naming, read from a data file: which config.json {@code model_type}s and
 * {@code architectures} it covers, and an ordered list of name patterns, each with the tensor's role. In a pattern,
 * {@code {layer}} is a layer index and {@code *} one dot-free name segment; the first matching pattern wins.
 *
 * @param name          the description's id (its file name without {@code .yaml})
 * @param description   one line
 * @param modelTypes    config.json {@code model_type} values it covers
 * @param architectures config.json {@code architectures} class names it covers
 * <p>A multi-module model (a text decoder plus a vision tower, say) lists its {@link Module}s instead: each has a
 * name (the key a recipe's {@code modules:} uses, as in mergekit's architecture definitions), a weight-name prefix,
 * its own layer stack and its own patterns, matched against the name without the prefix. A description without
 * modules is one module named {@value #DEFAULT_MODULE} with no prefix, as in mergekit.
 *
 * @param name          the description's id (its file name without {@code .yaml})
 * @param description   one line
 * @param modelTypes    config.json {@code model_type} values it covers
 * @param architectures config.json {@code architectures} class names it covers
 * @param patterns      the naming rules, in order (empty when the description has modules)
 * @param source        where it was read from (a file or "built-in")
 * @param modules       the modules, in order (empty for a single-stack model)
 */
public record ArchitectureDescription(String name, String description, List<String> modelTypes,
                                      List<String> architectures, List<TensorPattern> patterns, String source,
                                      List<Module> modules) {

    /** The name of the one module of a description without modules (mergekit's name for it). */
    public static final String DEFAULT_MODULE = "default";

    public ArchitectureDescription {
        modelTypes = List.copyOf(modelTypes);
        architectures = List.copyOf(architectures);
        patterns = List.copyOf(patterns);
        modules = List.copyOf(modules);
    }

    /** A single-stack description (no modules). */
    public ArchitectureDescription(String name, String description, List<String> modelTypes,
                                   List<String> architectures, List<TensorPattern> patterns, String source) {
        this(name, description, modelTypes, architectures, patterns, source, List.of());
    }

    /**
     * One module of a multi-module model.
     *
     * @param name        its name in recipes ({@code modules: {NAME: ...}})
     * @param prefix      the prefix of all its weight names (may be empty: then the patterns alone tell modules apart)
     * @param layersKey   the config.json key of its layer count, dotted for nested objects
     *                    ({@code text_config.num_hidden_layers}); empty when it has no layer stack or the count is
     *                    read from the tensor names
     * @param patterns    its naming rules, matched against weight names without {@code prefix}
     */
    public record Module(String name, String prefix, Optional<String> layersKey,
                         List<TensorPattern> patterns) {
        public Module {
            patterns = List.copyOf(patterns);
        }

        /** Where {@code tensorName} sits in this module, or empty when it is not one of this module's weights. */
        public Optional<TensorPlacement> classify(String tensorName) {
            if (!tensorName.startsWith(prefix)) {
                return Optional.empty();
            }
            TensorPlacement placement = match(patterns, tensorName.substring(prefix.length()));
            return placement == null ? Optional.empty() : Optional.of(placement);
        }
    }

    /**
     * The modules a recipe's {@code modules:} can name: the declared ones, or the one {@value #DEFAULT_MODULE}
     * module covering every weight of a single-stack description.
     */
    public List<Module> effectiveModules() {
        return modules.isEmpty()
                ? List.of(new Module(DEFAULT_MODULE, "", Optional.of("num_hidden_layers"), patterns))
                : modules;
    }

    /** The module {@code tensorName} belongs to (the first whose prefix and patterns match), if any. */
    public Optional<Module> moduleOf(String tensorName) {
        for (Module module : modules) {
            if (module.classify(tensorName).isPresent()) {
                return Optional.of(module);
            }
        }
        return Optional.empty();
    }

    /** One naming rule, compiled. */
    public record TensorPattern(String pattern, TensorRole role, Pattern regex, boolean hasLayer) {

        static TensorPattern compile(String pattern, TensorRole role) {
            StringBuilder regex = new StringBuilder();
            boolean hasLayer = false;
            int i = 0;
            while (i < pattern.length()) {
                if (pattern.startsWith("{layer}", i)) {
                    if (hasLayer) {
                        throw new IllegalArgumentException("pattern '" + pattern + "' has {layer} twice");
                    }
                    regex.append("(\\d+)");
                    hasLayer = true;
                    i += "{layer}".length();
                } else if (pattern.charAt(i) == '*') {
                    regex.append("[^.]+");
                    i++;
                } else {
                    int next = i;
                    while (next < pattern.length() && pattern.charAt(next) != '*' && !pattern.startsWith("{layer}", next)) {
                        next++;
                    }
                    regex.append(Pattern.quote(pattern.substring(i, next)));
                    i = next;
                }
            }
            return new TensorPattern(pattern, role, Pattern.compile(regex.toString()), hasLayer);
        }
    }

    /** Where {@code tensorName} sits, or {@link TensorPlacement#UNKNOWN} when no rule matches. */
    public TensorPlacement classify(String tensorName) {
        if (!modules.isEmpty()) {
            for (Module module : modules) {
                Optional<TensorPlacement> placement = module.classify(tensorName);
                if (placement.isPresent()) {
                    return placement.get();
                }
            }
            return TensorPlacement.UNKNOWN;
        }
        TensorPlacement placement = match(patterns, tensorName);
        return placement == null ? TensorPlacement.UNKNOWN : placement;
    }

    private static TensorPlacement match(List<TensorPattern> patterns, String tensorName) {
        for (TensorPattern p : patterns) {
            Matcher m = p.regex().matcher(tensorName);
            if (m.matches()) {
                OptionalInt layer = OptionalInt.empty();
                if (p.hasLayer()) {
                    try {
                        layer = OptionalInt.of(Integer.parseInt(m.group(1)));
                    } catch (NumberFormatException e) {
                        continue; // a "layer" number too large to be one
                    }
                }
                return new TensorPlacement(p.role(), layer);
            }
        }
        return null;
    }
}
