package org.evomerge.engine.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;

/** A NUL byte in a path is bad input named where it was written, shown as \x00. */
class PathInputTest {

    @Test
    void aNulByteIsAnInputErrorNamingTheArgument() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> PathInput.of("models/ba\0se", "recipe.yml: model"));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals("recipe.yml: model: 'models/ba\\x00se' is not a valid path (Nul character not allowed)",
                e.getMessage());
        assertTrue(assertThrows(EvomergeException.class, () -> PathInput.resolve(Path.of("/runs"), "a\0",
                "run.yml: 'models[0]'")).getMessage().startsWith("run.yml: 'models[0]': 'a\\x00'"));
    }

    @Test
    void validPathsAreReturnedAsGiven() {
        assertEquals(Path.of("models/base"), PathInput.of("models/base", "x"));
        assertEquals(Path.of("/runs/a b"), PathInput.resolve(Path.of("/runs"), "a b", "x"));
    }

    @Test
    void controlCharactersArePrintable() {
        assertEquals("a\\x00b\\x1Bc\\x0Ad", PathInput.printable("a\0b\u001bc\nd"));
        assertEquals("naïve ✓", PathInput.printable("naïve ✓"));
    }
}
