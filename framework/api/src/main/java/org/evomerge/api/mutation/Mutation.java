package org.evomerge.api.mutation;

import org.evomerge.api.Experimental;
import org.evomerge.api.genome.Genome;

/**
 * Changes one genome into a new one. It never modifies the parent: a model genome's mutation writes a new folder
 * (through the run's scratch space), so a failed mutation leaves the population intact.
 */
@Experimental(since = "0.1.0",
        reason = "pluggable evolution operators; how they are wired and what they receive may change")
public interface Mutation {

    /**
     * Whether this mutation works on the given genome's type; the engine checks it before a run starts, using
     * the capability flags of the descriptor.
     */
    boolean accepts(Genome genome);

    /** The mutated genome. */
    Genome mutate(MutationInput input);
}
