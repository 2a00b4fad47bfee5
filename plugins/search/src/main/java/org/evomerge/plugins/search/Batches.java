package org.evomerge.plugins.search;

import java.util.List;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.search.ScoredGenome;

/** Checks that a tell answers the batch last asked, in order: the engine's side of the ask/tell contract. */
final class Batches {

    private Batches() {
    }

    static void checkTold(List<Genome> asked, List<ScoredGenome> told) {
        if (asked == null) {
            throw new IllegalStateException("tell() without a preceding ask()");
        }
        if (told.size() != asked.size()) {
            throw new IllegalArgumentException("told " + told.size() + " results for a batch of " + asked.size());
        }
        for (int i = 0; i < asked.size(); i++) {
            if (!asked.get(i).equals(told.get(i).genome())) {
                throw new IllegalArgumentException("result " + i + " is for another genome than the one asked");
            }
        }
    }
}
