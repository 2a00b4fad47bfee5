package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Test;

/**
 * Contract of mutations: they declare the genome types they handle and accept them, return a new genome without
 * touching the parent, and depend only on the seed.
 */
public abstract class MutationContract extends ExtensionFactoryContract<MutationFactory> {

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.MUTATION;
    }

    /** A genome the mutation accepts, together with the population it may draw partners from. */
    protected abstract Genome parent();

    protected List<Genome> population() {
        return List.of(parent(), parent());
    }

    protected Mutation mutation() {
        return factory().create(parameters(EnumSet.allOf(ParameterScope.class), Map.of()), context(1));
    }

    @Test
    void declaresAndAcceptsItsGenomeType() {
        Genome parent = parent();
        Capability needed = switch (parent) {
            case ParameterGenome g -> Capability.PARAMETER_GENOMES;
            case ModelGenome g -> Capability.MODEL_GENOMES;
            case LayerPathGenome g -> Capability.LAYER_PATH_GENOMES;
        };
        assertTrue(factory().descriptor().has(needed), "descriptor must declare " + needed);
        assertTrue(mutation().accepts(parent), "the mutation must accept " + parent.getClass().getSimpleName());
    }

    @Test
    void returnsANewGenomeAndLeavesTheParentAlone() {
        Genome parent = parent();
        String before = parent.toString();
        Genome child = mutation().mutate(new MutationInput(parent, population(), new SeededRandomSource(3)));
        assertNotNull(child);
        assertNotSame(parent, child);
        assertEquals(before, parent.toString(), "the parent changed");
    }

    @Test
    void changesTheGenomeAndFollowsTheSeedItIsGiven() {
        // A mutation that copies its parent, or draws from somewhere other than input.random(), gives the same
        // child for every seed.
        java.util.Set<Genome> children = new java.util.HashSet<>();
        for (long seed = 1; seed <= 5; seed++) {
            children.add(mutation().mutate(new MutationInput(parent(), population(), new SeededRandomSource(seed))));
        }
        assertTrue(children.size() > 1, "five seeds gave the same child: " + children);
        assertFalse(children.contains(parent()), "a mutation returned its parent unchanged");
    }

    @Test
    void dependsOnlyOnTheSeed() {
        Genome a = mutation().mutate(new MutationInput(parent(), population(), new SeededRandomSource(11)));
        Genome b = mutation().mutate(new MutationInput(parent(), population(), new SeededRandomSource(11)));
        assertEquals(a, b);
    }
}
