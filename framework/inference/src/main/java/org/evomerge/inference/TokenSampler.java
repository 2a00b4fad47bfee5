package org.evomerge.inference;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: the first maximum when the temperature is 0, otherwise a draw from
 * {@code softmax(logits / temperature)} restricted to the nucleus (the most probable tokens whose mass first reaches
 * {@code topP}). Probabilities are computed in double; the draw comes from a {@link SplittableRandom} seeded by the
 * request, so a seed gives the same tokens on every JVM. Not thread-safe.
 */
final class TokenSampler {

    private final double temperature;
    private final double topP;
    private final SplittableRandom random;

    TokenSampler(double temperature, double topP, long seed) {
        this.temperature = temperature;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    int next(float[] logits) {
        if (temperature == 0) {
            return argmax(logits);
        }
        int n = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        double u = random.nextDouble();
        if (topP >= 1) {
            double target = u * sum;
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += p[i];
                if (cumulative > target) {
                    return i;
                }
            }
            return argmax(logits);
        }
        // Sort indices by probability, descending, ties by index so the order never depends on the sort.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double kept = 0;
        int keep = 0;
        while (keep < n && kept < topP * sum) {
            kept += p[order[keep++]];
        }
        double target = u * kept;
        double cumulative = 0;
        for (int r = 0; r < keep; r++) {
            cumulative += p[order[r]];
            if (cumulative > target) {
                return order[r];
            }
        }
        return order[keep - 1];
    }
}
