package org.evomerge.engine.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.MultiMergeConfig;
import org.evomerge.engine.recipe.RecipeYaml;

/**
 * Runs the merges of a {@link MultiMergeConfig} in dependency order: each named merge into its folder under the
 * intermediate folder, the unnamed one into the output; a merge that uses another reads that one's folder.
 *
 * <p>A merge is cached by content. Its key is a SHA-256 of what decides its output: the recipe (written from its
 * content), with each merge it uses replaced by that merge's key and each model folder by its absolute path and the
 * name, size and modification time of each of its files; the merge options that change the output; and evomerge's
 * version. The key is written into the finished folder ({@value #KEY_FILE}); a rerun whose key matches reuses the folder
 * (mergekit-multi's {@code --lazy} reuses any folder that exists, even one made from another recipe), and a changed
 * recipe, option or input model, or a changed merge it uses, merges again. A killed run loses no finished merge: the
 * engine writes each model atomically, so a killed merge leaves no folder, and the rerun merges it. A folder without a
 * key was not written by this command (or, in the instant between a model's commit and its key, was): it is left
 * alone unless {@code --allow-overwrite} is given.
 */
public final class MultiMergeJob {

    /** The file in a finished merge's folder that holds its content key. */
    public static final String KEY_FILE = ".evomerge-multi-key";

    private MultiMergeJob() {
    }

    /** Runs one merge of the file: the engine's {@link MergeJob} as the command configured it. */
    @FunctionalInterface
    public interface Merger {
        MergeJob.Result merge(MergeRecipe recipe, Path output, boolean allowOverwrite);
    }

    /**
     * @param output           the final (unnamed) merge's folder
     * @param intermediates    the folder of the named merges ({@code NAME/} each)
     * @param lazy             reuse a merge whose key matches (mergekit-multi's {@code --lazy}, the default)
     * @param allowOverwrite   replace a folder this command did not write
     * @param workingDirectory where relative model paths are looked up first
     * @param settings         the merge options that change the output, as text (part of every key)
     * @param version          evomerge's version (part of every key)
     */
    public record Options(Path output, Path intermediates, boolean lazy, boolean allowOverwrite, Path workingDirectory,
                          String settings, String version) {
    }

    /**
     * What happened to one merge.
     *
     * @param label  its name, or {@code final merge}
     * @param output its folder
     * @param key    its content key
     * @param merged the merge's result; empty when the folder was reused
     */
    public record Step(String label, Path output, String key, Optional<MergeJob.Result> merged) {
    }

    /**
     * Runs every merge of {@code config}, in order; {@code progress} hears of each before it starts.
     *
     * @throws EvomergeException (CONFIGURATION) naming the file and the merge: a model that is neither a merge of
     *                           the file nor a folder, a name that is not a plain folder name, an output folder that
     *                           holds something else
     */
    public static List<Step> run(MultiMergeConfig config, Options options, Merger merger,
                                 Consumer<String> progress) {
        Map<String, Path> folders = new HashMap<>();
        Map<String, String> keys = new HashMap<>();
        for (MultiMergeConfig.Merge merge : config.merges()) {
            merge.name().ifPresent(name -> folders.put(name, options.intermediates().resolve(checkedName(config,
                    name))));
        }
        List<Step> steps = new ArrayList<>();
        for (MultiMergeConfig.Merge merge : config.merges()) {
            MergeRecipe recipe = merge.recipe();
            String names = String.join(", ", folders.keySet().stream().sorted().toList());
            // The key's view of the recipe: model folders by absolute path, then each used merge's key and each
            // folder's files.
            TreeMap<String, String> inputs = new TreeMap<>();
            MergeRecipe keyed = recipe.withModels(reference -> {
                if (keys.containsKey(reference)) {
                    inputs.put("merge " + reference, keys.get(reference));
                    return reference;
                }
                Path located = locate(config, merge, recipe, reference, options.workingDirectory(), names);
                inputs.put("model " + located, fingerprint(located));
                return located.toString();
            });
            StringBuilder keyText = new StringBuilder("evomerge multi 1\n").append(options.version()).append('\n')
                    .append(options.settings()).append('\n').append(RecipeYaml.write(keyed));
            inputs.forEach((input, identity) -> keyText.append(input).append(" = ").append(identity).append('\n'));
            String key = sha256(keyText.toString());
            MergeRecipe runnable = recipe.withModels(reference -> folders.containsKey(reference)
                    ? folders.get(reference).toString() : reference);
            Path out = merge.name().map(folders::get).orElse(options.output());
            Optional<String> previous = readKey(out);
            if (options.lazy() && previous.isPresent() && previous.get().equals(key)
                    && Files.exists(out.resolve("config.json"))) {
                progress.accept(merge.label() + ": reused " + out + " (unchanged)");
                steps.add(new Step(merge.label(), out, key, Optional.empty()));
            } else {
                if (Files.exists(out) && previous.isEmpty() && !options.allowOverwrite() && !isEmptyFolder(out)) {
                    throw EvomergeException.configuration(config.file() + ": " + merge.label() + ": " + out
                            + " exists and was not written by evomerge multi; --allow-overwrite replaces it");
                }
                progress.accept(merge.label() + ": merging into " + out);
                MergeJob.Result result = merger.merge(runnable, out, true);
                writeKey(out, key);
                steps.add(new Step(merge.label(), out, key, Optional.of(result)));
            }
            merge.name().ifPresent(name -> keys.put(name, key));
        }
        return steps;
    }

    private static String checkedName(MultiMergeConfig config, String name) {
        if (name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.contains("\0")) {
            throw EvomergeException.configuration(config.file() + ": merge name '" + name + "' is not a plain folder"
                    + " name (it names the merge's folder in the intermediate folder)");
        }
        return name;
    }

    private static Path locate(MultiMergeConfig config, MultiMergeConfig.Merge merge, MergeRecipe recipe,
                               String reference, Path workingDirectory, String names) {
        try {
            return recipe.locate(reference, workingDirectory).toAbsolutePath();
        } catch (EvomergeException e) {
            throw EvomergeException.configuration(config.file() + ": " + merge.label() + ": model '" + reference
                    + "' is neither a merge of this file (" + (names.isEmpty() ? "none is named" : names)
                    + ") nor a folder: " + e.getMessage());
        }
    }

    /** Name, size and modification time of each file of a model (its folder's files, or the file itself). */
    static String fingerprint(Path model) {
        StringBuilder text = new StringBuilder();
        try {
            List<Path> files;
            if (Files.isDirectory(model)) {
                try (Stream<Path> list = Files.list(model)) {
                    files = list.filter(Files::isRegularFile).sorted().toList();
                }
            } else {
                files = List.of(model);
            }
            for (Path file : files) {
                text.append(file.getFileName()).append(':').append(Files.size(file)).append(':')
                        .append(Files.getLastModifiedTime(file).toMillis()).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + model + ": " + e.getMessage(), e);
        }
        return sha256(text.toString());
    }

    private static Optional<String> readKey(Path folder) {
        Path file = folder.resolve(KEY_FILE);
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void writeKey(Path folder, String key) {
        Path temporary = folder.resolve(KEY_FILE + ".tmp");
        try {
            Files.writeString(temporary, key + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, folder.resolve(KEY_FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + folder.resolve(KEY_FILE) + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmptyFolder(Path folder) {
        try (Stream<Path> list = Files.list(folder)) {
            return list.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
