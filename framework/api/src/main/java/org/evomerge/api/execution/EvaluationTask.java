package org.evomerge.api.execution;

import java.util.Objects;
import org.evomerge.api.Experimental;
import org.evomerge.api.genome.Genome;

/**
 * One candidate to score: what a worker needs besides the run itself (a few KB).
 *
 * @param candidateId the journal id the result will be recorded under ({@code g0003-0007})
 * @param generation  the generation, from 1
 * @param genome      the candidate's genome
 * @param full        {@code false} to score on each task's seeded subsample only (multi-fidelity screening)
 */
@Experimental(since = "0.1.0",
        reason = "evaluation outside the coordinator (cluster executors); tasks and runs may gain fields")
public record EvaluationTask(String candidateId, int generation, Genome genome, boolean full) {

    public EvaluationTask {
        Objects.requireNonNull(candidateId, "candidateId");
        Objects.requireNonNull(genome, "genome");
    }
}
