package org.evomerge.plugins.mutation;

import org.evomerge.api.genome.Genome;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;

/**
 * A mutation of one genome type: it accepts that type only, and a parent of another type (which the engine's check
 * before the run should have ruled out) is an argument error that says what the mutation works on.
 *
 * @param <G> the genome type mutated
 */
abstract class TypedMutation<G extends Genome> implements Mutation {

    private final Class<G> type;
    private final String refusal;

    /**
     * @param refusal the start of the error for a parent of another type, e.g. {@code "gaussian mutates parameter
     *                genomes"}; the parent follows it
     */
    TypedMutation(Class<G> type, String refusal) {
        this.type = type;
        this.refusal = refusal;
    }

    @Override
    public final boolean accepts(Genome genome) {
        return type.isInstance(genome);
    }

    @Override
    public final Genome mutate(MutationInput input) {
        if (!type.isInstance(input.parent())) {
            throw new IllegalArgumentException(refusal + ", got " + input.parent());
        }
        return mutate(type.cast(input.parent()), input);
    }

    /** The child of {@code parent}, which is {@code input.parent()} as its type. */
    abstract Genome mutate(G parent, MutationInput input);
}
