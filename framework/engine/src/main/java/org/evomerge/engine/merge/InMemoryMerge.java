package org.evomerge.engine.merge;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;

/**
 * Runs a recipe's {@link PreparedMerge}, as {@link MergeJob} does, but into memory: the result is a {@link Model}
 * (format id {@code memory}) with the reference model's side files, nothing is written to disk. The evolution
 * engine scores every candidate this way.
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
        PreparedMerge.Resolved method = PreparedMerge.resolve(recipe, catalog, context);
        for (String reference : recipe.modelReferences()) {
            if (!models.containsKey(reference)) {
                throw new IllegalArgumentException("model '" + reference + "' of the recipe is not open");
            }
        }
        PreparedMerge merge = method.prepare(models, architectures,
                reference -> recipe.locate(reference, Path.of("").toAbsolutePath()), Optional.of(storage));
        InMemoryModelWriter writer = new InMemoryModelWriter(merge.plan().layout(), merge.outputConfig(),
                merge.reference().sideFiles());
        try {
            merge.run(writer, context);
            writer.commit();
            return writer.model();
        } finally {
            writer.close();
        }
    }
}
