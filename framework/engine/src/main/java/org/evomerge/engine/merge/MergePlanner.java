package org.evomerge.engine.merge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureDescription;
import org.evomerge.engine.architecture.TensorPlacement;
import org.evomerge.engine.architecture.TensorRole;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterResolver;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeSlice;
import org.evomerge.engine.recipe.RecipeSource;
import org.evomerge.engine.recipe.TokenizerSettings;
import org.evomerge.engine.vocabulary.TokenizerVocabulary;
import org.evomerge.engine.vocabulary.VocabularyAlignment;

/**
 * Turns a recipe and its opened models into a {@link MergePlan}, with mergekit's semantics: the {@code models:} form
 * is one slice over every layer; slices stack layer ranges and renumber them consecutively; tensors before the layers
 * (embeddings) come from the first slice and tensors after them (final norm, head) from the last, at t = 0; a model
 * without {@code lm_head.weight} lends its embedding in its place (tied weights), and the output has a head if any
 * input has one.
 */
public final class MergePlanner {

    private static final String LM_HEAD = "lm_head.weight";

    private MergePlanner() {
    }

    /**
     * @param recipe       the recipe
     * @param method       the merge method's descriptor (capabilities decide how the base model is passed)
     * @param models       the opened models by recipe reference
     * @param architecture the reference model's architecture description
     */
    public static MergePlan plan(MergeRecipe recipe, ExtensionDescriptor method, Map<String, Model> models,
                                 ArchitectureDescription architecture) {
        return plan(recipe, method, models, architecture,
                reference -> MergeJob.locate(recipe, reference, Path.of("").toAbsolutePath()));
    }

    /**
     * As {@link #plan(MergeRecipe, ExtensionDescriptor, Map, ArchitectureDescription)}, with the folders of model
     * references that are not among {@code models} (a {@code tokenizer_source} naming another model) found by
     * {@code locate}.
     */
    public static MergePlan plan(MergeRecipe recipe, ExtensionDescriptor method, Map<String, Model> models,
                                 ArchitectureDescription architecture, Function<String, Path> locate) {
        boolean usesBase = method.has(Capability.REQUIRES_BASE_MODEL) || method.has(Capability.ACCEPTS_BASE_MODEL);
        if (method.has(Capability.REQUIRES_BASE_MODEL) && recipe.baseModel().isEmpty()) {
            throw EvomergeException.configuration(recipe.file() + ": merge method '" + method.id()
                    + "' needs 'base_model'");
        }
        String referenceName = recipe.baseModel().orElse(recipe.slices().getFirst().sources().getFirst().model());
        Model reference = models.get(referenceName);
        int referenceLayers = reference.config().numLayers();

        List<MergePlan.PlannedTensor> planned = new ArrayList<>();
        List<String> outputNames = new ArrayList<>();
        boolean anyHead = models.values().stream().anyMatch(m -> m.tensors().find(LM_HEAD).isPresent());

        // Tensors outside the layers, in the reference model's order: pre-layer ones first, post-layer ones last.
        List<TensorInfo> referenceTensors = reference.tensors().tensors();
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (TensorInfo t : referenceTensors) {
            TensorPlacement p = architecture.classify(t.name());
            if (p.layer().isEmpty()) {
                (p.isAfterLayers() ? post : pre).add(t.name());
            }
        }
        if (anyHead && !post.contains(LM_HEAD) && !pre.contains(LM_HEAD)) {
            post.add(LM_HEAD);
        }

        RecipeSlice first = recipe.slices().getFirst();
        RecipeSlice last = recipe.slices().getLast();
        for (String name : pre) {
            planned.add(tensor(recipe, name, name, architecture.classify(name), 0, first, usesBase, models, -1));
        }
        int outLayer = 0;
        for (RecipeSlice slice : recipe.slices()) {
            RecipeSource lead = slice.sources().getFirst();
            int start = lead.layerRange().map(r -> r[0]).orElse(0);
            int length = lead.layerRange().map(r -> r[1] - r[0]).orElse(referenceLayers);
            if (length <= 0) {
                throw EvomergeException.input(recipe.file() + ": cannot tell how many layers '" + lead.model()
                        + "' has (no num_hidden_layers in its config)", null);
            }
            Model leadModel = models.get(lead.model());
            List<String> layerTemplate = new ArrayList<>();
            for (TensorInfo t : leadModel.tensors().tensors()) {
                OptionalInt layer = architecture.classify(t.name()).layer();
                if (layer.isPresent() && layer.getAsInt() == start) {
                    layerTemplate.add(t.name());
                }
            }
            if (layerTemplate.isEmpty()) {
                throw EvomergeException.input(recipe.file() + ": model '" + lead.model() + "' has no tensors of layer "
                        + start + " (architecture '" + architecture.name() + "')", null);
            }
            for (int i = 0; i < length; i++) {
                double t = ParameterResolver.position(i, length);
                for (String templateName : layerTemplate) {
                    String outName = renumber(templateName, start, outLayer);
                    TensorPlacement placement = new TensorPlacement(architecture.classify(templateName).role(),
                            OptionalInt.of(outLayer));
                    planned.add(tensor(recipe, outName, templateName, placement, t, slice, usesBase, models, i));
                }
                outLayer++;
            }
        }
        for (String name : post) {
            planned.add(tensor(recipe, name, name, architecture.classify(name), 0, last, usesBase, models, -1));
        }
        for (MergePlan.PlannedTensor t : planned) {
            if (outputNames.contains(t.name())) {
                throw EvomergeException.configuration(recipe.file() + ": output tensor '" + t.name()
                        + "' would be written twice");
            }
            outputNames.add(t.name());
        }

        Map<String, Object> config = new LinkedHashMap<>(reference.config().raw());
        if (!recipe.modelsForm() || outLayer != referenceLayers) {
            config.put("num_hidden_layers", outLayer);
        }
        DType referenceDtype = referenceTensors.isEmpty() ? DType.F32 : referenceTensors.getFirst().dtype();
        DType working = recipe.dtype().map(MergePlanner::dtype).orElse(DType.F32);
        DType out = recipe.outDtype().or(recipe::dtype).map(MergePlanner::dtype)
                .orElse(referenceDtype.isFloatingPoint() && !referenceDtype.isQuantized() ? referenceDtype : DType.F32);
        config.put("torch_dtype", torchName(out));
        Optional<VocabularyAlignment> vocabulary = recipe.tokenizer()
                .map(settings -> alignment(recipe, settings, referenceName, models, locate));
        vocabulary.ifPresent(v -> config.put("vocab_size", v.rows()));
        return new MergePlan(planned, config, out, working, vocabulary);
    }

    /** The vocabulary alignment of a recipe's tokenizer settings, from the models' tokenizer.json files. */
    private static VocabularyAlignment alignment(MergeRecipe recipe, TokenizerSettings settings, String baseName,
                                                 Map<String, Model> models, Function<String, Path> locate) {
        List<VocabularyAlignment.ModelVocabulary> vocabularies = new ArrayList<>();
        for (Map.Entry<String, Model> entry : models.entrySet()) {
            Model model = entry.getValue();
            Optional<Path> folder = model.location().map(p -> Files.isDirectory(p) ? p : p.getParent());
            Optional<TokenizerVocabulary> tokenizer = folder.filter(f -> Files.isRegularFile(f.resolve("tokenizer.json")))
                    .map(TokenizerVocabulary::read);
            Object size = model.config().raw().get("vocab_size");
            vocabularies.add(new VocabularyAlignment.ModelVocabulary(entry.getKey(), tokenizer,
                    size instanceof Number n ? n.intValue() : 0));
        }
        Optional<TokenizerVocabulary> source = settings.sourceModel().map(reference -> {
            Model model = models.get(reference);
            Path folder = model != null && model.location().isPresent() ? model.location().get()
                    : locate.apply(reference);
            return TokenizerVocabulary.read(Files.isDirectory(folder) ? folder : folder.getParent());
        });
        try {
            return VocabularyAlignment.build(settings, baseName, vocabularies, source);
        } catch (EvomergeException e) {
            throw e.category() == org.evomerge.api.ErrorCategory.CONFIGURATION
                    ? EvomergeException.configuration(recipe.file() + ": " + e.getMessage()) : e;
        }
    }

    /** Replaces the layer number {@code from} in a tensor name by {@code to} (its first occurrence as a segment). */
    static String renumber(String name, int from, int to) {
        return name.replaceFirst("\\." + from + "\\.", "." + to + ".");
    }

    private static MergePlan.PlannedTensor tensor(MergeRecipe recipe, String outName, String leadName,
                                                  TensorPlacement placement, double t, RecipeSlice slice,
                                                  boolean usesBase, Map<String, Model> models, int indexInSlice) {
        List<MergePlan.PlannedInput> inputs = new ArrayList<>();
        Optional<MergePlan.PlannedInput> base = Optional.empty();
        String baseName = recipe.baseModel().orElse(null);
        boolean baseAmongSources = false;
        // Layer tensors are planned from the lead source's template at its first layer; each source reads its own layer.
        int leadStart = slice.sources().getFirst().layerRange().map(r -> r[0]).orElse(0);
        for (RecipeSource source : slice.sources()) {
            String sourceTensor = leadName;
            if (indexInSlice >= 0) {
                int sourceLayer = source.layerRange().map(r -> r[0]).orElse(0) + indexInSlice;
                sourceTensor = renumber(leadName, leadStart, sourceLayer);
            }
            Model model = models.get(source.model());
            Optional<String> found = locate(model, sourceTensor);
            List<Map<String, ParameterValue>> levels = List.of(source.parameters(), slice.parameters(),
                    recipe.parameters());
            if (usesBase && source.model().equals(baseName)) {
                baseAmongSources = true;
                if (found.isPresent()) {
                    base = Optional.of(new MergePlan.PlannedInput(source.model(), model, found.get(), levels));
                }
                continue;
            }
            if (found.isEmpty()) {
                continue; // this model lacks the tensor: the method merges the others
            }
            inputs.add(new MergePlan.PlannedInput(source.model(), model, found.get(), levels));
        }
        if (usesBase && baseName != null && !baseAmongSources) {
            Model model = models.get(baseName);
            String baseTensor = indexInSlice >= 0 ? renumber(leadName, leadStart, leadStart + indexInSlice) : outName;
            Optional<String> found = locate(model, baseTensor);
            if (found.isPresent()) {
                base = Optional.of(new MergePlan.PlannedInput(baseName, model, found.get(),
                        List.of(Map.of(), slice.parameters(), recipe.parameters())));
            }
        }
        if (inputs.isEmpty() && base.isEmpty()) {
            throw EvomergeException.input(recipe.file() + ": no input model has tensor '" + leadName + "'", null);
        }
        return new MergePlan.PlannedTensor(outName, placement, t, inputs, base,
                List.of(slice.parameters(), recipe.parameters()));
    }

    /** The tensor in {@code model}, or its embedding in place of a missing {@code lm_head.weight} (tied weights). */
    private static Optional<String> locate(Model model, String name) {
        if (model.tensors().find(name).isPresent()) {
            return Optional.of(name);
        }
        if (name.equals(LM_HEAD)) {
            for (TensorInfo t : model.tensors().tensors()) {
                if (t.name().endsWith("embed_tokens.weight") || t.name().endsWith("wte.weight")) {
                    return Optional.of(t.name());
                }
            }
        }
        return Optional.empty();
    }

    static DType dtype(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "float", "fp32" -> DType.F32;
            case "bfloat16", "bf16" -> DType.BF16;
            case "float16", "half", "fp16" -> DType.F16;
            default -> throw EvomergeException.configuration("unknown dtype '" + name + "'");
        };
    }

    static String torchName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> dtype.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Whether a role's tensors may be cut to a common block when vocabularies differ (mergekit's rectification). */
    static boolean isVocabularyTensor(TensorPlacement placement) {
        return placement.role() == TensorRole.EMBEDDING || placement.role() == TensorRole.OUTPUT_HEAD;
    }
}
