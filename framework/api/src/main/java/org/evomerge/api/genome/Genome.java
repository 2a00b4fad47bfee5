package org.evomerge.api.genome;

import org.evomerge.api.Experimental;

/**
 * What evolves. Three spaces, as the seed papers define them: a vector of merge-recipe parameters (mergekit-evolve,
 * Sakana's parameter space), a whole model's weights (Evolver, EvoMerge), or a path through layers of several models
 * (Sakana's data-flow space). The engine turns a genome into a model to evaluate.
 */
@Experimental(since = "0.1.0",
        reason = "genome encodings that evolution searches; new encodings may join the sealed set")
public sealed interface Genome permits ParameterGenome, ModelGenome, LayerPathGenome {
}
