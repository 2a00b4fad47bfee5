package org.evomerge.api.search;

import java.util.List;
import org.evomerge.api.Experimental;
import org.evomerge.api.genome.Genome;

/**
 * An ask/tell optimiser. The engine asks for a batch, evaluates it (in parallel, possibly on a cluster), tells the
 * scores back in the order asked, and repeats until the strategy is finished or a budget runs out.
 *
 * <p>Resuming relies on determinism: given the same problem, parameters and random source, a strategy that is told
 * the same results asks the same genomes, so the engine rebuilds its state by replaying the journal.
 */
@Experimental(since = "0.1.0",
        reason = "pluggable evolution operators; how they are wired and what they receive may change")
public interface SearchStrategy {

    /** The next genomes to evaluate; never empty unless {@link #isFinished()}. */
    List<Genome> ask();

    /** The scores of the last batch asked, in the same order. */
    void tell(List<ScoredGenome> results);

    /** Whether the strategy has converged or exhausted what it can do (budgets are the engine's concern). */
    boolean isFinished();
}
