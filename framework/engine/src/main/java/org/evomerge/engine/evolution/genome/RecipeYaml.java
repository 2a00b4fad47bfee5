package org.evomerge.engine.evolution.genome;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Writes recipe maps as mergekit YAML: block style, lists of plain values inline, no anchors, and doubles printed so
 * that both SnakeYAML and mergekit's PyYAML read back exactly the value that was merged.
 */
final class RecipeYaml {

    /** The top-level key of the root seed a recipe's random merge methods fork from. */
    static final String RANDOM_SEED = "random_seed";

    private RecipeYaml() {
    }

    /** A map that keeps the given key order (Map.of's order changes from one JVM to the next). */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** {@code reference} (a model's absolute path) as a path relative to {@code folder}, with '/' separators. */
    static String relativePath(Path folder, String reference) {
        Path from = folder.toAbsolutePath().normalize();
        Path to = Path.of(reference).toAbsolutePath().normalize();
        String relative = from.relativize(to).toString().replace(File.separatorChar, '/');
        return relative.isEmpty() ? "." : relative;
    }

    static String dump(Map<String, Object> recipe) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        options.setSplitLines(false);
        // A fresh tree: SnakeYAML anchors (&id001) any list or map that appears twice, such as a slice's layer_range
        // shared by its sources; mergekit recipes are written out in full.
        return new Yaml(new RecipeRepresenter(options), options).dump(copy(recipe));
    }

    private static Object copy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, copy(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(copy(v)));
            return copy;
        }
        return value;
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
