package org.evomerge.engine.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;

/** YAML syntax errors as FILE:LINE:COLUMN: problem, lines and columns counted from 1 as editors show them. */
class YamlInputTest {

    private static final Path FILE = Path.of("/work/recipe.yml");

    private static String error(String text) {
        EvomergeException e = assertThrows(EvomergeException.class, () -> YamlInput.load(text, FILE));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void anUnclosedFlowSequenceIsReportedWhereTheParserGaveUpAndWhereTheSequenceStarted() {
        assertEquals("/work/recipe.yml:3:1: not valid YAML: expected ',' or ']', but got <stream end>"
                + " (while parsing a flow sequence at 2:9)", error("merge_method: ties\nmodels: [a, b\n"));
    }

    @Test
    void aBadIndentIsReportedAtItsLineAndColumn() {
        assertEquals("/work/recipe.yml:3:15: not valid YAML: mapping values are not allowed here",
                error("parameters:\n  weight: 1\n  density: 0.5: 2\n"));
    }

    @Test
    void aTabIndentIsReportedAtTheTab() {
        assertTrue(error("models:\n\t- model: a\n").startsWith("/work/recipe.yml:2:1: not valid YAML: "),
                error("models:\n\t- model: a\n"));
    }

    @Test
    void aDuplicateKeyIsReportedAtItsSecondOccurrence() {
        assertEquals("/work/recipe.yml:2:1: not valid YAML: found duplicate key merge_method"
                + " (while constructing a mapping at 1:1)", error("merge_method: ties\nmerge_method: linear\n"));
    }

    @Test
    void validYamlIsReadFromTextAndFromAReader() {
        assertEquals(Map.of("models", List.of("a", "b")), YamlInput.load("models: [a, b]\n", FILE));
        assertEquals(Map.of("k", 1), YamlInput.load(new StringReader("k: 1\n"), "architecture llama.yaml"));
        assertEquals(null, YamlInput.load("", FILE));
    }

    @Test
    void aWrappedSnakeYamlErrorIsFoundInTheCauseChainAndOtherFailuresAreNotYaml() {
        EvomergeException yaml = assertThrows(EvomergeException.class, () -> YamlInput.load("a: [1\n", FILE));
        RuntimeException wrapped = new RuntimeException("Unable to load the configuration", yaml.getCause());
        assertTrue(YamlInput.syntaxError(FILE, wrapped).orElseThrow().getMessage()
                .startsWith("/work/recipe.yml:2:1: not valid YAML: "));
        assertTrue(YamlInput.syntaxError(FILE, new java.io.IOException("Permission denied")).isEmpty());
    }
}
