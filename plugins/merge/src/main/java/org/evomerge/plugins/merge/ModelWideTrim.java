package org.evomerge.plugins.merge;

import java.util.List;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.merge.MagnitudeQuantile;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * Magnitude trimming over the whole model ({@code trim_scope: model}), as the TIES paper and MergeLM trim the
 * flattened parameter vector, instead of mergekit's per-tensor trimming (the default, {@code trim_scope: tensor}).
 *
 * <p>The engine computes, per non-base model, magnitude thresholds over all its tensors in a pre-pass
 * ({@link MagnitudeQuantile}); each tensor then keeps the elements between them. With n_t the elements of tensor t
 * and N their sum:
 * <ul>
 *   <li>{@link #TIES} keeps |δ| ≥ t_keep, t_keep the k-th largest |δ| of the model, k = ⌊Σ density_t·n_t⌋ (⌊density·N⌋
 *       for a constant density). Equal magnitudes at the threshold are all kept, as in MergeLM and FusionBench, so at
 *       least k elements survive.</li>
 *   <li>{@link #BREADCRUMBS} removes the outliers |δ| ≥ t_top, t_top for k_top = ⌊Σ min(gamma, 1 − density)·n_t⌋
 *       (none when k_top = 0), and keeps the rest with |δ| ≥ t_keep, k_keep = ⌊Σ min(1, density + gamma)·n_t⌋: the
 *       per-tensor rule's band [n_top, n − n_bot) taken over the whole model.</li>
 * </ul>
 * {@code rescale} still matches each tensor's L1 norm. DARE's random drop and DELLA's per-row ranking have no
 * whole-model magnitude threshold, so those methods do not take the option.
 */
enum ModelWideTrim {
    TIES, BREADCRUMBS;

    static final String TRIM_SCOPE = "trim_scope";

    static final ParameterSpec SCOPE_SPEC = ParameterSpec.choice(TRIM_SCOPE, "tensor", List.of("tensor", "model"),
            "magnitude trimming per tensor (mergekit) or over the whole model (TIES paper, MergeLM; costs two extra"
                    + " passes over the inputs)").withScope(ParameterScope.GLOBAL);

    private static final String KEEP = "keep";
    private static final String OUTLIERS = "outliers";

    /** The trim for the global parameters, or {@code null} for per-tensor trimming. */
    static ModelWideTrim from(Parameters global, ModelWideTrim kind) {
        return "model".equals(MergeParameters.choice(global, TRIM_SCOPE, "tensor")) ? kind : null;
    }

    List<MagnitudeQuantile> quantiles() {
        MagnitudeQuantile keep = new MagnitudeQuantile(KEEP, this == TIES
                ? p -> MergeParameters.number(p, MergeParameters.DENSITY, 1.0)
                : p -> Math.min(1.0, MergeParameters.number(p, MergeParameters.DENSITY, 1.0)
                        + MergeParameters.number(p, MergeParameters.GAMMA, 0.01)));
        if (this == TIES) {
            return List.of(keep);
        }
        return List.of(keep, new MagnitudeQuantile(OUTLIERS, p -> Math.max(0.0, Math.min(
                MergeParameters.number(p, MergeParameters.GAMMA, 0.01),
                1.0 - MergeParameters.number(p, MergeParameters.DENSITY, 1.0)))));
    }

    /** The sparsifier for one model, from its thresholds. */
    Sparsifier.Whole forModel(ModelWideStatistics statistics, String model) {
        float keep = statistics.magnitudeThreshold(KEEP, model);
        float outliers = this == TIES ? Float.POSITIVE_INFINITY : statistics.magnitudeThreshold(OUTLIERS, model);
        return new Sparsifier.Whole() {
            @Override
            public SparseDelta sparsify(TaskDelta delta, Parameters modelParameters, boolean rescale,
                                        RandomSource tensorRandom, int stream, Scratch scratch) {
                if (keep == 0f && outliers == Float.POSITIVE_INFINITY) {
                    return SparseDelta.all();
                }
                // "ranks before a cut at (t, ∞)" is |δ| ≥ t: kept = before the keep cut and not before the outlier cut.
                return MagnitudeTrim.keepRange(delta, new MagnitudeCut(outliers, Integer.MAX_VALUE),
                        new MagnitudeCut(keep, Integer.MAX_VALUE), rescale, scratch);
            }
        };
    }
}
