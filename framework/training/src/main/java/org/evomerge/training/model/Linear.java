package org.evomerge.training.model;

import java.util.random.RandomGenerator;
import org.evomerge.training.kernels.RowParallelKernels;

/**
 * A bias-free projection {@code y = x Wᵀ} with {@code W[out][in]}, optionally with a LoRA adapter:
 * {@code y = x Wᵀ + s (x Aᵀ) Bᵀ}, {@code A[r][in]}, {@code B[out][r]}, {@code s = alpha / r}.
 */
public final class Linear {

    private final Parameter weight;
    private final int in;
    private final int out;
    private Parameter loraA;
    private Parameter loraB;
    private float loraScale;
    /** {@code s · x Aᵀ} of the last forward pass, for the adapter's backward pass. */
    private float[] loraHidden;

    public Linear(Parameter weight) {
        long[] shape = weight.shape();
        this.weight = weight;
        this.out = (int) shape[0];
        this.in = (int) shape[1];
    }

    public Parameter weight() {
        return weight;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    /** The adapter's parameters, or none. */
    public java.util.List<Parameter> adapter() {
        return loraA == null ? java.util.List.of() : java.util.List.of(loraA, loraB);
    }

    /** Adds a trainable adapter ({@code A} uniform in ±1/√in as PEFT's Kaiming init, {@code B = 0}). */
    public void attachLora(int rank, double alpha, RandomGenerator random) {
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] a = new float[rank * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        loraA = new Parameter(weight.name() + ".lora_A", new long[] {rank, in}, a);
        loraB = new Parameter(weight.name() + ".lora_B", new long[] {out, rank}, new float[out * rank]);
        loraA.setTrainable(true);
        loraB.setTrainable(true);
        loraScale = (float) (alpha / rank);
    }

    /** Folds the adapter into the weight ({@code W += s B A}) and removes it. */
    public void mergeLora() {
        if (loraA == null) {
            return;
        }
        int rank = (int) loraA.shape()[0];
        float[] w = weight.value();
        float[] a = loraA.value();
        float[] b = loraB.value();
        for (int o = 0; o < out; o++) {
            for (int r = 0; r < rank; r++) {
                float coefficient = loraScale * b[o * rank + r];
                if (coefficient != 0f) {
                    RowParallelKernels.axpy(coefficient, a, r * in, w, o * in, in);
                }
            }
        }
        loraA = null;
        loraB = null;
        loraHidden = null;
    }

    /** {@code y[n][out] = x[n][in] Wᵀ (+ adapter)}. */
    public void forward(float[] x, float[] y, int n, RowParallelKernels kernels) {
        kernels.multiplyTransposed(x, weight.value(), y, n, in, out, false);
        if (loraA != null) {
            int rank = (int) loraA.shape()[0];
            loraHidden = new float[n * rank];
            kernels.multiplyTransposed(x, loraA.value(), loraHidden, n, in, rank, false);
            for (int i = 0; i < loraHidden.length; i++) {
                loraHidden[i] *= loraScale;
            }
            kernels.multiplyTransposed(loraHidden, loraB.value(), y, n, rank, out, true);
        }
    }

    /**
     * Adds {@code dy W} (and the adapter's share) to {@code dx}, when {@code dx} is not null, and the gradients of
     * the trainable parameters. {@code x} is the input of the matching forward pass.
     */
    public void backward(float[] x, float[] dy, float[] dx, int n, RowParallelKernels kernels) {
        if (dx != null) {
            kernels.multiplyAccumulate(dy, weight.value(), dx, n, in, out);
        }
        if (weight.trainable()) {
            kernels.accumulateOuter(dy, x, weight.gradient(), n, in, out);
        }
        if (loraA != null) {
            int rank = (int) loraA.shape()[0];
            kernels.accumulateOuter(dy, loraHidden, loraB.gradient(), n, rank, out);
            float[] dHidden = new float[n * rank];
            kernels.multiplyAccumulate(dy, loraB.value(), dHidden, n, rank, out);
            for (int i = 0; i < dHidden.length; i++) {
                dHidden[i] *= loraScale;
            }
            kernels.accumulateOuter(dHidden, x, loraA.gradient(), n, in, rank);
            if (dx != null) {
                kernels.multiplyAccumulate(dHidden, loraA.value(), dx, n, in, rank);
            }
        }
    }
}
