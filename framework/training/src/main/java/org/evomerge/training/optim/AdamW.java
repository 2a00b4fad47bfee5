package org.evomerge.training.optim;

import java.util.List;
import org.evomerge.training.model.Parameter;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW} computes it (Loshchilov and Hutter): for step {@code t ≥ 1},
 * <pre>
 * w ← w (1 - lr·λ)                      (decoupled weight decay; matrices only)
 * m ← β1 m + (1 - β1) g,   v ← β2 v + (1 - β2) g²
 * w ← w - lr · (m / (1 - β1ᵗ)) / (√(v / (1 - β2ᵗ)) + ε)
 * </pre>
 * Each element is updated in double and stored back in float32.
 *
 * @param beta1       β1, the first-moment decay
 * @param beta2       β2, the second-moment decay
 * @param epsilon     ε, the denominator's guard
 * @param weightDecay λ, the decoupled weight decay of matrices
 */
public record AdamW(double beta1, double beta2, double epsilon, double weightDecay) {

    /** Applies step {@code t} (1-based) with learning rate {@code lr} to every trainable parameter. */
    public void step(List<Parameter> parameters, double lr, int t) {
        double correction1 = 1 - Math.pow(beta1, t);
        double correction2 = 1 - Math.pow(beta2, t);
        for (Parameter p : parameters) {
            if (!p.trainable()) {
                continue;
            }
            float[] w = p.value();
            float[] g = p.gradient();
            float[] m = p.firstMoment();
            float[] v = p.secondMoment();
            double decay = p.decays() ? 1 - lr * weightDecay : 1;
            for (int i = 0; i < w.length; i++) {
                double mi = beta1 * m[i] + (1 - beta1) * g[i];
                double vi = beta2 * v[i] + (1 - beta2) * (double) g[i] * g[i];
                m[i] = (float) mi;
                v[i] = (float) vi;
                double update = (mi / correction1) / (Math.sqrt(vi / correction2) + epsilon);
                w[i] = (float) (w[i] * decay - lr * update);
            }
        }
    }

    /**
     * Scales every gradient so their global L2 norm is at most {@code maxNorm}, as PyTorch's
     * {@code clip_grad_norm_} (factor {@code maxNorm / (norm + 1e-6)} when below 1). Returns the norm before clipping.
     */
    public static double clipGlobalNorm(List<Parameter> parameters, double maxNorm) {
        double squares = 0;
        for (Parameter p : parameters) {
            if (p.trainable()) {
                for (float g : p.gradient()) {
                    squares += (double) g * g;
                }
            }
        }
        double norm = Math.sqrt(squares);
        double factor = maxNorm / (norm + 1e-6);
        if (maxNorm > 0 && factor < 1) {
            for (Parameter p : parameters) {
                if (p.trainable()) {
                    float[] g = p.gradient();
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) (g[i] * factor);
                    }
                }
            }
        }
        return norm;
    }
}
