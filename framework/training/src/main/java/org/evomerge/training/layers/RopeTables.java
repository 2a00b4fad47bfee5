package org.evomerge.training.layers;

import org.evomerge.inference.RotaryEmbedding;

/**
 * The angles of a model's {@link RotaryEmbedding} tabulated for positions {@code [0, positions)}, grown on demand,
 * and the rotations the forward pass applies to queries and keys and the backward pass (the transposed rotation) to
 * their gradients. A training step rotates every position of every layer, so the angles are computed once, not per
 * rotation. Not thread-safe.
 */
public final class RopeTables {

    private final RotaryEmbedding rope;
    private final int pairs;
    private float[] cos;
    private float[] sin;
    private float[] negatedSin;
    private int positions;

    /** Tables for positions {@code [0, positions)}. */
    public RopeTables(RotaryEmbedding rope, int positions) {
        this.rope = rope;
        this.pairs = rope.pairs();
        fill(positions);
    }

    /** Grows the tables, at least doubling them, so that positions below {@code longest} can be rotated. */
    public void ensure(int longest) {
        if (longest > positions) {
            fill(Math.max(longest, 2 * positions));
        }
    }

    private void fill(int count) {
        cos = new float[count * pairs];
        sin = new float[count * pairs];
        negatedSin = new float[count * pairs];
        for (int p = 0; p < count; p++) {
            rope.angles(p, cos, sin, p * pairs);
        }
        for (int i = 0; i < sin.length; i++) {
            negatedSin[i] = -sin[i];
        }
        positions = count;
    }

    /**
     * Rotates, in place, every head of the row at {@code offset} of width {@code heads · headDim} for position
     * {@code position}; {@code inverse} applies the transposed rotation (the backward pass).
     */
    public void rotate(float[] row, int offset, int heads, int headDim, int position, boolean inverse) {
        RotaryEmbedding.rotate(row, offset, heads, headDim, cos, inverse ? negatedSin : sin, position * pairs);
    }
}
