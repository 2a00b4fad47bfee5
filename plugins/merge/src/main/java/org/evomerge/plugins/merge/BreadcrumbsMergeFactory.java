package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code breadcrumbs} (Model Breadcrumbs, Davari &amp; Belilovsky): remove the {@code gamma} fraction of
 * largest-magnitude outliers and the smallest elements of each task vector, keeping ⌊density·n⌋ per tensor
 * ({@link BreadcrumbsTrim}), and add the weighted sum to the base.
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1), {@code gamma} (default 0.01) per model;
 * {@code normalize} (default false), {@code rescale} (default false), {@code lambda} (default 1) per tensor.
 *
 * <p>Defined where mergekit is not: when ⌊gamma·n⌋ = 0 the ⌊density·n⌋ largest elements are kept (mergekit zeroes
 * the tensor there, a bug); ties are broken by index. A missing base model is a configuration error naming the
 * tensor.
 */
@Extension
public class BreadcrumbsMergeFactory extends GeneralizedTaskArithmeticFactory {

    public BreadcrumbsMergeFactory() {
        super(GtaMethod.BREADCRUMBS);
    }
}
