package org.evomerge.engine.evolution.genome;

import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** Writes recipe maps as mergekit YAML: block style, short lists inline, doubles printed so they read back exactly. */
final class RecipeYaml {

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

    static String dump(Map<String, Object> recipe) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        options.setSplitLines(false);
        return new Yaml(options).dump(recipe);
    }
}
