package org.evomerge.api.search;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import org.evomerge.api.Experimental;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.selection.SelectionScheme;

/**
 * What a strategy searches and with which operators. Operators come configured from the run file, so a genetic
 * algorithm can breed with any selection scheme, merge method (as crossover) and mutation.
 *
 * @param space      the parameter box, for parameter genomes (empty dimensions otherwise)
 * @param seeds      the initial population or starting points, possibly empty
 * @param objectives how many objectives each fitness has
 * @param selection  the configured selection scheme, if the run file names one
 * @param mutation   the configured mutation, if the run file names one
 * @param crossover  combines parents into a child (a merge through the configured merge method), if configured
 */
@Experimental(since = "0.1.0",
        reason = "pluggable evolution operators; how they are wired and what they receive may change")
public record SearchProblem(
        SearchSpace space,
        List<Genome> seeds,
        int objectives,
        Optional<SelectionScheme> selection,
        Optional<Mutation> mutation,
        Optional<BiFunction<List<Genome>, RandomSource, Genome>> crossover) {

    public SearchProblem {
        Objects.requireNonNull(space, "space");
        seeds = seeds == null ? List.of() : List.copyOf(seeds);
        if (objectives < 1) {
            throw new IllegalArgumentException("a search needs at least one objective");
        }
        selection = selection == null ? Optional.empty() : selection;
        mutation = mutation == null ? Optional.empty() : mutation;
        crossover = crossover == null ? Optional.empty() : crossover;
    }
}
