package org.evomerge.plugins.evaluation;

import java.util.List;
import org.evomerge.api.evaluation.EvaluationResult;

/** A benchmark's scoring rule, independent of where the model runs. Implementations are stateless. */
public interface EvaluationTask {

    /**
     * Scores {@code model} on {@code records}.
     *
     * @throws org.evomerge.api.EvomergeException (input) naming the file and line of a record that does not fit
     */
    EvaluationResult run(ScoringModel model, List<DatasetRecord> records);

    /** Checks every record's fields before any model runs, so a bad line fails fast. */
    void check(List<DatasetRecord> records);
}
