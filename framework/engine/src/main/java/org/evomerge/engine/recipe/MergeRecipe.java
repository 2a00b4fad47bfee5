package org.evomerge.engine.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A merge recipe in mergekit's format. The {@code models:} form is kept as one slice whose sources have no layer
 * range (every layer); {@link #modelsForm()} tells the two forms apart.
 *
 * @param mergeMethod the method id
 * @param baseModel   the base model reference, if any
 * @param slices      the slices (one for the {@code models:} form; none for the {@code modules:} form)
 * @param modelsForm  whether the recipe used {@code models:}
 * @param parameters  global parameters (fourth precedence, after source, slice and module parameters)
 * @param dtype       the working dtype name ({@code float32}, {@code bfloat16}, {@code float16}), if given
 * @param outDtype    the output dtype name, if given
 * @param tokenizer   the vocabulary settings ({@code tokenizer_source} or {@code tokenizer:}), if given
 * @param text        the recipe as read, written into the output as the recipe that ran
 * @param file        where it was read from
 * @param modules     the {@code modules:} form's modules in recipe order (empty for the other two forms)
 * @param randomSeed  the top-level {@code random_seed}, the root of the merge's randomness, if given (mergekit
 *                    ignores the key; its command line takes the seed as {@code --random-seed})
 * @param warnings    one line per key the reader ignored, naming the file and the key
 */
public record MergeRecipe(
        String mergeMethod,
        Optional<String> baseModel,
        List<RecipeSlice> slices,
        boolean modelsForm,
        Map<String, ParameterValue> parameters,
        Optional<String> dtype,
        Optional<String> outDtype,
        Optional<TokenizerSettings> tokenizer,
        String text,
        Path file,
        Map<String, RecipeModule> modules,
        OptionalLong randomSeed,
        List<String> warnings) {

    public MergeRecipe {
        slices = List.copyOf(slices);
        parameters = Map.copyOf(parameters);
        tokenizer = tokenizer == null ? Optional.empty() : tokenizer;
        modules = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(modules));
        randomSeed = randomSeed == null ? OptionalLong.empty() : randomSeed;
        warnings = List.copyOf(warnings);
    }

    /** A recipe without {@code random_seed} and without ignored keys. */
    public MergeRecipe(String mergeMethod, Optional<String> baseModel, List<RecipeSlice> slices, boolean modelsForm,
                       Map<String, ParameterValue> parameters, Optional<String> dtype, Optional<String> outDtype,
                       Optional<TokenizerSettings> tokenizer, String text, Path file,
                       Map<String, RecipeModule> modules) {
        this(mergeMethod, baseModel, slices, modelsForm, parameters, dtype, outDtype, tokenizer, text, file, modules,
                OptionalLong.empty(), List.of());
    }

    /** A recipe in the {@code models:} or {@code slices:} form. */
    public MergeRecipe(String mergeMethod, Optional<String> baseModel, List<RecipeSlice> slices, boolean modelsForm,
                       Map<String, ParameterValue> parameters, Optional<String> dtype, Optional<String> outDtype,
                       Optional<TokenizerSettings> tokenizer, String text, Path file) {
        this(mergeMethod, baseModel, slices, modelsForm, parameters, dtype, outDtype, tokenizer, text, file, Map.of());
    }

    /** A recipe without vocabulary settings (the base model's tokenizer is carried over unchanged). */
    public MergeRecipe(String mergeMethod, Optional<String> baseModel, List<RecipeSlice> slices, boolean modelsForm,
                       Map<String, ParameterValue> parameters, Optional<String> dtype, Optional<String> outDtype,
                       String text, Path file) {
        this(mergeMethod, baseModel, slices, modelsForm, parameters, dtype, outDtype, Optional.empty(), text, file);
    }

    /** Every model reference, base first, in recipe order, without repeats. */
    public List<String> modelReferences() {
        java.util.LinkedHashSet<String> refs = new java.util.LinkedHashSet<>();
        baseModel.ifPresent(refs::add);
        allSlices().forEach(s -> s.sources().forEach(src -> refs.add(src.model())));
        return List.copyOf(refs);
    }

    /** Whether the recipe uses the {@code modules:} form. */
    public boolean hasModules() {
        return !modules.isEmpty();
    }

    /** The slices of the recipe and of every module, in recipe order. */
    public List<RecipeSlice> allSlices() {
        List<RecipeSlice> all = new java.util.ArrayList<>(slices);
        modules.values().forEach(m -> all.addAll(m.slices()));
        return all;
    }
}
