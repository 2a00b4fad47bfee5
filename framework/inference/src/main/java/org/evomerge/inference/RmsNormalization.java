package org.evomerge.inference;

/**
 * Root-mean-square normalisation as Llama applies it, {@code y = x · (1 / sqrt(mean(x²) + eps)) · w} per row, with
 * the sum of squares in double. The one host definition: the CPU inference kernels and training's forward pass both
 * normalise with it, so a model in training sees the activations inference computes.
 */
public final class RmsNormalization {

    private RmsNormalization() {
    }

    /**
     * Normalises {@code rows} rows of {@code width} elements of {@code x} into {@code out}.
     *
     * @param inverseRms receives each row's factor {@code 1 / sqrt(mean(x²) + eps)} (for a backward pass), or null
     */
    public static void normalize(float[] x, float[] weight, int width, int rows, double eps, float[] out,
                                 float[] inverseRms) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            double sum = 0;
            for (int i = 0; i < width; i++) {
                sum += (double) x[base + i] * x[base + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sum / width + eps));
            if (inverseRms != null) {
                inverseRms[r] = scale;
            }
            for (int i = 0; i < width; i++) {
                out[base + i] = x[base + i] * scale * weight[i];
            }
        }
    }
}
