package org.evomerge.plugins.training;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;

/**
 * A mutation of this plugin: it trains a whole-model individual and hands the result to the run's {@link ModelStore},
 * so it accepts model genomes only and needs the store, which only the evolution engine offers.
 */
interface ModelMutation extends Mutation {

    /** The mutation's extension id, which errors name. */
    String id();

    /** The run: its model store, scratch space and services. */
    RunContext context();

    /** The child of {@code parent} ({@code input.parent()}), written through {@code store}. */
    Genome mutate(ModelGenome parent, MutationInput input, ModelStore store);

    @Override
    default boolean accepts(Genome genome) {
        return genome instanceof ModelGenome;
    }

    @Override
    default Genome mutate(MutationInput input) {
        if (!(input.parent() instanceof ModelGenome parent)) {
            throw new IllegalArgumentException(id() + " mutates model genomes, got "
                    + input.parent().getClass().getSimpleName());
        }
        ModelStore store = context().service(ModelStore.class).orElseThrow(() -> EvomergeException.configuration(
                id() + ": this run offers no model store (whole-model individuals need the evolution engine)"));
        return mutate(parent, input, store);
    }
}
