package org.evomerge.engine.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a recipe came from: provenance, not content. Two recipes that merge the same can differ here.
 *
 * @param file     the file it was read from, or the name it goes by in messages when it was built in code; relative
 *                 model references are also looked up beside it
 * @param text     the text as read, written into outputs as the recipe that ran; empty for a recipe built in code
 *                 (its text is then written from its content, {@link RecipeYaml})
 * @param warnings one line per key the reader ignored, naming the file and the key
 */
public record RecipeOrigin(Path file, Optional<String> text, List<String> warnings) {

    public RecipeOrigin {
        Objects.requireNonNull(file, "file");
        text = text == null ? Optional.empty() : text;
        warnings = List.copyOf(warnings);
    }

    /** A recipe read from {@code file}. */
    public static RecipeOrigin read(Path file, String text, List<String> warnings) {
        return new RecipeOrigin(file, Optional.of(text), warnings);
    }

    /** A recipe built in code, named {@code file} in messages. */
    public static RecipeOrigin built(Path file) {
        return new RecipeOrigin(file, Optional.empty(), List.of());
    }
}
