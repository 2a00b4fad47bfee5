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
 */
@Experimental(since = "0.1.0",
        reason = "device-side inference kernels; the set grows as more architectures run on accelerators")
public record AttentionShape(int heads, int kvHeads, int headDim, int slidingWindow) {

    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0 || heads % kvHeads != 0 || slidingWindow < 0) {
            throw new IllegalArgumentException("bad attention shape: " + heads + " heads, " + kvHeads
                    + " kv heads, head size " + headDim + ", window " + slidingWindow);
        }
    }
}
