package org.evomerge.api.extension;

import org.evomerge.api.Stable;

/**
 * Capability flags an extension declares so the engine can check a configuration before running it, and so the test
 * kit knows which contract tests expect success and which expect a "not supported" error.
 */
@Stable(since = "0.1.0")
public enum Capability {
    /** Merge method: needs {@code base_model} (task-vector methods). */
    REQUIRES_BASE_MODEL,
    /** Merge method: uses the base model when given, works without it. */
    ACCEPTS_BASE_MODEL,
    /** Merge method: takes exactly two models (SLERP-style). */
    EXACTLY_TWO_MODELS,
    /**
     * Merge method: may ask for whole-model statistics before merging ({@code MergeMethod.modelWideQuantiles()}),
     * which costs the engine extra passes over the inputs.
     */
    MODEL_WIDE_PASS,
    /**
     * Merge method: computes with the run's task-vector operations ({@code ComputeBackend.taskVectors()}), which a
     * backend may lack; the engine refuses such a backend before anything is read or written.
     */
    TASK_VECTOR_OPERATIONS,
    /** Merge method: stacks or picks layers instead of combining values (passthrough). */
    LAYER_STACKING,
    /** Uses the run's random source; results depend on the seed and on nothing else. */
    RANDOMIZED,
    /** Selection scheme: handles several objectives at once (Pareto-based). */
    MULTI_OBJECTIVE,
    /** Mutation or strategy: works on parameter-vector genomes (merge recipes). */
    PARAMETER_GENOMES,
    /** Mutation or strategy: works on whole-model genomes (weights). */
    MODEL_GENOMES,
    /** Mutation or strategy: works on layer-path genomes (frankenmerges). */
    LAYER_PATH_GENOMES,
    /** Evaluator: needs a tokenizer next to the model. */
    NEEDS_TOKENIZER,
    /** Evaluator or mutation: runs an external process or service; results may not be reproducible. */
    EXTERNAL,
    /** Model format: can write models, not only read them. */
    WRITABLE
}
