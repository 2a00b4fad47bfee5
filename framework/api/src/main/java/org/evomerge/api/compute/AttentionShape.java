package org.evomerge.api.compute;

import org.evomerge.api.Experimental;

/**
 * The layout of a causal grouped-query attention: query head h reads key/value head {@code h / (heads / kvHeads)};
 * caches hold {@code [position][kvHeads][headDim]} floats; queries and outputs {@code [token][heads][headDim]}.
 *
 * @param heads         query heads, a multiple of {@code kvHeads}
 * @param kvHeads       key/value heads
 * @param headDim       floats per head
 * @param slidingWindow 0 for full causal attention, else position p sees keys {@code (p − window, p]}
 * @param scale         the factor of the scores {@code q·k} (Llama: {@code 1 / sqrt(headDim)}; Gemma:
 *                      {@code query_pre_attn_scalar^-0.5}), positive
 * @param softCap       0 for none, else each scaled score {@code s} becomes {@code softCap · tanh(s / softCap)} before
 *                      the mask and softmax (Gemma 2's {@code attn_logit_softcapping})
 */
@Experimental(since = "0.1.0",
        reason = "device-side inference kernels; the set grows as more architectures run on accelerators")
public record AttentionShape(int heads, int kvHeads, int headDim, int slidingWindow, float scale, float softCap) {

    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0 || heads % kvHeads != 0 || slidingWindow < 0
                || !(scale > 0) || !(softCap >= 0)) {
            throw new IllegalArgumentException("bad attention shape: " + heads + " heads, " + kvHeads
                    + " kv heads, head size " + headDim + ", window " + slidingWindow + ", scale " + scale
                    + ", soft cap " + softCap);
        }
    }

    /** Llama's attention: scores scaled by {@code 1 / sqrt(headDim)}, no soft cap. */
    public AttentionShape(int heads, int kvHeads, int headDim, int slidingWindow) {
        this(heads, kvHeads, headDim, slidingWindow, (float) (1.0 / Math.sqrt(headDim)), 0f);
    }
}
