package org.evomerge.engine.merge;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.BackendSelection;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeSlice;
import org.evomerge.engine.recipe.RecipeSource;

/**
 * A merge ready to run: the one path of {@link MergeJob} (into a model folder) and {@link InMemoryMerge} (into
 * memory), which differ only in the writer they run it into and in what they add around it. Preparing resolves the
 * recipe's method, checks its parameter names and run-wide options and creates it ({@link #resolve}, before any
 * model is opened), then plans the merge of the opened models and checks the layer ranges
 * ({@link Resolved#prepare}). The plan decides, once, each output tensor's shape and whether it is rebuilt in the
 * output vocabulary, and the output configuration.
 *
 * @param resolved  the recipe's method, resolved and created
 * @param reference the model whose configuration and side files the output starts from: the base model, else the
 *                  first
 * @param plan      what is merged into each output tensor
 */
public record PreparedMerge(Resolved resolved, Model reference, MergePlan plan) {

    /**
     * A recipe's merge method, found, its parameters checked, and created in the merge's context: what a merge checks
     * before it opens any model.
     *
     * @param recipe    the recipe
     * @param extension the installed merge method the recipe names
     * @param method    the method, created with the recipe's run-wide options
     */
    public record Resolved(MergeRecipe recipe, RegisteredExtension extension, MergeMethod method) {

        /**
         * Plans the merge of {@code models} and checks the recipe's layer ranges against them.
         *
         * @param models        the opened inputs by recipe reference, the reference model (base, else first) among
         *                      them
         * @param architectures architecture descriptions, for the reference model's
         * @param locate        finds model references that are not among {@code models} (a {@code tokenizer_source}
         *                      naming another model)
         * @param outDtype      the dtype to write instead of the one the recipe asks for, if any
         */
        public PreparedMerge prepare(Map<String, Model> models, ArchitectureCatalog architectures,
                                     Function<String, Path> locate, Optional<DType> outDtype) {
            Model reference = models.get(recipe.baseModel().orElse(recipe.modelReferences().getFirst()));
            MergePlan plan = MergePlanner.plan(recipe, extension.descriptor(), models,
                    architectures.findOrGeneric(reference.config()), locate, outDtype);
            checkLayerRanges(recipe, models);
            return new PreparedMerge(this, reference, plan);
        }
    }

    /**
     * Resolves {@code recipe}'s merge method and creates it in {@code context} (its seed, threads and compute backend
     * are the merge's).
     *
     * @throws EvomergeException (CONFIGURATION) naming the recipe file for an unknown method, a parameter the method
     *                           does not take, or a run-wide option that is not a single valid value
     */
    public static Resolved resolve(MergeRecipe recipe, ExtensionCatalog catalog, RunContext context) {
        RegisteredExtension extension = catalog.require(ExtensionKind.MERGE_METHOD, recipe.mergeMethod(),
                recipe.file() + ": 'merge_method'");
        BackendSelection.requireCapabilities(context.compute(), extension.descriptor());
        checkParameterNames(recipe, extension);
        Parameters global = globalParameters(recipe, extension);
        MergeMethod method = ((MergeMethodFactory) extension.factory()).create(global, context);
        return new Resolved(recipe, extension, method);
    }

    public MergeRecipe recipe() {
        return resolved.recipe();
    }

    public RegisteredExtension extension() {
        return resolved.extension();
    }

    /** The output model's configuration ({@link MergePlan#outputConfig}). */
    public ModelConfig outputConfig() {
        return plan.outputConfig(reference.config());
    }

    /**
     * Merges every planned tensor into {@code writer}, which was created with {@link MergePlan#layout()} and
     * {@link #outputConfig()}; the caller commits or discards it.
     *
     * @param context the context the method was created in
     */
    public MergeExecutor.Summary run(ModelWriter writer, RunContext context) {
        return MergeExecutor.run(plan, resolved.extension().descriptor(), resolved.method(), writer, context,
                MergeExecutor.DEFAULT_BUDGET_BYTES);
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
                int end = source.layerRange().get().end();
                if (layers > 0 && end > layers) {
                    throw EvomergeException.configuration(recipe.file() + ": layer_range of '" + source.model()
                            + "' ends at " + end + ", but the model has " + layers + " layers");
                }
            }
        }
    }
}
