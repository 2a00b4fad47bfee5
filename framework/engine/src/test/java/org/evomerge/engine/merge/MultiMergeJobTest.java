package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.MultiMergeConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge multi}'s configuration and run: mergekit-multi's format (documents, names, one unnamed final merge),
 * dependency order, cycles and missing names as one line, and the content cache (what is reused on a rerun, what is
 * merged again). The merges themselves are recorded by a fake merger: {@code MergeJob} has its own tests.
 */
class MultiMergeJobTest {

    @TempDir
    Path temp;

    private final List<String> merged = new ArrayList<>();
    private final List<MergeRecipe> recipes = new ArrayList<>();

    @BeforeEach
    void models() throws IOException {
        for (String model : List.of("base", "ft1", "ft2")) {
            Files.createDirectories(temp.resolve(model));
            Files.writeString(temp.resolve(model).resolve("config.json"), "{\"model\": \"" + model + "\"}");
        }
    }

    private static final String CHAIN = """
            merge_method: slerp
            base_model: ab
            models: [{model: ab}, {model: c}]
            parameters: {t: 0.5}
            ---
            name: ab
            merge_method: ties
            base_model: base
            models:
              - {model: ft1, parameters: {weight: 0.5, density: 0.5}}
              - {model: ft2, parameters: {weight: 0.5, density: 0.5}}
            ---
            name: c
            merge_method: linear
            models: [{model: ft1, parameters: {weight: 1}}, {model: ab, parameters: {weight: 1}}]
            """;

    private MultiMergeConfig config(String text) throws IOException {
        Path file = temp.resolve("multi.yml");
        Files.writeString(file, text);
        return MultiMergeConfig.read(file, false);
    }

    private List<MultiMergeJob.Step> run(MultiMergeConfig config, boolean lazy) {
        return MultiMergeJob.run(config, new MultiMergeJob.Options(temp.resolve("out"), temp.resolve("parts"), lazy,
                false, temp, "settings", "test"), (recipe, output, overwrite) -> {
                    merged.add(output.getFileName().toString());
                    recipes.add(recipe);
                    try {
                        Files.createDirectories(output);
                        Files.writeString(output.resolve("config.json"), recipe.mergeMethod());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return new MergeJob.Result(output, new MergeExecutor.Summary(0, 0, 0), recipe.mergeMethod());
                }, line -> { });
    }

    @Test
    void mergesRunInDependencyOrderAndReadTheFoldersOfTheMergesTheyUse() throws IOException {
        MultiMergeConfig config = config(CHAIN);
        assertEquals(List.of("ab", "c", "final merge"), config.merges().stream().map(m -> m.label()).toList());
        assertEquals(List.of("ab", "c"), config.merges().get(2).uses());
        run(config, true);
        assertEquals(List.of("ab", "c", "out"), merged);
        // c's second model and the final merge's base are the folders of the merges they name.
        assertEquals(temp.resolve("parts/ab").toString(), recipes.get(1).slices().get(0).sources().get(1).model());
        assertEquals(temp.resolve("parts/ab").toString(), recipes.get(2).baseModel().orElseThrow());
        assertEquals("ft1", recipes.get(1).slices().get(0).sources().get(0).model());
    }

    @Test
    void aRerunReusesEveryUnchangedMergeAndAChangeMergesItAndWhatUsesItAgain() throws IOException {
        run(config(CHAIN), true);
        merged.clear();
        List<MultiMergeJob.Step> again = run(config(CHAIN), true);
        assertEquals(List.of(), merged);
        assertTrue(again.stream().allMatch(s -> s.merged().isEmpty()));

        // c's recipe changes: c and the final merge again, ab reused.
        run(config(CHAIN.replace("{model: ft1, parameters: {weight: 1}}", "{model: ft1, parameters: {weight: 2}}")),
                true);
        assertEquals(List.of("c", "out"), merged);

        // An input model's file changes (size and time): every merge that reads it, and what uses those.
        merged.clear();
        Path config = temp.resolve("ft2/config.json");
        Files.writeString(config, "{\"model\": \"ft2\", \"changed\": true}");
        Files.setLastModifiedTime(config, FileTime.fromMillis(1_000_000));
        run(config(CHAIN.replace("{model: ft1, parameters: {weight: 1}}", "{model: ft1, parameters: {weight: 2}}")),
                true);
        assertEquals(List.of("ab", "c", "out"), merged);

        // --no-lazy merges everything.
        merged.clear();
        run(config(CHAIN), false);
        assertEquals(List.of("ab", "c", "out"), merged);
    }

    @Test
    void aFolderWithoutAKeyIsNotOverwrittenWithoutAllowOverwrite() throws IOException {
        run(config(CHAIN), true);
        Files.delete(temp.resolve("parts/c").resolve(MultiMergeJob.KEY_FILE)); // a folder someone else wrote
        merged.clear();
        // The message names the folder and the option.
        EvomergeException e = assertThrows(EvomergeException.class, () -> run(config(CHAIN), true));
        assertTrue(e.getMessage().contains("parts/c exists and was not written by evomerge multi; --allow-overwrite"),
                e.getMessage());
    }

    @Test
    void aRunKilledInOneMergeKeepsTheFinishedOnesAndTheRerunGoesOnFromThere() throws IOException {
        MultiMergeConfig config = config(CHAIN);
        RuntimeException killed = new RuntimeException("killed");
        assertThrows(RuntimeException.class, () -> MultiMergeJob.run(config, new MultiMergeJob.Options(
                temp.resolve("out"), temp.resolve("parts"), true, false, temp, "settings", "test"),
                (recipe, output, overwrite) -> {
                    if (output.getFileName().toString().equals("c")) {
                        throw killed; // the engine writes atomically: a killed merge leaves no folder
                    }
                    merged.add(output.getFileName().toString());
                    try {
                        Files.createDirectories(output);
                        Files.writeString(output.resolve("config.json"), recipe.mergeMethod());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return new MergeJob.Result(output, new MergeExecutor.Summary(0, 0, 0), recipe.mergeMethod());
                }, line -> { }));
        assertEquals(List.of("ab"), merged);
        merged.clear();
        run(config, true);
        assertEquals(List.of("c", "out"), merged);
    }

    @Test
    void cyclesDuplicatesAndUnknownModelsAreOneLineNamingTheFile() throws IOException {
        EvomergeException cycle = assertThrows(EvomergeException.class, () -> config("""
                name: a
                merge_method: linear
                models: [{model: b, parameters: {weight: 1}}]
                ---
                name: b
                merge_method: linear
                models: [{model: a, parameters: {weight: 1}}]
                """));
        assertEquals(temp.resolve("multi.yml") + ": the merges use each other in a cycle: a -> b -> a",
                cycle.getMessage());
        EvomergeException twice = assertThrows(EvomergeException.class, () -> config("""
                merge_method: linear
                models: [{model: ft1, parameters: {weight: 1}}]
                ---
                merge_method: linear
                models: [{model: ft2, parameters: {weight: 1}}]
                """));
        assertTrue(twice.getMessage().endsWith("two documents have no 'name'; only the final merge may be unnamed"));
        EvomergeException missing = assertThrows(EvomergeException.class, () -> run(config("""
                name: a
                merge_method: linear
                models: [{model: ft1, parameters: {weight: 1}}, {model: ab, parameters: {weight: 1}}]
                """), true));
        assertTrue(missing.getMessage().startsWith(temp.resolve("multi.yml") + ": a: model 'ab' is neither a merge"
                + " of this file (a) nor a folder"), missing.getMessage());
        assertTrue(!missing.getMessage().contains("\n"));
        EvomergeException badName = assertThrows(EvomergeException.class, () -> run(config("""
                name: ../escape
                merge_method: linear
                models: [{model: ft1, parameters: {weight: 1}}]
                """), true));
        assertTrue(badName.getMessage().contains("is not a plain folder name"), badName.getMessage());
    }

    @Test
    void withoutAFinalMergeEveryMergeIsNamed() throws IOException {
        MultiMergeConfig config = config(CHAIN.substring(CHAIN.indexOf("---") + 4));
        assertTrue(config.finalMerge().isEmpty());
        run(config, true);
        assertEquals(List.of("ab", "c"), merged);
    }
}
