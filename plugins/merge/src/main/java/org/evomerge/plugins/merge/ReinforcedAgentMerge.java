package org.evomerge.plugins.merge;

import java.util.Arrays;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.tensor.TensorBlock;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * Reinforced Agent Merging (RAM, arXiv 2601.13572), mergekit's {@code ram} and {@code ramplus_tl}, on the task vectors
 * δ_m = x_m − base (ALGORITHMS.md B.9). A position is active for model m when |δ_m| &gt; ε; c counts the active
 * models there. A position only one model changes takes that model's δ whole, a position several change takes the
 * mean of their δ (the models that left it alone do not dilute it, unlike a plain average), and a position none
 * change keeps the base.
 *
 * <p>RAM+ ({@code ramplus_tl}, tensor-local) also amplifies each model's unique positions by
 * λ_m = 1 + r·clip(ρ_m, 0, α), where ρ_m = (m's active positions shared with another model) / max(m's active
 * positions no other model has, ε), counted over the whole tensor: a model whose changes are mostly shared gets its
 * few unique changes boosted, as they would otherwise be outweighed. That count is one scan before the merge pass;
 * {@code ram} merges in one pass. Both stream the tensor in blocks.
 *
 * <p>Sums are taken in double from the float32 inputs; mergekit takes them in the working dtype, so the two agree to
 * that dtype's rounding. mergekit clamps the unique count with the same ε it uses as the activity threshold
 * ({@code unique_counts.clamp(min=epsilon)}), so a model with no unique position gets ρ = shared/ε and, when it
 * shares any, the full λ = 1 + r·α; this keeps that behaviour.
 */
final class ReinforcedAgentMerge {

    private ReinforcedAgentMerge() {
    }

    /** {@code ram}: one merge pass. */
    static void ram(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        merge(input, values, RamMergeFactory.ID, false);
    }

    /** {@code ramplus_tl}: a counting scan, then the merge pass with the unique positions amplified. */
    static void ramPlus(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        merge(input, values, RamPlusMergeFactory.ID, true);
    }

    private static void merge(MergeInput input, TensorBlocks values, String method, boolean plus) {
        InputArity.requireBase(input, method);
        if (InputArity.baseOnly(input)) {
            values.merge((block, out) -> System.arraycopy(block.base(), 0, out, 0, out.length));
            return;
        }
        double epsilon = input.parameters().number("epsilon");
        double[] lambda = plus
                ? amplification(values, epsilon, input.parameters().number("r"), input.parameters().number("alpha"))
                : ones(values.modelCount());
        int count = values.modelCount();
        values.merge((block, out) -> {
            float[] base = block.base();
            float[][] models = block.models();
            for (int i = 0; i < out.length; i++) {
                int active = 0;
                int last = -1;
                double sum = 0;
                for (int m = 0; m < count; m++) {
                    double delta = (double) models[m][i] - base[i];
                    if (Math.abs(delta) > epsilon) {
                        active++;
                        last = m;
                        sum += delta;
                    }
                }
                double merged = switch (active) {
                    case 0 -> 0;
                    case 1 -> lambda[last] * sum;
                    default -> sum / active;
                };
                out[i] = (float) (base[i] + merged);
            }
        });
    }

    /** λ_m = 1 + r·clip(shared_m / max(unique_m, ε), 0, α), the counts over the whole tensor. */
    static double[] amplification(TensorBlocks values, double epsilon, double r, double alpha) {
        int count = values.modelCount();
        long[] shared = new long[count];
        long[] unique = new long[count];
        boolean[] active = new boolean[count];
        values.scan(0, (TensorBlock block) -> {
            float[] base = block.base();
            float[][] models = block.models();
            for (int i = 0; i < base.length; i++) {
                int c = 0;
                for (int m = 0; m < count; m++) {
                    active[m] = Math.abs((double) models[m][i] - base[i]) > epsilon;
                    c += active[m] ? 1 : 0;
                }
                for (int m = 0; m < count; m++) {
                    if (active[m]) {
                        if (c == 1) {
                            unique[m]++;
                        } else {
                            shared[m]++;
                        }
                    }
                }
            }
            return true;
        });
        double[] lambda = new double[count];
        for (int m = 0; m < count; m++) {
            double rho = shared[m] / Math.max((double) unique[m], epsilon);
            lambda[m] = 1 + r * Math.clamp(rho, 0.0, alpha);
        }
        return lambda;
    }

    private static double[] ones(int count) {
        double[] ones = new double[count];
        Arrays.fill(ones, 1.0);
        return ones;
    }
}
