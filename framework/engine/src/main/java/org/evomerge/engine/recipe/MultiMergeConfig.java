package org.evomerge.engine.recipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.YamlInput;

/**
 * A mergekit-multi configuration: several merge recipes as the documents of one YAML file, each with an optional
 * {@code name}; a recipe may use an earlier merge as a model by giving its name where a model reference goes
 * ({@code model:}, {@code base_model:}, a slice source, {@code tokenizer_source}). At most one document has no name:
 * the final merge. The merges are kept in dependency order (each after the merges it uses, otherwise in file order).
 *
 * @param file   the configuration file
 * @param merges the merges in dependency order
 */
public record MultiMergeConfig(Path file, List<Merge> merges) {

    /**
     * One document.
     *
     * @param name   the merge's name; empty for the final (unnamed) merge
     * @param recipe the recipe as written (names of other merges still in place of model references)
     * @param uses   the names of the merges this one uses, in recipe order
     */
    public record Merge(Optional<String> name, MergeRecipe recipe, List<String> uses) {

        public Merge {
            uses = List.copyOf(uses);
        }

        /** The name, or {@code final merge} for the unnamed document. */
        public String label() {
            return name.orElse("final merge");
        }
    }

    public MultiMergeConfig {
        merges = List.copyOf(merges);
    }

    /** The unnamed document's merge, if the file has one. */
    public Optional<Merge> finalMerge() {
        return merges.stream().filter(m -> m.name().isEmpty()).findFirst();
    }

    /**
     * Reads {@code file}.
     *
     * @param strict refuse keys mergekit ignores instead of ignoring them with a warning
     * @throws EvomergeException (CONFIGURATION), one line naming the file and the document: a document that is not a
     *                           recipe, a name given twice, two unnamed documents, a dependency cycle
     */
    public static MultiMergeConfig read(Path file, boolean strict) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read the configuration: " + e.getMessage());
        }
        List<Object> documents = YamlInput.loadAll(text, file);
        Map<Optional<String>, MergeRecipe> recipes = new LinkedHashMap<>();
        int index = 0;
        for (Object document : documents) {
            index++;
            if (document == null) {
                continue;
            }
            if (!(document instanceof Map<?, ?> map)) {
                throw EvomergeException.configuration(file + ": document " + index + " is not a mapping (a merge"
                        + " recipe with an optional 'name')");
            }
            Map<String, Object> recipe = new LinkedHashMap<>();
            map.forEach((key, value) -> recipe.put(String.valueOf(key), value));
            Optional<String> name = Optional.empty();
            if (recipe.containsKey("name")) {
                Object value = recipe.remove("name");
                if (!(value instanceof String s) || s.isBlank()) {
                    throw EvomergeException.configuration(file + ": document " + index + ": 'name' must be a"
                            + " non-empty string, got " + value);
                }
                name = Optional.of(s);
            }
            if (recipes.containsKey(name)) {
                throw EvomergeException.configuration(file + ": " + (name.isPresent()
                        ? "two documents are named '" + name.get() + "'"
                        : "two documents have no 'name'; only the final merge may be unnamed"));
            }
            // Messages name the document: FILE#NAME; the folder (where relative model paths are also looked up)
            // stays the file's.
            Path where = file.resolveSibling(file.getFileName() + "#" + name.orElse("final"));
            recipes.put(name, RecipeReader.fromDocument(recipe, where, strict));
        }
        if (recipes.isEmpty()) {
            throw EvomergeException.configuration(file + ": no merge recipe in the file");
        }
        Set<String> names = new LinkedHashSet<>();
        recipes.keySet().forEach(n -> n.ifPresent(names::add));
        Map<Optional<String>, Merge> merges = new LinkedHashMap<>();
        recipes.forEach((name, recipe) -> {
            LinkedHashSet<String> uses = new LinkedHashSet<>();
            recipe.withModels(reference -> {
                if (names.contains(reference)) {
                    uses.add(reference);
                }
                return reference;
            });
            merges.put(name, new Merge(name, recipe, new ArrayList<>(uses)));
        });
        return new MultiMergeConfig(file, dependencyOrder(file, merges));
    }

    /** Each merge after the ones it uses, otherwise in file order; a cycle is one line naming it. */
    private static List<Merge> dependencyOrder(Path file, Map<Optional<String>, Merge> merges) {
        List<Merge> order = new ArrayList<>();
        Set<Optional<String>> done = new LinkedHashSet<>();
        for (Merge merge : merges.values()) {
            visit(file, merge, merges, done, new ArrayList<>(), order);
        }
        return order;
    }

    private static void visit(Path file, Merge merge, Map<Optional<String>, Merge> merges,
                              Set<Optional<String>> done, List<String> path, List<Merge> order) {
        if (done.contains(merge.name())) {
            return;
        }
        if (path.contains(merge.label())) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(merge.label()), path.size()));
            cycle.add(merge.label());
            throw EvomergeException.configuration(file + ": the merges use each other in a cycle: "
                    + String.join(" -> ", cycle));
        }
        path.add(merge.label());
        for (String used : merge.uses()) {
            visit(file, merges.get(Optional.of(used)), merges, done, path, order);
        }
        path.removeLast();
        done.add(merge.name());
        order.add(merge);
    }
}
