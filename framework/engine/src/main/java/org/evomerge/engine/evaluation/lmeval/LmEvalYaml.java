package org.evomerge.engine.evaluation.lmeval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.YamlInput;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a YAML file as lm-evaluation-harness reads task files ({@code lm_eval/tasks/_yaml_loader.py}): a mapping;
 * {@code !function module.name} kept as a {@link PythonFunction}; {@code include:} (a file or a list, relative to the
 * including file) merged first and overridden by the file's own keys, recursively, with cycles refused. Duplicate keys
 * keep the last value, as PyYAML does.
 */
final class LmEvalYaml {

    private LmEvalYaml() {
    }

    /**
     * The file's mapping with its includes merged in.
     *
     * @throws EvomergeException (configuration) naming the file, and the line for a syntax error
     */
    static Map<String, Object> load(Path file) {
        return load(file.toAbsolutePath().normalize(), new HashSet<>());
    }

    private static Map<String, Object> load(Path file, Set<Path> seen) {
        if (!seen.add(file)) {
            throw EvomergeException.configuration(file + ": 'include' forms a cycle back to this file");
        }
        Map<String, Object> config = read(file);
        Object includes = config.remove("include");
        if (includes == null) {
            return config;
        }
        Map<String, Object> merged = new LinkedHashMap<>();
        for (Object include : includes instanceof List<?> list ? list : List.of(includes)) {
            if (include == null || include instanceof Map<?, ?> || include instanceof List<?>) {
                throw EvomergeException.configuration(file + ": 'include' must name YAML files, got " + include);
            }
            Path included = file.getParent().resolve(include.toString()).normalize();
            if (!Files.isRegularFile(included)) {
                throw EvomergeException.configuration(file + ": 'include': no such file " + included);
            }
            Map<String, Object> parent = load(included, seen);
            // A parent's task_list defines the parent's own tasks, not the including file's.
            parent.remove("task_list");
            merged.putAll(parent);
        }
        merged.putAll(config);
        return merged;
    }

    /** One file's mapping, includes not followed. */
    static Map<String, Object> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw EvomergeException.configuration(file + ": no such task file");
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read (" + e.getMessage() + ")");
        }
        Object root;
        try {
            root = new Yaml(new Constructor(file)).load(text);
        } catch (YAMLException e) {
            throw YamlInput.syntaxError(file, e).orElseThrow();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw EvomergeException.configuration(file + ": expected a mapping (an lm-evaluation-harness task, group"
                    + " or include file)");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        map.forEach((k, v) -> config.put(String.valueOf(k), v));
        return config;
    }

    /** Every {@link PythonFunction} in {@code value} by where it is ({@code metric_list[0].metric}), depth first. */
    static Map<String, PythonFunction> functions(Object value) {
        Map<String, PythonFunction> found = new LinkedHashMap<>();
        collect("", value, found);
        return found;
    }

    private static void collect(String at, Object value, Map<String, PythonFunction> found) {
        switch (value) {
            case PythonFunction f -> found.put(at, f);
            case Map<?, ?> map -> map.forEach((k, v) -> collect(at.isEmpty() ? String.valueOf(k) : at + "." + k, v,
                    found));
            case List<?> list -> {
                for (int i = 0; i < list.size(); i++) {
                    collect(at + "[" + i + "]", list.get(i), found);
                }
            }
            case null, default -> {
            }
        }
    }

    /** SnakeYAML's safe constructor plus lm-eval's {@code !function} tag. */
    private static final class Constructor extends SafeConstructor {
        Constructor(Path file) {
            super(options());
            this.yamlConstructors.put(new Tag("!function"), new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String reference = node instanceof ScalarNode scalar ? scalar.getValue().strip() : "";
                    return new PythonFunction(reference, file, node.getStartMark().getLine() + 1);
                }
            });
        }

        private static LoaderOptions options() {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true);
            return options;
        }
    }
}
