package org.evomerge.training.layers;

/** Llama's gated MLP activation: {@code h = silu(g) ⊙ u} with {@code silu(g) = g σ(g)}. */
public final class SwiGlu {

    private SwiGlu() {
    }

    public static void forward(float[] gate, float[] up, float[] h, int length) {
        for (int i = 0; i < length; i++) {
            float g = gate[i];
            float sigmoid = (float) (1.0 / (1.0 + Math.exp(-g)));
            h[i] = g * sigmoid * up[i];
        }
    }

    /** Writes the gradients of gate and up: {@code du = dh silu(g)}, {@code dg = dh u σ(g)(1 + g(1 - σ(g)))}. */
    public static void backward(float[] gate, float[] up, float[] dh, float[] dGate, float[] dUp, int length) {
        for (int i = 0; i < length; i++) {
            double g = gate[i];
            double sigmoid = 1.0 / (1.0 + Math.exp(-g));
            dUp[i] = (float) (dh[i] * g * sigmoid);
            dGate[i] = (float) (dh[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid)));
        }
    }
}
