package org.evomerge.engine.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.vocabulary.AlignedTokenizerFiles;

/**
 * {@code evomerge merge}: opens the recipe's models, runs its {@link PreparedMerge} into a model in the options'
 * output format (a safetensors folder unless the configuration or the command line names another), and adds the
 * tokenizer files, the recipe as run ({@code mergekit_config.yml}) and a model card naming the inputs (by Hub id
 * where they have one), the method and the extensions used.
 */
public final class MergeJob {

    /**
     * @param output         the output folder
     * @param outputFormat   the id of the model format the output is written in ({@code safetensors},
     *                       {@code gguf}): {@code --out-format}, else the configuration's {@code output.format}
     * @param maxShardBytes  the shard size limit
     * @param allowOverwrite replace an existing model at {@code output}
     * @param version        evomerge's version, for provenance
     * @param workingDirectory where relative model paths are looked up first (as mergekit does)
     * @param copyTokenizer  carry the reference model's tokenizer files into the output (mergekit's
     *                       {@code --copy-tokenizer}); a vocabulary the recipe rebuilds is written either way
     * @param writeModelCard write {@code README.md} and {@code mergekit_config.yml} (mergekit's
     *                       {@code --write-model-card})
     * @param allowCrimes    merge models of different architectures (mergekit's {@code --allow-crimes})
     * @param outputSettings that format's parameters (GGUF's {@code out_type}); empty for its defaults
     */
    public record Options(Path output, String outputFormat, long maxShardBytes, boolean allowOverwrite, String version,
                          Path workingDirectory, boolean copyTokenizer, boolean writeModelCard, boolean allowCrimes,
                          Map<String, Object> outputSettings) {

        public Options {
            outputSettings = Map.copyOf(outputSettings);
        }

        /** The output format's defaults. */
        public Options(Path output, String outputFormat, long maxShardBytes, boolean allowOverwrite, String version,
                       Path workingDirectory, boolean copyTokenizer, boolean writeModelCard, boolean allowCrimes) {
            this(output, outputFormat, maxShardBytes, allowOverwrite, version, workingDirectory, copyTokenizer,
                    writeModelCard, allowCrimes, Map.of());
        }

        /** mergekit's defaults: tokenizer and model card written, architectures not mixed. */
        public Options(Path output, String outputFormat, long maxShardBytes, boolean allowOverwrite, String version,
                       Path workingDirectory) {
            this(output, outputFormat, maxShardBytes, allowOverwrite, version, workingDirectory, true, true, false);
        }
    }

    /** What the job did. */
    public record Result(Path output, MergeExecutor.Summary summary, String method) {
    }

    private MergeJob() {
    }

    public static Result run(MergeRecipe recipe, ExtensionCatalog catalog, ModelFormats formats,
                             ArchitectureCatalog architectures, RunContext context, Options options) {
        PreparedMerge.Resolved method = PreparedMerge.resolve(recipe, catalog, context);
        RegisteredExtension extension = method.extension();

        Map<String, Model> models = new LinkedHashMap<>();
        // What the card names: the extensions this merge used, and the Hub id of each input that has one.
        List<RegisteredExtension> used = new ArrayList<>(List.of(extension));
        Map<String, String> hubIds = new LinkedHashMap<>();
        try {
            for (String reference : recipe.modelReferences()) {
                Path location = recipe.locate(reference, options.workingDirectory());
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
            PreparedMerge merge = method.prepare(models, architectures,
                    ref -> recipe.locate(ref, options.workingDirectory()), Optional.empty());
            MergePlan plan = merge.plan();

            Path extras = context.scratch().newFolder("merge-extras");
            List<Path> sideFiles = new ArrayList<>(merge.reference().sideFiles());
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
            WriteOptions write = new WriteOptions(plan.layout(), merge.outputConfig(), options.maxShardBytes(),
                    options.allowOverwrite(), provenance, sideFiles);
            MergeExecutor.Summary summary;
            try (ModelWriter writer = output.format().create(options.output(), write)) {
                summary = merge.run(writer, context);
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

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
