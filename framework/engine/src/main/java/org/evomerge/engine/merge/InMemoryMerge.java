package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;

/**
 * Runs a recipe through the same planner and executor as {@link MergeJob}, but into memory: the result is a
 * {@link Model} (format id {@code memory}) with the reference model's side files, nothing is written to disk. The
 * evolution engine scores every candidate this way.
 */
public final class InMemoryMerge {

    private InMemoryMerge() {
    }

    /**
     * @param recipe        the recipe; its model references are keys of {@code models}
     * @param catalog       where the merge method is found
     * @param models        the opened inputs by recipe reference; they stay open and owned by the caller
     * @param architectures architecture descriptions
     * @param context       seed (the method's randomness), threads and compute backend of the merge
     * @param storage       the dtype the result is held in ({@link DType#F32} or {@link DType#BF16})
     * @return the merged model; the caller closes it to free its memory
     */
    public static Model merge(MergeRecipe recipe, ExtensionCatalog catalog, Map<String, Model> models,
                              ArchitectureCatalog architectures, RunContext context, DType storage) {
        if (storage != DType.F32 && storage != DType.BF16) {
            throw new IllegalArgumentException("in-memory models are held as float32 or bfloat16, not " + storage);
        }
        RegisteredExtension extension = catalog.require(ExtensionKind.MERGE_METHOD, recipe.mergeMethod(),
                recipe.file() + ": 'merge_method'");
        for (String reference : recipe.modelReferences()) {
            if (!models.containsKey(reference)) {
                throw new IllegalArgumentException("model '" + reference + "' of the recipe is not open");
            }
        }
        MergeJob.checkParameterNames(recipe, extension);
        Parameters global = MergeJob.globalParameters(recipe, extension);
        MergeMethod method = ((MergeMethodFactory) extension.factory()).create(global, context);
        Model reference = models.get(recipe.baseModel().orElse(recipe.modelReferences().getFirst()));
        MergePlan planned = MergePlanner.plan(recipe, extension.descriptor(), models,
                architectures.findOrGeneric(reference.config()));
        MergeJob.checkLayerRanges(recipe, models);
        Map<String, Object> raw = MergePlanner.withDtype(planned.config(), MergePlanner.torchName(storage));
        MergePlan plan = new MergePlan(planned.tensors(), raw, storage, planned.workingDtype(), planned.vocabulary());

        List<TensorInfo> layout = new ArrayList<>();
        for (MergePlan.PlannedTensor t : plan.tensors()) {
            layout.add(new TensorInfo(t.name(), storage, MergeJob.outputShape(plan, t), ""));
        }
        ModelConfig config = reference.config().withRaw(raw);
        InMemoryModelWriter writer = new InMemoryModelWriter(layout, config, reference.sideFiles());
        try {
            MergeExecutor.run(plan, extension.descriptor(), method, writer, context, MergeExecutor.DEFAULT_BUDGET_BYTES);
            writer.commit();
            return writer.model();
        } finally {
            writer.close();
        }
    }
}
