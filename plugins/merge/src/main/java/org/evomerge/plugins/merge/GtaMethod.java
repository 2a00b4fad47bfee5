package org.evomerge.plugins.merge;

/**
 * The methods of the generalized task arithmetic family, as one table: each is a {@link Sparsification}, a
 * {@link Combination} and a default of {@code normalize}, which is how mergekit registers them too (one
 * {@code GeneralizedTaskArithmeticMerge} per row). Each row's {@code @Extension} factory names its row.
 */
enum GtaMethod {

    TASK_ARITHMETIC("task_arithmetic",
            "Task arithmetic: base plus the weighted sum of the task vectors (model - base).",
            Sparsification.NONE, Combination.WEIGHTED_SUM, false),

    TIES("ties",
            "TIES: magnitude-trimmed task vectors, sign election, mean of the agreeing deltas.",
            Sparsification.MAGNITUDE, Combination.SIGN_ELECTION, true),

    DARE_TIES("dare_ties",
            "DARE-TIES: randomly dropped and rescaled task vectors, sign election, sum of the agreeing deltas.",
            Sparsification.DARE, Combination.SIGN_ELECTION, false),

    DARE_LINEAR("dare_linear",
            "DARE: randomly dropped and rescaled task vectors, weighted sum.",
            Sparsification.DARE, Combination.WEIGHTED_SUM, false),

    BREADCRUMBS("breadcrumbs",
            "Model Breadcrumbs: task vectors without their largest outliers and smallest values, weighted sum.",
            Sparsification.BREADCRUMBS, Combination.WEIGHTED_SUM, false),

    BREADCRUMBS_TIES("breadcrumbs_ties",
            "Model Breadcrumbs trimming with TIES sign election.",
            Sparsification.BREADCRUMBS, Combination.SIGN_ELECTION, false),

    DELLA("della",
            "DELLA: magnitude-ranked random pruning (MAGPRUNE), L1 rescale, sign election, mean of agreeing deltas.",
            Sparsification.DELLA, Combination.SIGN_ELECTION, true),

    DELLA_LINEAR("della_linear",
            "DELLA without sign election: MAGPRUNE, L1 rescale, weighted sum.",
            Sparsification.DELLA, Combination.WEIGHTED_SUM, false);

    /** How the weighted task vectors are combined: mergekit's {@code ConsensusMethod}, or none. */
    enum Combination {
        /** Σ wδ over every model. */
        WEIGHTED_SUM,
        /** TIES: Σ wδ over the models that agree with the elected sign ({@link SignConsensus}). */
        SIGN_ELECTION
    }

    final String id;
    /** What {@code evomerge plugins} shows. */
    final String description;
    final Sparsification sparsification;
    final Combination combination;
    final boolean normalizeByDefault;

    GtaMethod(String id, String description, Sparsification sparsification, Combination combination,
              boolean normalizeByDefault) {
        this.id = id;
        this.description = description;
        this.sparsification = sparsification;
        this.combination = combination;
        this.normalizeByDefault = normalizeByDefault;
    }
}
