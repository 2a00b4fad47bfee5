package org.evomerge.api.genome;

import java.util.List;
import org.evomerge.api.Experimental;

/**
 * A frankenmerge: the output's layers in order, each taken from one input model and scaled.
 *
 * @param steps the output layers, first to last
 */
@Experimental(since = "0.1.0",
        reason = "genome encodings that evolution searches; new encodings may join the sealed set")
public record LayerPathGenome(List<Step> steps) implements Genome {

    public LayerPathGenome {
        steps = List.copyOf(steps);
    }

    /**
     * One output layer.
     *
     * @param model the input model's index in the run's model list
     * @param layer the layer index in that model
     * @param scale the factor applied to the layer's output projection weights (1 keeps them)
     */
    public record Step(int model, int layer, double scale) {
    }
}
