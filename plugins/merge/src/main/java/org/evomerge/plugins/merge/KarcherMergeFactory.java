package org.evomerge.plugins.merge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * mergekit's {@code karcher}: the Riemannian (Karcher) mean of the tensors' directions on the unit sphere, scaled by
 * their mean norm. Every input gets the same weight α = 1/n (mergekit ignores per-model weights; none is declared).
 * <ol>
 *   <li>Split each tensor into ‖x_i‖ and û_i; drop those with ‖x_i‖ ≤ {@code tol} and renormalise α over the rest.
 *       If none is left the result is all zeros.</li>
 *   <li>Start from u = Σ α_i·û_i normalised, or from the first kept û_i if that sum has a norm below {@code tol}.</li>
 *   <li>Up to {@code max_iter} times: θ_i = acos(clamp(⟨u, û_i⟩, −1, 1));
 *       T = Σ α_i·(θ_i/sin θ_i)·(û_i − cos θ_i·u), skipping θ_i < {@code tol}; stop when ‖T‖ < {@code tol}, else
 *       u ← cos‖T‖·u + sin‖T‖·T/‖T‖ and renormalise u when its norm exceeds {@code tol}.</li>
 *   <li>Result: (Σ_i (1/n)·‖x_i‖)·u, the mean over all inputs including the dropped ones.</li>
 * </ol>
 * u and T always lie in the span of the û_i, so they are kept as coefficient vectors over the û_i and every dot
 * product comes from the n×n Gram matrix of the inputs (computed once, in double, by the compute backend). This is the
 * same arithmetic as on full vectors, needs no tensor-sized scratch memory, and costs one pass per pair of inputs plus
 * one for the result, whatever {@code max_iter}.
 *
 * <p>Inputs: the models, plus the base model when the recipe names one. mergekit gathers the base as one more input
 * of the mean (it has no special role), appended after the models when it is not listed among them; evomerge puts it
 * last. A single input is returned unchanged.
 */
@Extension
public class KarcherMergeFactory extends DescribedMergeMethodFactory {

    static final String ID = "karcher";

    public KarcherMergeFactory() {
        super(ID, "Riemannian (Karcher) mean of the models' directions, scaled by their mean norm.",
                ParameterSchema.of(
                        MergeParameters.tensorInteger("max_iter", 10, 0L, 10_000L, "maximum number of iterations"),
                        MergeParameters.tensorNumber("tol", 1e-5, 0.0, null,
                                "convergence tolerance; also the norm below which a tensor is left out")),
                Set.of(Capability.ACCEPTS_BASE_MODEL));
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        VectorOperations compute = context.compute().vectors();
        return (WholeTensorMethod) (input, models, base, statistics, out) -> merge(input, models, base, compute, out);
    }

    private static void merge(MergeInput input, float[][] models, float[] base, VectorOperations compute,
                              float[] out) {
        List<float[]> tensors = new ArrayList<>(Arrays.asList(models));
        if (base != null) {
            tensors.add(base);
        }
        if (tensors.size() == 1) {
            System.arraycopy(tensors.getFirst(), 0, out, 0, out.length);
            return;
        }
        int maxIter = Math.toIntExact(input.parameters().integer("max_iter"));
        double tol = input.parameters().number("tol");
        int n = out.length;
        int count = tensors.size();
        double alpha = 1.0 / count;

        double[] norms = new double[count];
        double scale = 0;
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            norms[i] = Math.sqrt(compute.sumOfSquares(tensors.get(i)));
            scale += alpha * norms[i];
            if (norms[i] > tol) {
                kept.add(i);
            }
        }
        if (kept.isEmpty()) {
            Arrays.fill(out, 0f);
            return;
        }
        int k = kept.size();
        // Gram matrix of the kept unit vectors.
        double[][] gram = new double[k][k];
        for (int a = 0; a < k; a++) {
            float[] xa = tensors.get(kept.get(a));
            gram[a][a] = 1.0;
            for (int b = a + 1; b < k; b++) {
                double g = compute.dot(xa, tensors.get(kept.get(b))) / (norms[kept.get(a)] * norms[kept.get(b)]);
                gram[a][b] = g;
                gram[b][a] = g;
            }
        }
        double[] u = coefficientsOfMean(gram, tol);
        for (int iter = 0; iter < maxIter; iter++) {
            double[] gu = times(gram, u);
            double[] step = new double[k];
            for (int i = 0; i < k; i++) {
                double cos = Math.clamp(gu[i], -1.0, 1.0);
                double theta = Math.acos(cos);
                if (theta < tol || theta == 0) {
                    continue; // a term with θ = 0 is zero; with tol = 0 it would be 0/0
                }
                double factor = (1.0 / k) * theta / Math.sin(theta);
                step[i] += factor;
                for (int j = 0; j < k; j++) {
                    step[j] -= factor * cos * u[j];
                }
            }
            double stepNorm = norm(gram, step);
            if (stepNorm < tol || stepNorm == 0) {
                break;
            }
            double cosT = Math.cos(stepNorm);
            double sinT = Math.sin(stepNorm);
            for (int j = 0; j < k; j++) {
                u[j] = cosT * u[j] + sinT * step[j] / stepNorm;
            }
            double uNorm = norm(gram, u);
            if (uNorm > tol) {
                for (int j = 0; j < k; j++) {
                    u[j] /= uNorm;
                }
            }
        }
        // out = scale · Σ_j u_j · x_j / ‖x_j‖
        double[] c = new double[k];
        float[][] xs = new float[k][];
        for (int j = 0; j < k; j++) {
            c[j] = scale * u[j] / norms[kept.get(j)];
            xs[j] = tensors.get(kept.get(j));
        }
        for (int e = 0; e < n; e++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += c[j] * xs[j][e];
            }
            out[e] = (float) sum;
        }
    }

    /** Coefficients of the normalised equal-weight mean of the unit vectors, or of the first one if it vanishes. */
    private static double[] coefficientsOfMean(double[][] gram, double tol) {
        int k = gram.length;
        double[] u = new double[k];
        Arrays.fill(u, 1.0 / k);
        double norm = norm(gram, u);
        if (norm < tol || norm == 0) {
            double[] first = new double[k];
            first[0] = 1.0;
            return first;
        }
        for (int j = 0; j < k; j++) {
            u[j] /= norm;
        }
        return u;
    }

    private static double[] times(double[][] gram, double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double s = 0;
            for (int j = 0; j < v.length; j++) {
                s += gram[i][j] * v[j];
            }
            r[i] = s;
        }
        return r;
    }

    /** ‖Σ v_j·û_j‖ from the Gram matrix (rounding below zero counts as zero). */
    private static double norm(double[][] gram, double[] v) {
        double[] gv = times(gram, v);
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += v[i] * gv[i];
        }
        return Math.sqrt(Math.max(0, s));
    }
}
