package org.evomerge.engine.architecture;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.engine.input.YamlInput;

/**
 * The architecture descriptions evomerge knows: the built-in files, then every {@code *.yaml} in the user's folders
 * (a user file replaces a built-in one of the same name, so users can fix or extend a family without code).
 */
public final class ArchitectureCatalog {

    private static final String BUILT_IN = "/org/evomerge/engine/architecture/";

    private final Map<String, ArchitectureDescription> descriptions;

    private ArchitectureCatalog(Map<String, ArchitectureDescription> descriptions) {
        this.descriptions = descriptions;
    }

    /** The built-in descriptions plus those in {@code userFolders} (missing folders are skipped). */
    public static ArchitectureCatalog load(List<Path> userFolders) {
        Map<String, ArchitectureDescription> found = new LinkedHashMap<>();
        for (String file : builtInFiles()) {
            try (InputStream in = ArchitectureCatalog.class.getResourceAsStream(BUILT_IN + file)) {
                if (in == null) {
                    throw new IllegalStateException("built-in architecture " + file + " is missing from the engine jar");
                }
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                ArchitectureDescription d = parse(new StringReader(text), stem(file), "built-in " + file);
                found.put(d.name(), d);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        for (Path folder : userFolders) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : files.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList()) {
                    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                        ArchitectureDescription d = parse(reader, stem(file.getFileName().toString()), file.toString());
                        found.put(d.name(), d);
                    }
                }
            } catch (IOException e) {
                throw EvomergeException.configuration(folder + ": cannot read architecture descriptions: " + e.getMessage());
            }
        }
        return new ArchitectureCatalog(found);
    }

    private static List<String> builtInFiles() {
        try (InputStream in = ArchitectureCatalog.class.getResourceAsStream(BUILT_IN + "index.txt")) {
            if (in == null) {
                throw new IllegalStateException("architecture index is missing from the engine jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stem(String fileName) {
        return fileName.replaceFirst("\\.ya?ml$", "");
    }

    @SuppressWarnings("unchecked")
    static ArchitectureDescription parse(Reader reader, String name, String source) {
        Object root = YamlInput.load(reader, source);
        if (!(root instanceof Map<?, ?> map)) {
            throw EvomergeException.configuration(source + ": an architecture description is a YAML mapping");
        }
        for (Object key : map.keySet()) {
            if (!List.of("name", "description", "model_types", "architectures", "tensors", "modules")
                    .contains(String.valueOf(key))) {
                throw EvomergeException.configuration(source + ": unknown key '" + key + "' (known: name, description,"
                        + " model_types, architectures, tensors, modules)");
            }
        }
        String declared = map.get("name") == null ? name : String.valueOf(map.get("name"));
        List<ArchitectureDescription.Module> modules = new ArrayList<>();
        List<ArchitectureDescription.TensorPattern> patterns = List.of();
        if (map.get("modules") != null) {
            if (map.containsKey("tensors")) {
                throw EvomergeException.configuration(source + ": give 'tensors' or 'modules', not both (each module"
                        + " has its own 'tensors')");
            }
            if (!(map.get("modules") instanceof Map<?, ?> raw) || raw.isEmpty()) {
                throw EvomergeException.configuration(source + ": 'modules' must be a non-empty mapping of module"
                        + " names to {prefix, layers, tensors}");
            }
            for (Map.Entry<?, ?> entry : raw.entrySet()) {
                modules.add(module(String.valueOf(entry.getKey()), entry.getValue(), source));
            }
        } else {
            patterns = patterns(map.get("tensors"), source, "tensors");
        }
        Object description = map.get("description");
        return new ArchitectureDescription(declared, description == null ? "" : String.valueOf(description),
                strings(map.get("model_types"), source, "model_types"),
                strings(map.get("architectures"), source, "architectures"), patterns, source, modules);
    }

    private static ArchitectureDescription.Module module(String moduleName, Object value, String source) {
        String where = "modules." + moduleName;
        if (!(value instanceof Map<?, ?> module)) {
            throw EvomergeException.configuration(source + ": '" + where + "' must be a mapping of prefix, layers"
                    + " and tensors");
        }
        for (Object key : module.keySet()) {
            if (!List.of("prefix", "layers", "tensors").contains(String.valueOf(key))) {
                throw EvomergeException.configuration(source + ": unknown key '" + key + "' in '" + where
                        + "' (known: prefix, layers, tensors)");
            }
        }
        Object prefix = module.get("prefix");
        Object layers = module.get("layers");
        if ((prefix != null && !(prefix instanceof String)) || (layers != null && !(layers instanceof String))) {
            throw EvomergeException.configuration(source + ": '" + where + ".prefix' and '" + where
                    + ".layers' are text");
        }
        return new ArchitectureDescription.Module(moduleName, prefix == null ? "" : (String) prefix,
                Optional.ofNullable((String) layers), patterns(module.get("tensors"), source, where + ".tensors"));
    }

    private static List<ArchitectureDescription.TensorPattern> patterns(Object value, String source, String key) {
        List<ArchitectureDescription.TensorPattern> patterns = new ArrayList<>();
        if (!(value instanceof List<?> tensors) || tensors.isEmpty()) {
            throw EvomergeException.configuration(source + ": '" + key + "' must be a non-empty list of {pattern, role}");
        }
        for (Object entry : tensors) {
            if (!(entry instanceof Map<?, ?> rule) || !(rule.get("pattern") instanceof String pattern)
                    || !(rule.get("role") instanceof String roleId)) {
                throw EvomergeException.configuration(source + ": each entry of '" + key + "' needs a pattern and a"
                        + " role: " + entry);
            }
            TensorRole role = TensorRole.fromId(roleId);
            if (role == null) {
                throw EvomergeException.configuration(source + ": unknown role '" + roleId + "' for pattern '" + pattern
                        + "'; roles: embedding, position_embedding, norm, attention, mlp, final_norm, output_head, other");
            }
            try {
                patterns.add(ArchitectureDescription.TensorPattern.compile(pattern, role));
            } catch (IllegalArgumentException e) {
                throw EvomergeException.configuration(source + ": " + e.getMessage());
            }
        }
        return patterns;
    }

    private static List<String> strings(Object value, String source, String key) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw EvomergeException.configuration(source + ": '" + key + "' must be a list");
        }
        return list.stream().map(String::valueOf).toList();
    }

    public List<ArchitectureDescription> all() {
        return List.copyOf(descriptions.values());
    }

    /** The description covering {@code config}: by architecture class first, then by model type. */
    public Optional<ArchitectureDescription> find(ModelConfig config) {
        for (String architecture : config.architectures()) {
            for (ArchitectureDescription d : descriptions.values()) {
                if (d.architectures().contains(architecture)) {
                    return Optional.of(d);
                }
            }
        }
        return descriptions.values().stream().filter(d -> d.modelTypes().contains(config.modelType())).findFirst();
    }

    /** The description covering {@code config}, or one that classifies every tensor as OTHER. */
    public ArchitectureDescription findOrGeneric(ModelConfig config) {
        return find(config).orElse(new ArchitectureDescription("unknown", "no description matches",
                List.of(), List.of(), List.of(), "none"));
    }
}
