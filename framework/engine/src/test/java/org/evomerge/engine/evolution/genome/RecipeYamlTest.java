package org.evomerge.engine.evolution.genome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Recipes as written: every double reads back exactly, in SnakeYAML and in PyYAML's YAML 1.1 float syntax. */
class RecipeYamlTest {

    /**
     * The plain floats of YAML 1.1 as PyYAML resolves them (the values mergekit reads): digits, a '.', digits, and
     * an optional exponent that carries its sign. Anything else PyYAML reads as a string or an integer.
     */
    private static final Pattern YAML_11_FLOAT = Pattern.compile("[-+]?[0-9][0-9_]*\\.[0-9_]*(?:[eE][-+][0-9]+)?");

    private static final double[] VALUES = {0.1, 0.1 + 0.2, 1.0 / 3, 0.7, 1.0, 0.0, -0.0, -2.5, 1e-5, 2.5e-4, 1e-3,
        1e7, 1.2345e10, 1e22, 1e300, Double.MIN_VALUE, Double.MAX_VALUE, 123456789.125, 0.8736491523288407};

    @Test
    void doublesAreTheShortestTextThatReadsBackExactly() {
        assertEquals("0.1", RecipeYaml.shortest(0.1));
        assertEquals("0.30000000000000004", RecipeYaml.shortest(0.1 + 0.2)); // the value merged, not noise added
        assertEquals("1.0e-05", RecipeYaml.shortest(1e-5));
        assertEquals("1.2345e+10", RecipeYaml.shortest(1.2345e10));
        assertEquals("4.9e-324", RecipeYaml.shortest(Double.MIN_VALUE));
        for (double v : VALUES) {
            String text = RecipeYaml.shortest(v);
            assertTrue(YAML_11_FLOAT.matcher(text).matches(), text + " is a YAML 1.1 float");
            assertEquals(v, Double.parseDouble(text), text);
            assertEquals(Double.toString(v), Double.toString(Double.parseDouble(text)), "no digit more than needed");
        }
    }

    @Test
    void aDumpedRecipeReadsBackWithTheSameValuesAndNoAnchors() {
        List<Integer> range = List.of(0, 2); // shared by two sources, as RecipeSpace builds slices
        List<Object> sources = new ArrayList<>();
        for (double v : VALUES) {
            sources.add(RecipeYaml.ordered("model", "../m", "layer_range", range, "parameters",
                    RecipeYaml.ordered("weight", v, "density", List.of(v, 0.5))));
        }
        Map<String, Object> recipe = RecipeYaml.ordered("merge_method", "dare_ties", "slices",
                List.of(RecipeYaml.ordered("sources", sources)), RecipeYaml.RANDOM_SEED, -4372098096615728135L);
        String text = RecipeYaml.dump(recipe);
        assertFalse(text.contains("&") || text.contains("*"), text);
        assertTrue(text.contains("layer_range: [0, 2]\n"), text);
        assertTrue(text.endsWith("random_seed: -4372098096615728135\n"), text);
        assertEquals(recipe, new Yaml().load(text));
    }

    @Test
    void modelPathsAreRelativeToTheRecipeFolder() {
        Path folder = Path.of("/runs/r1/best");
        assertEquals("../../../models/base", RecipeYaml.relativePath(folder, "/models/base"));
        assertEquals("../population/x", RecipeYaml.relativePath(folder, "/runs/r1/population/x"));
    }
}
