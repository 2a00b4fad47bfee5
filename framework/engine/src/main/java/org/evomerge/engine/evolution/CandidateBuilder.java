package org.evomerge.engine.evolution;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.evolution.genome.RecipeGenomeSpace;
import org.evomerge.engine.merge.InMemoryMerge;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeOrigin;

/**
 * Builds candidate models from genomes: an in-memory merge of a recipe or path (in {@code mergeContext}, whose
 * random source is {@code SeededRandomSource(mergeSeed)}), or a store individual. The one place a genome becomes a
 * model, for scoring, kinship and {@code best/}.
 *
 * @param recipes    the recipe space of a recipe or mergekit-evolve run, else null
 * @param paths      the layer-path space of a layer-path run, else null
 * @param store      the model store of a whole-model run, else null
 * @param references the input models' references, in run-file order
 * @param runDir     the folder a candidate's recipe is read as if it were in (for its error messages)
 */
record CandidateBuilder(RecipeGenomeSpace recipes, LayerPathSpace paths, ModelStore store,
                        List<String> references, Optional<String> outDtype, Map<String, Model> models,
                        ExtensionCatalog catalog, ArchitectureCatalog architectures,
                        RunContext mergeContext, long mergeSeed, DType storage, Path runDir) {

    /**
     * The recipe of {@code genome} as a file in {@code folder} that rebuilds its merge exactly: model paths
     * relative to the folder, {@code random_seed} = {@link #mergeSeed}. Empty for whole-model genomes.
     */
    Optional<String> recipeFile(Genome genome, Path folder) {
        return switch (genome) {
            case ParameterGenome p when recipes != null -> Optional.of(recipes.recipeFile(p, folder, mergeSeed));
            case ParameterGenome p when paths != null ->
                    Optional.of(paths.recipeFile(paths.decode(p), folder, mergeSeed));
            case LayerPathGenome l ->
                    Optional.of(LayerPathSpace.recipeFile(l, references, outDtype, folder, mergeSeed));
            case ParameterGenome p -> Optional.empty();
            case ModelGenome m -> Optional.empty();
        };
    }

    Optional<MergeRecipe> recipe(Genome genome) {
        return switch (genome) {
            case ParameterGenome p when recipes != null -> Optional.of(recipes.recipe(p));
            case ParameterGenome p when paths != null -> Optional.of(paths.recipe(paths.decode(p)));
            case LayerPathGenome l -> Optional.of(LayerPathSpace.recipe(l, references, outDtype));
            case ParameterGenome p -> throw EvomergeException.configuration("the strategy asked a parameter genome"
                    + " but the run's genome kind is 'model'");
            case ModelGenome m -> Optional.empty();
        };
    }

    Model build(Genome genome) {
        if (genome instanceof ModelGenome m) {
            if (store == null) {
                throw EvomergeException.configuration("the strategy asked a whole-model genome but the run's"
                        + " genome kind is not 'model'");
            }
            return store.open(m);
        }
        MergeRecipe recipe = recipe(genome).orElseThrow()
                .withOrigin(RecipeOrigin.built(runDir.resolve("candidate.yml")));
        return InMemoryMerge.merge(recipe, catalog, models, architectures, mergeContext, storage);
    }
}
