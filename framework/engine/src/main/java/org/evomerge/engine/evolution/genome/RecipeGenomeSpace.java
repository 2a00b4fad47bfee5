package org.evomerge.engine.evolution.genome;

import java.nio.file.Path;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.engine.recipe.MergeRecipe;

/**
 * A space of parameter genomes that each decode into a mergekit recipe: evomerge's bounded {@link RecipeSpace} and
 * mergekit-evolve's genome ({@link MergekitEvolveSpace}). The evolution builds, scores and exports candidates through
 * this, whichever decoding the run uses.
 */
public interface RecipeGenomeSpace {

    /** The box strategies search (its bounds also set CMA-ES's scale). */
    SearchSpace space();

    /** The genome the search starts from; {@code random} supplies any randomness it needs. */
    ParameterGenome start(RandomSource random);

    /**
     * The recipe {@code genome} stands for, with the model references as given (absolute paths).
     *
     * @throws IllegalArgumentException if the genome does not have {@code space().size()} values
     */
    MergeRecipe recipe(ParameterGenome genome);

    /**
     * The recipe of {@code genome} as a file in {@code folder}: model paths relative to it and {@code random_seed}, so
     * {@code evomerge merge} rebuilds the scored merge bit for bit.
     */
    String recipeFile(ParameterGenome genome, Path folder, long randomSeed);
}
