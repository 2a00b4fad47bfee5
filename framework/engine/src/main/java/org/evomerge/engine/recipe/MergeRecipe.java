package org.evomerge.engine.recipe;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.PathInput;
import org.evomerge.engine.lora.LoraReference;
import org.evomerge.engine.model.HubCacheModels;

/**
 * A merge recipe in mergekit's format, read from YAML ({@link RecipeReader}) or built in code (the factories, the
 * genome spaces of an evolution); the parts check the same rules either way. The {@code models:} form is kept as one
 * slice whose sources have no layer range (every layer); {@link #modelsForm()} tells the two forms apart.
 *
 * @param mergeMethod the method id
 * @param baseModel   the base model reference, if any
 * @param slices      the slices (one for the {@code models:} form; none for the {@code modules:} form)
 * @param modelsForm  whether the recipe used {@code models:}
 * @param parameters  global parameters (fourth precedence, after source, slice and module parameters), in recipe order
 * @param dtype       the working dtype name ({@code float32}, {@code bfloat16}, {@code float16}), if given
 * @param outDtype    the output dtype name, if given
 * @param tokenizer   the vocabulary settings ({@code tokenizer_source} or {@code tokenizer:}), if given
 * @param modules     the {@code modules:} form's modules in recipe order (empty for the other two forms)
 * @param randomSeed  the top-level {@code random_seed}, the root of the merge's randomness, if given (mergekit
 *                    ignores the key; its command line takes the seed as {@code --random-seed})
 * @param origin      where the recipe came from (file, text as read, warnings): provenance, not content
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
        Map<String, RecipeModule> modules,
        OptionalLong randomSeed,
        RecipeOrigin origin) {

    /** The dtype names a recipe may give, mergekit's spellings included. */
    private static final Set<String> DTYPES = Set.of("float32", "float16", "bfloat16", "float", "half", "bf16",
            "fp16", "fp32");

    /** The name a recipe built in code goes by in messages until it is given another ({@link #withOrigin}). */
    private static final Path BUILT = Path.of("recipe.yml");

    public MergeRecipe {
        if (mergeMethod == null || mergeMethod.isEmpty()) {
            throw new InvalidRecipeException("merge_method", "is missing");
        }
        baseModel = baseModel == null ? Optional.empty() : baseModel;
        baseModel.ifPresent(b -> RecipeSource.checkReference(b, "base_model"));
        slices = List.copyOf(slices);
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
        if (modules.isEmpty()) {
            RecipeSlice.checkForm(slices, modelsForm);
        } else if (modelsForm || !slices.isEmpty()) {
            throw new InvalidRecipeException("", "give exactly one of 'models', 'slices' and 'modules'");
        }
        modules.forEach((name, module) -> {
            if (!name.equals(module.name())) {
                throw new InvalidRecipeException("modules." + name, "holds module '" + module.name() + "'");
            }
        });
        parameters = ParameterValue.ordered(parameters);
        dtype = dtype == null ? Optional.empty() : dtype;
        dtype.ifPresent(d -> checkDtype(d, "dtype"));
        outDtype = outDtype == null ? Optional.empty() : outDtype;
        outDtype.ifPresent(d -> checkDtype(d, "out_dtype"));
        tokenizer = tokenizer == null ? Optional.empty() : tokenizer;
        randomSeed = randomSeed == null ? OptionalLong.empty() : randomSeed;
        Objects.requireNonNull(origin, "origin");
    }

    /**
     * A recipe in the {@code models:} form: every layer of every model.
     *
     * @param models     the models in recipe order (the base model among them where the method merges it)
     * @param parameters global parameters, in the order they are to be written
     */
    public static MergeRecipe ofModels(String mergeMethod, Optional<String> baseModel, List<RecipeSource> models,
                                       Map<String, ParameterValue> parameters) {
        return new MergeRecipe(mergeMethod, baseModel, List.of(RecipeSlice.ofModels(models)), true, parameters,
                Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), OptionalLong.empty(),
                RecipeOrigin.built(BUILT));
    }

    /** A recipe in the {@code slices:} form: the output's layers, slice by slice. */
    public static MergeRecipe ofSlices(String mergeMethod, Optional<String> baseModel, List<RecipeSlice> slices,
                                       Map<String, ParameterValue> parameters) {
        return new MergeRecipe(mergeMethod, baseModel, slices, false, parameters, Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of(), OptionalLong.empty(), RecipeOrigin.built(BUILT));
    }

    private static void checkDtype(String name, String key) {
        if (!DTYPES.contains(name)) {
            throw new InvalidRecipeException(key, "must be float32, bfloat16 or float16, got '" + name + "'");
        }
    }

    /** This recipe with output dtype {@code outDtype} (none when empty). */
    public MergeRecipe withOutDtype(Optional<String> outDtype) {
        return new MergeRecipe(mergeMethod, baseModel, slices, modelsForm, parameters, dtype, outDtype, tokenizer,
                modules, randomSeed, origin);
    }

    /** This recipe with {@code random_seed} = {@code seed}. */
    public MergeRecipe withRandomSeed(long seed) {
        return new MergeRecipe(mergeMethod, baseModel, slices, modelsForm, parameters, dtype, outDtype, tokenizer,
                modules, OptionalLong.of(seed), origin);
    }

    /** The same recipe from another origin (a file name for messages, or the text it was read from). */
    public MergeRecipe withOrigin(RecipeOrigin origin) {
        return new MergeRecipe(mergeMethod, baseModel, slices, modelsForm, parameters, dtype, outDtype, tokenizer,
                modules, randomSeed, origin);
    }

    /**
     * This recipe as a file in {@code folder}: every model reference (an absolute path) relative to the folder, with
     * '/' separators, and no text of its own (it is written from its content).
     */
    public MergeRecipe relativeTo(Path folder) {
        Path from = folder.toAbsolutePath().normalize();
        UnaryOperator<String> relative = reference -> {
            Optional<String[]> lora = LoraReference.split(reference);
            if (lora.isPresent() && !Files.exists(Path.of(reference))) {
                return relative(from, lora.get()[0]) + LoraReference.SEPARATOR + relative(from, lora.get()[1]);
            }
            return relative(from, reference);
        };
        return withModels(relative).withOrigin(RecipeOrigin.built(folder.resolve(BUILT)));
    }

    private static String relative(Path from, String reference) {
        String path = from.relativize(Path.of(reference).toAbsolutePath().normalize()).toString()
                .replace(File.separatorChar, '/');
        return path.isEmpty() ? "." : path;
    }

    /**
     * This recipe with every model reference (base model, slice and module sources, tokenizer sources) replaced by
     * {@code reference}'s answer; the origin is kept, its text dropped (the recipe is written from its content).
     */
    public MergeRecipe withModels(UnaryOperator<String> reference) {
        Map<String, RecipeModule> mappedModules = new LinkedHashMap<>();
        modules.forEach((name, module) -> mappedModules.put(name, module.withModels(reference)));
        return new MergeRecipe(mergeMethod, baseModel.map(reference), slices.stream()
                .map(s -> s.withModels(reference)).toList(), modelsForm, parameters, dtype, outDtype,
                tokenizer.map(t -> t.withModels(reference)), mappedModules, randomSeed,
                RecipeOrigin.built(origin.file()));
    }

    /** Where the recipe was read from, or the name it goes by in messages. */
    public Path file() {
        return origin.file();
    }

    /** The recipe's text: as read, or written from its content for a recipe built in code ({@link RecipeYaml}). */
    public String text() {
        return origin.text().orElseGet(() -> RecipeYaml.write(this));
    }

    /** One line per key the reader ignored, naming the file and the key. */
    public List<String> warnings() {
        return origin.warnings();
    }

    /**
     * Where model reference {@code reference} of this recipe is: references are local paths, looked up in
     * {@code workingDirectory} first (as mergekit does), then beside the recipe, then a Hub id
     * {@code org/name[@revision]} in the local Hugging Face hub cache ({@link HubCacheModels}). A LoRA reference {@code MODEL+ADAPTER}
     * locates both parts so, and is answered as {@link LoraReference#path()}.
     *
     * @throws EvomergeException (CONFIGURATION) naming the recipe and the places looked in, if it is in neither
     */
    public Path locate(String reference, Path workingDirectory) {
        Optional<String[]> lora = LoraReference.split(reference);
        if (lora.isPresent() && !exists(reference, workingDirectory)) {
            return new LoraReference(locate(lora.get()[0], workingDirectory), locate(lora.get()[1], workingDirectory))
                    .path();
        }
        Path given = PathInput.of(reference, file() + ": model");
        List<Path> candidates = given.isAbsolute() ? List.of(given)
                : List.of(workingDirectory.resolve(given), file().toAbsolutePath().getParent().resolve(given));
        for (Path candidate : candidates) {
            if (Files.exists(candidate)) {
                return candidate.normalize();
            }
        }
        Optional<Path> cached = HubCacheModels.fromSystem().resolve(reference, file().toString(), candidates);
        if (cached.isPresent()) {
            return cached.get();
        }
        throw EvomergeException.configuration(file() + ": model '" + reference + "' not found (looked in "
                + String.join(" and ", candidates.stream().map(p -> p.normalize().toString()).toList())
                + "; evomerge reads local folders and does not download from the Hugging Face hub)");
    }

    /** Whether {@code reference} names something as a whole, in either place {@link #locate} looks. */
    private boolean exists(String reference, Path workingDirectory) {
        Path given = PathInput.of(reference, file() + ": model");
        return given.isAbsolute() ? Files.exists(given) : Files.exists(workingDirectory.resolve(given))
                || Files.exists(file().toAbsolutePath().getParent().resolve(given));
    }

    /** Every model reference, base first, in recipe order, without repeats. */
    public List<String> modelReferences() {
        LinkedHashSet<String> refs = new LinkedHashSet<>();
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
        List<RecipeSlice> all = new ArrayList<>(slices);
        modules.values().forEach(m -> all.addAll(m.slices()));
        return all;
    }
}
