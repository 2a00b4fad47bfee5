package org.evomerge.engine.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Did-you-mean suggestions: typos of known names, never unrelated words. */
class ClosestNamesTest {

    private static final List<String> METHODS = List.of("linear", "slerp", "nuslerp", "task_arithmetic", "ties",
            "dare_ties", "dare_linear", "breadcrumbs", "breadcrumbs_ties", "della", "model_stock", "passthrough");
    private static final List<String> COMMANDS = List.of("inspect", "merge", "eval", "evolve", "kinship", "report",
            "demo", "plugins", "config", "help");

    @Test
    void typosSuggestTheNameTheyWereMeantToBe() {
        assertEquals(List.of("ties"), ClosestNames.of("tiess", METHODS));
        assertEquals(List.of("merge"), ClosestNames.of("mrege", COMMANDS));
        assertEquals(List.of("slerp"), ClosestNames.of("slepr", METHODS));
        assertEquals(List.of("task_arithmetic"), ClosestNames.of("task_arithmatic", METHODS));
        assertEquals(List.of("dare_ties"), ClosestNames.of("dare-ties", METHODS));
        assertEquals(List.of("ties"), ClosestNames.of("TIES", METHODS));
        assertEquals(List.of("plugins"), ClosestNames.of("plugin", COMMANDS));
    }

    @Test
    void unrelatedWordsAndExactNamesSuggestNothing() {
        assertEquals(List.of(), ClosestNames.of("frankenmerge", METHODS));
        assertEquals(List.of(), ClosestNames.of("xyz", COMMANDS));
        assertEquals(List.of(), ClosestNames.of("ties", METHODS));
        assertEquals("", ClosestNames.hint("nope", COMMANDS));
    }

    @Test
    void equallyCloseNamesAreAllSuggested() {
        assertEquals(" (did you mean 'eval'?)", ClosestNames.hint("evl", COMMANDS));
        assertEquals(" (did you mean 'rank' or 'rand'?)", ClosestNames.hint("ranx", List.of("rank", "rand", "random")));
    }

    @Test
    void swapsOfNeighbouringCharactersCountOnce() {
        assertEquals(1, ClosestNames.distance("mrege", "merge"));
        assertEquals(2, ClosestNames.distance("mreeg", "merge"));
        assertEquals(3, ClosestNames.distance("kitten", "sitting"));
        assertEquals(0, ClosestNames.distance("", ""));
        assertEquals(4, ClosestNames.distance("", "ties"));
    }
}
