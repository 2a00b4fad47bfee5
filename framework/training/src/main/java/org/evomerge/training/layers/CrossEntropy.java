package org.evomerge.training.layers;

/**
 * Softmax cross-entropy over logits rows, natural log. Rows whose target is negative are ignored (prompt tokens,
 * the last token of a sequence), as PyTorch's {@code ignore_index}.
 */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /**
     * Returns {@code Σ -ln softmax(row)[target]} over the rows with a target, and overwrites {@code logits} with the
     * gradient of {@code scale ·} that sum: {@code scale (softmax - onehot)} on target rows, 0 elsewhere.
     */
    public static double lossAndGradient(float[] logits, int[] targets, int n, int vocabulary, double scale) {
        double total = 0;
        for (int t = 0; t < n; t++) {
            int o = t * vocabulary;
            int target = targets[t];
            if (target < 0) {
                java.util.Arrays.fill(logits, o, o + vocabulary, 0f);
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < vocabulary; v++) {
                max = Math.max(max, logits[o + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocabulary; v++) {
                sum += Math.exp(logits[o + v] - max);
            }
            double logSum = Math.log(sum) + max;
            total += logSum - logits[o + target];
            for (int v = 0; v < vocabulary; v++) {
                double p = Math.exp(logits[o + v] - logSum);
                logits[o + v] = (float) (scale * (p - (v == target ? 1 : 0)));
            }
        }
        return total;
    }
}
