package org.evomerge.api.mutation;

import java.util.List;
import java.util.Objects;
import org.evomerge.api.Experimental;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;

/**
 * What a mutation works from.
 *
 * @param parent     the genome to change
 * @param population the current population (difference mutations draw partners from it); may be empty
 * @param random     a source forked for this mutation only
 */
@Experimental(since = "0.1.0")
public record MutationInput(Genome parent, List<Genome> population, RandomSource random) {

    public MutationInput {
        Objects.requireNonNull(parent, "parent");
        population = population == null ? List.of() : List.copyOf(population);
        Objects.requireNonNull(random, "random");
    }
}
