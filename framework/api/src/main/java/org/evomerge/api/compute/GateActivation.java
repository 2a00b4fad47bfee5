package org.evomerge.api.compute;

import org.evomerge.api.Experimental;

/** The activation of a gated MLP, applied to the gate projection before it multiplies the up projection. */
@Experimental(since = "0.1.0",
        reason = "device-side inference kernels; the set grows as more architectures run on accelerators")
public enum GateActivation {
    /** {@code g · σ(g)} (Llama, Mistral, Qwen, Phi-3, Mixtral). */
    SILU,
    /** PyTorch's tanh approximation of GeLU, {@code gelu_pytorch_tanh} (Gemma). */
    GELU_TANH
}
