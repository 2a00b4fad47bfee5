package org.evomerge.training.layers;

import org.evomerge.inference.RmsNormalization;

/**
 * Root-mean-square normalisation as Llama applies it: {@code y = x / sqrt(mean(x²) + eps) * w}, per row of width
 * {@code d}: the forward pass is inference's {@link RmsNormalization}; sums run in double so the backward pass
 * matches the forward's rounding closely.
 */
public final class RmsNorm {

    private RmsNorm() {
    }

    /**
     * Normalises {@code n} rows of {@code x} into {@code y}, keeping each row's inverse RMS in {@code inverseRms} for
     * the backward pass.
     */
    public static void forward(float[] x, float[] w, float[] y, float[] inverseRms, int n, int d, double eps) {
        RmsNormalization.normalize(x, w, d, n, eps, y, inverseRms);
    }

    /**
     * Adds the input gradient to {@code dx} and, when {@code dw} is not null, the weight gradient to {@code dw}:
     * {@code dx = r (w ⊙ dy) - x r³/d Σ(w ⊙ dy ⊙ x)}, {@code dw = Σ_t dy ⊙ x r}.
     */
    public static void backward(float[] x, float[] w, float[] inverseRms, float[] dy, float[] dx, float[] dw, int n,
            int d) {
        for (int t = 0; t < n; t++) {
            int o = t * d;
            double r = inverseRms[t];
            double projection = 0;
            for (int i = 0; i < d; i++) {
                projection += (double) w[i] * dy[o + i] * x[o + i];
            }
            double c = projection * r * r * r / d;
            for (int i = 0; i < d; i++) {
                dx[o + i] += (float) (r * w[i] * dy[o + i] - x[o + i] * c);
                if (dw != null) {
                    dw[i] += (float) (dy[o + i] * x[o + i] * r);
                }
            }
        }
    }
}
