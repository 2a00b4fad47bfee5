package org.evomerge.plugins.merge;

import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;

/**
 * Model Breadcrumbs trimming (mergekit's {@code magnitude_outliers} sparsification): drops the largest-magnitude
 * outliers and the smallest elements, keeping ⌊density·n⌋ in between.
 *
 * <p>With n = numel, target = ⌊density·n⌋, n_top = ⌊gamma·n⌋ and n_bot = n − target − n_top (if n_bot &lt; 0, n_top
 * shrinks by the shortfall and n_bot = 0), the elements kept are those at ascending-|δ| positions [n_bot, n − n_top),
 * i.e. magnitude-order positions [n_top, n − n_bot) (ties broken by index as in {@link MagnitudeCut}).
 *
 * <ul>
 *   <li>n_top = 0 (gamma = 0, or gamma·n &lt; 1) keeps the intended range [n_bot, n): the target largest elements.
 *       mergekit slices {@code indices[n_bot:-0]}, which is empty, and zeroes the whole tensor; that is a bug.</li>
 *   <li>target = 0 zeroes the task vector (as mergekit).</li>
 *   <li>density ≥ 1 keeps everything, unscaled; {@code rescale} (off by default) matches the L1 norm.</li>
 * </ul>
 */
final class BreadcrumbsTrim implements Sparsifier.Whole {

    @Override
    public SparseDelta sparsify(TaskDelta delta, Parameters modelParameters, boolean rescale, RandomSource tensorRandom,
                                int stream, Scratch scratch) {
        double density = MergeParameters.number(modelParameters, MergeParameters.DENSITY, 1.0);
        if (density >= 1) {
            return SparseDelta.all();
        }
        double gamma = MergeParameters.number(modelParameters, MergeParameters.GAMMA, 0.01);
        int n = delta.size();
        int target = (int) (density * n);
        int top = (int) (gamma * n);
        int bottom = n - target - top;
        if (bottom < 0) {
            top += bottom;
            bottom = 0;
        }
        int lo = top;
        int hi = n - bottom;
        if (hi <= lo) {
            return SparseDelta.none(n);
        }
        MagnitudeCut upper = MagnitudeCut.at(delta, scratch, hi);
        MagnitudeCut lower = MagnitudeCut.at(delta, scratch, lo);
        return MagnitudeTrim.keepRange(delta, lower, upper, rescale, scratch);
    }
}
