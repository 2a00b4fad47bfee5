package org.evomerge.api.selection;

import java.util.Objects;
import org.evomerge.api.Stable;

/**
 * A scored member of the population as selection sees it.
 *
 * @param id      the candidate's stable id in the run journal
 * @param fitness its scores
 */
@Stable(since = "0.1.0")
public record Candidate(String id, Fitness fitness) {

    public Candidate {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(fitness, "fitness");
    }
}
