package org.evomerge.api.search;

import java.util.Objects;
import org.evomerge.api.Experimental;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.selection.Fitness;

/** A genome with the fitness its evaluation gave. */
@Experimental(since = "0.1.0",
        reason = "pluggable evolution operators; how they are wired and what they receive may change")
public record ScoredGenome(Genome genome, Fitness fitness) {

    public ScoredGenome {
        Objects.requireNonNull(genome, "genome");
        Objects.requireNonNull(fitness, "fitness");
    }
}
