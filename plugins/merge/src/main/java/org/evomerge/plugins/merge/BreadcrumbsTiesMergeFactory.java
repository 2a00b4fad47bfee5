package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code breadcrumbs_ties}: Model Breadcrumbs trimming ({@link BreadcrumbsTrim}) followed by the TIES sign consensus
 * ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1), {@code gamma} (default 0.01) per model;
 * {@code normalize} (default false), {@code rescale} (default false), {@code lambda} (default 1) per tensor;
 * {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean} ({@code weighted}|{@code count})
 * globally, mergekit's behaviour by default.
 *
 * <p>Defined where mergekit is not: when ⌊gamma·n⌋ = 0 the ⌊density·n⌋ largest elements are kept (mergekit zeroes
 * the tensor); ties are broken by index; an element where no model agrees keeps the base value; a divisor below 1e-8
 * in magnitude counts as 1. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class BreadcrumbsTiesMergeFactory extends GeneralizedTaskArithmeticFactory {

    public BreadcrumbsTiesMergeFactory() {
        super(GtaMethod.BREADCRUMBS_TIES);
    }
}
