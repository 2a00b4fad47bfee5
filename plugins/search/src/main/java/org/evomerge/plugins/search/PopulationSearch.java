package org.evomerge.plugins.search;

import java.util.Collections;
import java.util.List;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchStrategy;

/**
 * The ask/tell bookkeeping of a strategy that evolves a population generation by generation: the first batch is the
 * initial population as given; each later batch is the strategy's next generation. A batch asked again before it is
 * told is the same batch, so a replay stays aligned; a tell must answer the batch last asked, in order; a finished
 * strategy, or one whose next generation is empty, asks nothing. Not thread-safe: the engine calls ask and tell from
 * one thread.
 */
abstract class PopulationSearch implements SearchStrategy {

    private final List<Genome> initial;
    private List<Genome> pending;
    private boolean initialTold;

    PopulationSearch(List<Genome> initial) {
        this.initial = List.copyOf(initial);
    }

    @Override
    public final List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (isFinished()) {
            return List.of();
        }
        if (!initialTold) {
            pending = initial;
            return pending;
        }
        List<Genome> next = nextGeneration();
        if (next.isEmpty()) {
            return List.of();
        }
        pending = Collections.unmodifiableList(next);
        return pending;
    }

    @Override
    public final void tell(List<ScoredGenome> results) {
        Batches.checkTold(pending, results);
        pending = null;
        accept(results);
        initialTold = true;
    }

    /** The first population, as asked first. */
    final List<Genome> initial() {
        return initial;
    }

    /** Whether a batch was asked and not told yet (a strategy is not finished while one is). */
    final boolean awaitingResults() {
        return pending != null;
    }

    /** The next generation's genomes; empty when there is nothing new to ask (the strategy then finishes). */
    abstract List<Genome> nextGeneration();

    /** Takes the results of the batch just asked: the initial population first, then each generation. */
    abstract void accept(List<ScoredGenome> results);
}
