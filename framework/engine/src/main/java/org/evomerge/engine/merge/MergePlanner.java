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
import org.evomerge.engine.recipe.LayerRange;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterResolver;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeModule;
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
                reference -> recipe.locate(reference, Path.of("").toAbsolutePath()));
    }

    /**
     * As {@link #plan(MergeRecipe, ExtensionDescriptor, Map, ArchitectureDescription)}, with the folders of model
     * references that are not among {@code models} (a {@code tokenizer_source} naming another model) found by
     * {@code locate}.
     */
    public static MergePlan plan(MergeRecipe recipe, ExtensionDescriptor method, Map<String, Model> models,
                                 ArchitectureDescription architecture, Function<String, Path> locate) {
        return plan(recipe, method, models, architecture, locate, Optional.empty());
    }

    /**
     * As {@link #plan(MergeRecipe, ExtensionDescriptor, Map, ArchitectureDescription, Function)}, writing
     * {@code outDtype} where given instead of the dtype the recipe asks for (an in-memory merge holds its result in
     * its storage dtype).
     */
    public static MergePlan plan(MergeRecipe recipe, ExtensionDescriptor method, Map<String, Model> models,
                                 ArchitectureDescription architecture, Function<String, Path> locate,
                                 Optional<DType> outDtype) {
        boolean usesBase = method.has(Capability.REQUIRES_BASE_MODEL) || method.has(Capability.ACCEPTS_BASE_MODEL);
        if (method.has(Capability.REQUIRES_BASE_MODEL) && recipe.baseModel().isEmpty()) {
            throw EvomergeException.configuration(recipe.file() + ": merge method '" + method.id()
                    + "' needs 'base_model'");
        }
        String referenceName = recipe.baseModel().orElse(recipe.allSlices().getFirst().sources().getFirst().model());
        Model reference = models.get(referenceName);
        List<TensorInfo> referenceTensors = reference.tensors().tensors();

        List<MergePlan.PlannedTensor> planned = new ArrayList<>();
        Map<String, Object> raw = new LinkedHashMap<>(reference.config().raw());
        List<Stack> stacks = stacks(recipe, architecture);
        if (!architecture.modules().isEmpty()) {
            for (TensorInfo t : referenceTensors) {
                if (architecture.moduleOf(t.name()).isEmpty()) {
                    throw EvomergeException.input(recipe.file() + ": tensor '" + t.name() + "' of model '"
                            + referenceName + "' belongs to no module of architecture '" + architecture.name()
                            + "' (" + moduleNames(architecture) + "); describe it in a user architecture file", null);
                }
            }
        }
        for (Stack stack : stacks) {
            planStack(recipe, stack, usesBase, models, reference, architecture, planned, raw);
        }
        List<String> outputNames = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (MergePlan.PlannedTensor t : planned) {
            if (!seen.add(t.name())) {
                throw EvomergeException.configuration(recipe.file() + ": output tensor '" + t.name()
                        + "' would be written twice");
            }
            outputNames.add(t.name());
        }

        DType referenceDtype = referenceTensors.isEmpty() ? DType.F32 : referenceTensors.getFirst().dtype();
        DType working = recipe.dtype().map(MergePlanner::dtype).orElse(DType.F32);
        DType out = outDtype.orElseGet(() -> recipe.outDtype().or(recipe::dtype).map(MergePlanner::dtype)
                .orElse(referenceDtype.isFloatingPoint() && !referenceDtype.isQuantized() ? referenceDtype : DType.F32));
        Map<String, Object> config = withDtype(raw, torchName(out));
        Optional<VocabularyAlignment> vocabulary = recipe.tokenizer()
                .map(settings -> alignment(recipe, settings, referenceName, models, locate));
        // Where the reference config keeps it: multimodal configs nest the language model's vocab_size in text_config.
        vocabulary.ifPresent(v -> putNested(config, vocabSizeKey(config), v.rows()));
        if (vocabulary.isPresent()) {
            planned = planned.stream().map(t -> isVocabularyTensor(t.placement()) ? t.rebuiltIn(vocabulary.get()) : t)
                    .toList();
        }
        return new MergePlan(planned, config, out, working, vocabulary);
    }

    /**
     * One layer stack to plan: the whole model (a description without modules), or one module of a multi-module
     * model, with the recipe's slices for it.
     *
     * @param module     the architecture's module (the implicit {@code default} one for a single-stack model)
     * @param catchAll   whether every tensor belongs to it (single-stack descriptions keep unmatched tensors)
     * @param slices     the slices for this stack
     * @param modelsForm whether they came from a {@code models:} list
     * @param parameters module parameters ({@code modules.NAME.parameters}), empty otherwise
     */
    private record Stack(ArchitectureDescription.Module module, boolean catchAll, List<RecipeSlice> slices,
                         boolean modelsForm, Map<String, ParameterValue> parameters) {

        Optional<TensorPlacement> classify(ArchitectureDescription architecture, String tensorName) {
            return catchAll ? Optional.of(architecture.classify(tensorName)) : module.classify(tensorName);
        }
    }

    /**
     * mergekit's normalisation of the three recipe forms to per-module slices: {@code models:} applies to every
     * module; {@code slices:} needs a single-module architecture; {@code modules:} names declared modules only.
     */
    private static List<Stack> stacks(MergeRecipe recipe, ArchitectureDescription architecture) {
        boolean single = architecture.modules().isEmpty();
        List<ArchitectureDescription.Module> declared = architecture.effectiveModules();
        List<Stack> stacks = new ArrayList<>();
        if (recipe.hasModules()) {
            for (RecipeModule module : recipe.modules().values()) {
                ArchitectureDescription.Module found = declared.stream().filter(m -> m.name().equals(module.name()))
                        .findFirst().orElseThrow(() -> EvomergeException.configuration(recipe.file()
                                + ": unknown module '" + module.name() + "' in 'modules'; architecture '"
                                + architecture.name() + "' has " + moduleNames(architecture)));
                stacks.add(new Stack(found, single, module.slices(), module.modelsForm(), module.parameters()));
            }
        } else if (single || recipe.modelsForm()) {
            for (ArchitectureDescription.Module module : declared) {
                stacks.add(new Stack(module, single, recipe.slices(), recipe.modelsForm(), Map.of()));
            }
        } else if (declared.size() == 1) {
            stacks.add(new Stack(declared.getFirst(), false, recipe.slices(), false, Map.of()));
        } else {
            throw EvomergeException.configuration(recipe.file() + ": architecture '" + architecture.name()
                    + "' has several modules (" + moduleNames(architecture) + "); give per-module slices under"
                    + " 'modules:' instead of top-level 'slices'");
        }
        return stacks;
    }

    private static String moduleNames(ArchitectureDescription architecture) {
        return "modules " + String.join(", ", architecture.effectiveModules().stream()
                .map(ArchitectureDescription.Module::name).toList());
    }

    /**
     * The number of layers of {@code module} in {@code model}: its config key (dotted for nested objects), else one
     * more than the highest layer index among the module's weights (0 when it has no layer stack).
     */
    private static int moduleLayers(Model model, Stack stack, ArchitectureDescription architecture) {
        if (stack.catchAll()) {
            return model.config().numLayers();
        }
        Optional<String> key = stack.module().layersKey();
        if (key.isPresent()) {
            Object value = nested(model.config().raw(), key.get());
            if (value instanceof Number n && n.intValue() > 0) {
                return n.intValue();
            }
        }
        int layers = 0;
        for (TensorInfo t : model.tensors().tensors()) {
            OptionalInt layer = stack.classify(architecture, t.name()).map(TensorPlacement::layer)
                    .orElse(OptionalInt.empty());
            if (layer.isPresent()) {
                layers = Math.max(layers, layer.getAsInt() + 1);
            }
        }
        return layers;
    }

    /** Plans one stack's tensors into {@code planned} and records a changed layer count in {@code config}. */
    private static void planStack(MergeRecipe recipe, Stack stack, boolean usesBase, Map<String, Model> models,
                                  Model reference, ArchitectureDescription architecture,
                                  List<MergePlan.PlannedTensor> planned, Map<String, Object> config) {
        String prefix = stack.catchAll() ? "" : stack.module().prefix();
        String head = prefix + LM_HEAD;
        int referenceLayers = moduleLayers(reference, stack, architecture);
        boolean moduleHasHead = stack.catchAll() || stack.module().classify(head)
                .filter(p -> p.role() == TensorRole.OUTPUT_HEAD).isPresent();
        boolean anyHead = moduleHasHead && models.values().stream().anyMatch(m -> m.tensors().find(head).isPresent());

        // Tensors outside the layers, in the reference model's order: pre-layer ones first, post-layer ones last.
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (TensorInfo t : reference.tensors().tensors()) {
            Optional<TensorPlacement> p = stack.classify(architecture, t.name());
            if (p.isPresent() && p.get().layer().isEmpty()) {
                (p.get().isAfterLayers() ? post : pre).add(t.name());
            }
        }
        if (anyHead && !post.contains(head) && !pre.contains(head)) {
            post.add(head);
        }

        RecipeSlice first = stack.slices().getFirst();
        RecipeSlice last = stack.slices().getLast();
        for (String name : pre) {
            planned.add(tensor(recipe, stack, name, name, architecture.classify(name), 0, first, usesBase, models,
                    -1));
        }
        int outLayer = 0;
        for (RecipeSlice slice : stack.slices()) {
            RecipeSource lead = slice.sources().getFirst();
            int start = lead.layerRange().map(LayerRange::start).orElse(0);
            int length = lead.layerRange().map(LayerRange::length).orElse(referenceLayers);
            if (length <= 0 && stack.catchAll()) {
                throw EvomergeException.input(recipe.file() + ": cannot tell how many layers '" + lead.model()
                        + "' has (no num_hidden_layers in its config)", null);
            }
            for (RecipeSource source : slice.sources()) {
                int end = source.layerRange().map(LayerRange::end).orElse(0);
                int layers = moduleLayers(models.get(source.model()), stack, architecture);
                if (end > layers && (layers > 0 || !stack.catchAll())) {
                    throw EvomergeException.configuration(recipe.file() + ": layer_range of '" + source.model()
                            + "'" + (stack.catchAll() ? "" : " in module '" + stack.module().name() + "'")
                            + " ends at " + end + ", but the " + (stack.catchAll() ? "model" : "module") + " has "
                            + layers + " layers");
                }
            }
            if (length <= 0) {
                continue; // a module without a layer stack (a projector): only its other weights are merged
            }
            Model leadModel = models.get(lead.model());
            List<String> layerTemplate = new ArrayList<>();
            for (TensorInfo t : leadModel.tensors().tensors()) {
                OptionalInt layer = stack.classify(architecture, t.name()).map(TensorPlacement::layer)
                        .orElse(OptionalInt.empty());
                if (layer.isPresent() && layer.getAsInt() == start) {
                    layerTemplate.add(t.name());
                }
            }
            if (layerTemplate.isEmpty()) {
                throw EvomergeException.input(recipe.file() + ": model '" + lead.model() + "' has no tensors of layer "
                        + start + " (architecture '" + architecture.name() + "'"
                        + (stack.catchAll() ? "" : ", module '" + stack.module().name() + "'") + ")", null);
            }
            for (int i = 0; i < length; i++) {
                double t = ParameterResolver.position(i, length);
                for (String templateName : layerTemplate) {
                    String outName = renumber(templateName, prefix, start, outLayer);
                    TensorPlacement placement = new TensorPlacement(architecture.classify(templateName).role(),
                            OptionalInt.of(outLayer));
                    planned.add(tensor(recipe, stack, outName, templateName, placement, t, slice, usesBase, models,
                            i));
                }
                outLayer++;
            }
        }
        for (String name : post) {
            planned.add(tensor(recipe, stack, name, name, architecture.classify(name), 0, last, usesBase, models, -1));
        }
        if (!stack.modelsForm() || outLayer != referenceLayers) {
            if (stack.catchAll()) {
                config.put("num_hidden_layers", outLayer);
            } else if (stack.module().layersKey().isPresent()) {
                putNested(config, stack.module().layersKey().get(), outLayer);
            }
        }
    }

    /**
     * The config key of the language model's vocabulary size: {@code vocab_size}, or {@code text_config.vocab_size}
     * when only the nested one exists (multimodal models such as LLaVA).
     */
    static String vocabSizeKey(Map<String, Object> config) {
        return !config.containsKey("vocab_size") && config.get("text_config") instanceof Map<?, ?> text
                && text.containsKey("vocab_size") ? "text_config.vocab_size" : "vocab_size";
    }

    /** The value at a dotted config key, or {@code null}. */
    static Object nested(Map<String, Object> config, String dottedKey) {
        Object current = config;
        for (String part : dottedKey.split("\\.")) {
            current = current instanceof Map<?, ?> map ? map.get(part) : null;
        }
        return current;
    }

    /** Sets a dotted config key ({@code text_config.num_hidden_layers}), copying the nested objects on the way. */
    @SuppressWarnings("unchecked")
    static void putNested(Map<String, Object> config, String dottedKey, Object value) {
        String[] parts = dottedKey.split("\\.");
        Map<String, Object> current = config;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = current.get(parts[i]);
            Map<String, Object> copy = next instanceof Map<?, ?> map ? new LinkedHashMap<>((Map<String, Object>) map)
                    : new LinkedHashMap<>();
            current.put(parts[i], copy);
            current = copy;
        }
        current.put(parts[parts.length - 1], value);
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
            Object size = nested(model.config().raw(), vocabSizeKey(model.config().raw()));
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

    /** {@link #renumber(String, int, int)} after a module's weight prefix, so digits in the prefix are left alone. */
    static String renumber(String name, String prefix, int from, int to) {
        return prefix + renumber(name.substring(prefix.length()), from, to);
    }

    private static MergePlan.PlannedTensor tensor(MergeRecipe recipe, Stack stack, String outName, String leadName,
                                                  TensorPlacement placement, double t, RecipeSlice slice,
                                                  boolean usesBase, Map<String, Model> models, int indexInSlice) {
        List<MergePlan.PlannedInput> inputs = new ArrayList<>();
        Optional<MergePlan.PlannedInput> base = Optional.empty();
        String baseName = recipe.baseModel().orElse(null);
        boolean baseAmongSources = false;
        // Layer tensors are planned from the lead source's template at its first layer; each source reads its own layer.
        int leadStart = slice.sources().getFirst().layerRange().map(LayerRange::start).orElse(0);
        String prefix = stack.catchAll() ? "" : stack.module().prefix();
        for (RecipeSource source : slice.sources()) {
            String sourceTensor = leadName;
            if (indexInSlice >= 0) {
                int sourceLayer = source.layerRange().map(LayerRange::start).orElse(0) + indexInSlice;
                sourceTensor = renumber(leadName, prefix, leadStart, sourceLayer);
            }
            Model model = models.get(source.model());
            Optional<String> found = locate(model, sourceTensor, prefix);
            List<Map<String, ParameterValue>> levels = List.of(source.parameters(), slice.parameters(),
                    stack.parameters(), recipe.parameters());
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
            String baseTensor = indexInSlice >= 0 ? renumber(leadName, prefix, leadStart, leadStart + indexInSlice)
                    : outName;
            Optional<String> found = locate(model, baseTensor, prefix);
            if (found.isPresent()) {
                base = Optional.of(new MergePlan.PlannedInput(baseName, model, found.get(),
                        List.of(Map.of(), slice.parameters(), stack.parameters(), recipe.parameters())));
            }
        }
        if (inputs.isEmpty() && base.isEmpty()) {
            throw EvomergeException.input(recipe.file() + ": no input model has tensor '" + leadName + "'", null);
        }
        return new MergePlan.PlannedTensor(outName, placement, t, inputs, base,
                List.of(slice.parameters(), stack.parameters(), recipe.parameters()));
    }

    /**
     * The tensor in {@code model}, or its embedding (in the same module) in place of a missing
     * {@code lm_head.weight} (tied weights).
     */
    private static Optional<String> locate(Model model, String name, String prefix) {
        if (model.tensors().find(name).isPresent()) {
            return Optional.of(name);
        }
        if (name.equals(prefix + LM_HEAD)) {
            for (TensorInfo t : model.tensors().tensors()) {
                if (t.name().startsWith(prefix)
                        && (t.name().endsWith("embed_tokens.weight") || t.name().endsWith("wte.weight"))) {
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

    /**
     * {@code config} with the output dtype under both names: {@code dtype}, which transformers writes since 4.56
     * (mergekit's outputs have it), and {@code torch_dtype}, which older readers look for. They take the place of
     * whichever of the two the reference config had, else go at the end; the other keys keep their order.
     */
    static Map<String, Object> withDtype(Map<String, Object> config, String dtype) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            if (e.getKey().equals("dtype") || e.getKey().equals("torch_dtype")) {
                out.put("dtype", dtype);
                out.put("torch_dtype", dtype);
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        out.put("dtype", dtype);
        out.put("torch_dtype", dtype);
        return out;
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

    /**
     * Whether a role's tensors have a row per token: they are rebuilt in the output vocabulary when the recipe has
     * vocabulary settings, and may be cut to a common block when vocabularies differ (mergekit's rectification).
     */
    static boolean isVocabularyTensor(TensorPlacement placement) {
        return placement.role() == TensorRole.EMBEDDING || placement.role() == TensorRole.OUTPUT_HEAD;
    }
}
