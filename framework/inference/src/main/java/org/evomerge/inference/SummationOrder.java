package org.evomerge.inference;

/**
 * The two orders in which {@link WeightMatrix} adds the products of one output value. They round differently, so a
 * row computed in one order differs in its last bits from the same row in the other; what decides the order is
 * spelled out so that batched generation can reproduce the one-sequence path bit for bit.
 */
public enum SummationOrder {
    /**
     * A dot product per output in the order of {@link FixedOrderKernels#PARTIALS} (32 partial sums, added by
     * halves, then the tail): what a product of at most three tokens uses (one-token decoding, the output head).
     */
    DOT,
    /**
     * One accumulator per output, fused-multiply-added along the input dimension in increasing order: the packed
     * matrix-matrix product a batch of four or more tokens uses (prompt prefill). A row's value does not depend on
     * the other rows of the batch.
     */
    PANEL
}
