package org.evomerge.api.extension;

import org.evomerge.api.Stable;

/** The extension points, one per concern. New kinds are added as new constants. */
@Stable(since = "0.1.0")
public enum ExtensionKind {
    /** Reads and writes model checkpoints ({@code org.evomerge.api.model.ModelFormatFactory}). */
    MODEL_FORMAT("model-format"),
    /** Combines tensors of several models: the crossover operators ({@code MergeMethodFactory}). */
    MERGE_METHOD("merge-method"),
    /** Picks parents from a scored population ({@code SelectionSchemeFactory}). */
    SELECTION_SCHEME("selection-scheme"),
    /** Changes one genome into a new one ({@code MutationFactory}). */
    MUTATION("mutation"),
    /** Scores a model: the fitness functions ({@code EvaluatorFactory}). */
    EVALUATOR("evaluator"),
    /** Proposes genomes and learns from their scores ({@code SearchStrategyFactory}). */
    SEARCH_STRATEGY("search-strategy"),
    /** Runs a generation's candidate evaluations somewhere: threads here, a cluster ({@code EvaluationExecutorFactory}). */
    EVALUATION_EXECUTOR("evaluation-executor");

    private final String id;

    ExtensionKind(String id) {
        this.id = id;
    }

    /** The kebab-case name used in configuration, JSON output and the CLI. */
    public String id() {
        return id;
    }

    /** The kind with the given {@link #id()}, or {@code null}. */
    public static ExtensionKind fromId(String id) {
        for (ExtensionKind kind : values()) {
            if (kind.id.equals(id)) {
                return kind;
            }
        }
        return null;
    }
}
