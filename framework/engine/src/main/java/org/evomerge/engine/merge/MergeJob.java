package org.evomerge.engine.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.input.PathInput;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeSlice;
import org.evomerge.engine.recipe.RecipeSource;
import org.evomerge.engine.vocabulary.AlignedTokenizerFiles;

/**
 * {@code evomerge merge}: checks a recipe against the method's schema and the models, plans the output, streams the
 * merge into a model in the options' format (a safetensors folder unless they name another), and adds the tokenizer
 * files, the recipe as run ({@code mergekit_config.yml}) and a model card naming the inputs (by Hub id where they have
 * one), the method and the extensions used.
 */
public final class MergeJob {

    /**
     * @param output         the output folder
     * @param maxShardBytes  the shard size limit
     * @param allowOverwrite replace an existing model at {@code output}
     * @param version        evomerge's version, for provenance
     * @param workingDirectory where relative model paths are looked up first (as mergekit does)
     * @param copyTokenizer  carry the reference model's tokenizer files into the output (mergekit's
     *                       {@code --copy-tokenizer}); a vocabulary the recipe rebuilds is written either way
     * @param writeModelCard write {@code README.md} and {@code mergekit_config.yml} (mergekit's
     *                       {@code --write-model-card})
     * @param allowCrimes    merge models of different architectures (mergekit's {@code --allow-crimes})
     * @param outputFormat   the id of the model format the output is written in ({@code safetensors}, {@code gguf})
     * @param outputSettings that format's parameters (GGUF's {@code out_type}); empty for its defaults
     */
    public record Options(Path output, long maxShardBytes, boolean allowOverwrite, String version,
                          Path workingDirectory, boolean copyTokenizer, boolean writeModelCard, boolean allowCrimes,
                          String outputFormat, Map<String, Object> outputSettings) {

        /** The output format whose id mergekit writes. */
        public static final String DEFAULT_FORMAT = "safetensors";

        public Options {
            outputSettings = Map.copyOf(outputSettings);
        }

        /** A safetensors folder with the format's defaults. */
        public Options(Path output, long maxShardBytes, boolean allowOverwrite, String version, Path workingDirectory,
                       boolean copyTokenizer, boolean writeModelCard, boolean allowCrimes) {
            this(output, maxShardBytes, allowOverwrite, version, workingDirectory, copyTokenizer, writeModelCard,
                    allowCrimes, DEFAULT_FORMAT, Map.of());
        }

        /** mergekit's defaults: tokenizer and model card written, architectures not mixed, safetensors. */
        public Options(Path output, long maxShardBytes, boolean allowOverwrite, String version, Path workingDirectory) {
            this(output, maxShardBytes, allowOverwrite, version, workingDirectory, true, true, false);
        }
    }

    /** What the job did. */
    public record Result(Path output, MergeExecutor.Summary summary, String method) {
    }

    private MergeJob() {
    }

    public static Result run(MergeRecipe recipe, ExtensionCatalog catalog, ModelFormats formats,
                             ArchitectureCatalog architectures, RunContext context, Options options) {
        RegisteredExtension extension = catalog.require(ExtensionKind.MERGE_METHOD, recipe.mergeMethod(),
                recipe.file() + ": 'merge_method'");
        checkParameterNames(recipe, extension);
        Parameters global = globalParameters(recipe, extension);
        MergeMethod method = ((MergeMethodFactory) extension.factory()).create(global, context);

        Map<String, Model> models = new LinkedHashMap<>();
        // What the card names: the extensions this merge used, and the Hub id of each input that has one.
        List<RegisteredExtension> used = new ArrayList<>(List.of(extension));
        Map<String, String> hubIds = new LinkedHashMap<>();
        try {
            for (String reference : recipe.modelReferences()) {
                Path location = locate(recipe, reference, options.workingDirectory());
                ModelFormats.Installed format = formats.forPath(location);
                Model model = format.format().open(location);
                models.put(reference, model);
                ModelFormats.requireConfig(model);
                catalog.find(ExtensionKind.MODEL_FORMAT, format.id()).ifPresent(used::add);
                HubModelId.of(location, model.config().raw()).ifPresent(id -> hubIds.put(reference, id));
            }
            if (!options.allowCrimes()) {
                checkSameArchitecture(recipe, models);
            }
            ModelFormats.Installed output = formats.configured(options.outputFormat(), options.outputSettings());
            catalog.find(ExtensionKind.MODEL_FORMAT, output.id()).ifPresent(used::add);
            Model reference = models.get(recipe.baseModel().orElse(recipe.modelReferences().getFirst()));
            MergePlan plan = MergePlanner.plan(recipe, extension.descriptor(), models,
                    architectures.findOrGeneric(reference.config()),
                    ref -> locate(recipe, ref, options.workingDirectory()));
            checkLayerRanges(recipe, models);

            List<TensorInfo> layout = new ArrayList<>();
            for (MergePlan.PlannedTensor t : plan.tensors()) {
                layout.add(new TensorInfo(t.name(), plan.outDtype(), outputShape(plan, t), ""));
            }
            Path extras = context.scratch().newFolder("merge-extras");
            List<Path> sideFiles = new ArrayList<>(reference.sideFiles());
            if (plan.vocabulary().isPresent() || !options.copyTokenizer()) {
                // The output's tokenizer is the aligned vocabulary's, not the reference model's; or none at all.
                sideFiles.removeIf(f -> AlignedTokenizerFiles.TOKENIZER_FILES.contains(f.getFileName().toString()));
            }
            if (plan.vocabulary().isPresent()) {
                // As mergekit: a tokenizer the recipe builds is written even with --no-copy-tokenizer.
                sideFiles.addAll(AlignedTokenizerFiles.write(plan.vocabulary().get(),
                        context.scratch().newFolder("merge-tokenizer")));
            }
            if (options.writeModelCard()) {
                sideFiles.add(write(extras.resolve("mergekit_config.yml"), recipe.text()));
                sideFiles.add(write(extras.resolve("README.md"), ModelCard.text(recipe, extension, used, hubIds, plan,
                        context.random().seed(), options.version())));
            }
            Map<String, String> provenance = new LinkedHashMap<>();
            provenance.put("evomerge.version", options.version());
            provenance.put("evomerge.merge_method", extension.coordinates());
            provenance.put("evomerge.plugin", extension.pluginId());
            provenance.put("evomerge.seed", Long.toString(context.random().seed()));
            ModelConfig config = new ModelConfig(reference.config().architectures(), reference.config().modelType(),
                    0, 0, 0, 0, 0, 0, 0, false, 0, 0, plan.config());
            WriteOptions write = new WriteOptions(layout, config, options.maxShardBytes(), options.allowOverwrite(),
                    provenance, sideFiles);
            MergeExecutor.Summary summary;
            try (ModelWriter writer = output.format().create(options.output(), write)) {
                summary = MergeExecutor.run(plan, extension.descriptor(), method, writer, context,
                        MergeExecutor.DEFAULT_BUDGET_BYTES);
                writer.commit();
            } catch (EvomergeException e) {
                if (e.category() == org.evomerge.api.ErrorCategory.CONFIGURATION
                        && !e.getMessage().startsWith(recipe.file().toString())) {
                    throw EvomergeException.configuration(recipe.file() + ": " + e.getMessage());
                }
                throw e;
            }
            return new Result(options.output(), summary, extension.coordinates());
        } finally {
            models.values().forEach(Model::close);
        }
    }

    /** The shape the output will have: inputs' common block for vocabulary tensors, else the inputs' shape. */
    static org.evomerge.api.tensor.Shape outputShape(MergePlan plan, MergePlan.PlannedTensor t) {
        List<MergePlan.PlannedInput> all = new ArrayList<>(t.inputs());
        t.base().ifPresent(all::add);
        org.evomerge.api.tensor.Shape first = all.getFirst().info().shape();
        if (plan.vocabulary().isPresent() && MergePlanner.isVocabularyTensor(t.placement()) && first.rank() == 2) {
            return org.evomerge.api.tensor.Shape.of(plan.vocabulary().get().rows(), first.dim(1));
        }
        if (all.stream().allMatch(i -> i.info().shape().equals(first)) || first.rank() != 2) {
            return first;
        }
        long rows = all.stream().mapToLong(i -> i.info().shape().dim(0)).min().orElseThrow();
        long cols = all.stream().mapToLong(i -> i.info().shape().dim(1)).min().orElseThrow();
        return org.evomerge.api.tensor.Shape.of(rows, cols);
    }

    /** Model references are local paths, looked up in the working folder first (as mergekit does), then beside the recipe. */
    static Path locate(MergeRecipe recipe, String reference, Path workingDirectory) {
        Path given = PathInput.of(reference, recipe.file() + ": model");
        List<Path> candidates = given.isAbsolute() ? List.of(given)
                : List.of(workingDirectory.resolve(given), recipe.file().toAbsolutePath().getParent().resolve(given));
        for (Path candidate : candidates) {
            if (Files.exists(candidate)) {
                return candidate.normalize();
            }
        }
        throw EvomergeException.configuration(recipe.file() + ": model '" + reference + "' not found (looked in "
                + String.join(" and ", candidates.stream().map(p -> p.normalize().toString()).toList())
                + "; evomerge reads local folders and does not download from the Hugging Face hub)");
    }

    /**
     * mergekit's check: when every model names its architecture class ({@code config.json} {@code architectures}),
     * they must all name the same one.
     */
    static void checkSameArchitecture(MergeRecipe recipe, Map<String, Model> models) {
        Map<String, String> classes = new LinkedHashMap<>();
        for (Map.Entry<String, Model> entry : models.entrySet()) {
            List<String> architectures = entry.getValue().config().architectures();
            if (architectures.isEmpty()) {
                return;
            }
            classes.put(entry.getKey(), architectures.getFirst());
        }
        if (classes.values().stream().distinct().count() > 1) {
            throw EvomergeException.configuration(recipe.file() + ": the models have different architectures ("
                    + String.join(", ", classes.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                    .toList()) + "); give --allow-crimes to merge them anyway, as mergekit asks");
        }
    }

    static void checkParameterNames(MergeRecipe recipe, RegisteredExtension extension) {
        List<Map<String, ParameterValue>> levels = new ArrayList<>();
        levels.add(recipe.parameters());
        recipe.modules().values().forEach(m -> levels.add(m.parameters()));
        for (RecipeSlice slice : recipe.allSlices()) {
            levels.add(slice.parameters());
            slice.sources().stream().map(RecipeSource::parameters).forEach(levels::add);
        }
        TreeSet<String> known = new TreeSet<>();
        extension.descriptor().parameters().parameters().forEach(p -> known.add(p.name()));
        for (Map<String, ParameterValue> level : levels) {
            for (String name : level.keySet()) {
                if (!known.contains(name)) {
                    throw EvomergeException.configuration(recipe.file() + ": '" + name + "' is not a parameter of"
                            + " merge method '" + extension.descriptor().id() + "'"
                            + (known.isEmpty() ? " (it takes none)" : "; known: " + String.join(", ", known)));
                }
            }
        }
    }

    /** GLOBAL-scope options come from the recipe's top-level parameters and must be plain values. */
    static Parameters globalParameters(MergeRecipe recipe, RegisteredExtension extension) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (ParameterSpec spec : extension.descriptor().parameters().inScope(ParameterScope.GLOBAL)) {
            ParameterValue value = recipe.parameters().get(spec.name());
            if (value == null) {
                continue;
            }
            if (!(value instanceof ParameterValue.Scalar scalar)) {
                throw EvomergeException.configuration(recipe.file() + ": '" + spec.name() + "' is a run-wide option of"
                        + " '" + extension.descriptor().id() + "' and takes a single value, not a gradient or filter list");
            }
            raw.put(spec.name(), scalar.value());
        }
        try {
            return ParameterValidator.validate(extension.descriptor(), raw, EnumSet.of(ParameterScope.GLOBAL), true);
        } catch (EvomergeException e) {
            throw EvomergeException.configuration(recipe.file() + ": " + e.getMessage());
        }
    }

    static void checkLayerRanges(MergeRecipe recipe, Map<String, Model> models) {
        for (RecipeSlice slice : recipe.slices()) {
            for (RecipeSource source : slice.sources()) {
                if (source.layerRange().isEmpty()) {
                    continue;
                }
                int layers = models.get(source.model()).config().numLayers();
                int end = source.layerRange().get()[1];
                if (layers > 0 && end > layers) {
                    throw EvomergeException.configuration(recipe.file() + ": layer_range of '" + source.model()
                            + "' ends at " + end + ", but the model has " + layers + " layers");
                }
            }
        }
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
