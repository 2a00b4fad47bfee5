package org.evomerge.api.mutation;

import java.util.List;
import java.util.Objects;
import org.evomerge.api.Experimental;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.SearchSpace;

/**
 * What a mutation works from.
 *
 * @param parent     the genome to change
 * @param population the current population (difference mutations draw partners from it); may be empty
 * @param random     a source forked for this mutation only
 * @param space      the bounds of parameter genomes (mutations scale steps by them and keep values inside); a space
 *                   without dimensions when the run evolves no parameters or the caller does not know them
 */
@Experimental(since = "0.1.0",
        reason = "pluggable evolution operators; how they are wired and what they receive may change")
public record MutationInput(Genome parent, List<Genome> population, RandomSource random, SearchSpace space) {

    public MutationInput {
        Objects.requireNonNull(parent, "parent");
        population = population == null ? List.of() : List.copyOf(population);
        Objects.requireNonNull(random, "random");
        space = space == null ? new SearchSpace(List.of()) : space;
    }

    /** An input without parameter bounds. */
    public MutationInput(Genome parent, List<Genome> population, RandomSource random) {
        this(parent, population, random, null);
    }
}
