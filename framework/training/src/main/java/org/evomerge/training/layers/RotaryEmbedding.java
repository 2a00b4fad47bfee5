package org.evomerge.training.layers;

/**
 * Rotary position embedding in Hugging Face Llama's "rotate half" layout: within each head of width {@code h}, the
 * pair {@code (i, i + h/2)} is rotated by the angle {@code position · theta^(-2i/h)}. No rope scaling.
 */
public final class RotaryEmbedding {

    private final int headDim;
    private final float[] cos;
    private final float[] sin;
    private final int maxPositions;

    /** Tables for positions {@code [0, maxPositions)}. */
    public RotaryEmbedding(int headDim, double theta, int maxPositions) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rotary embedding needs an even head width, got " + headDim);
        }
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        int half = headDim / 2;
        cos = new float[maxPositions * half];
        sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p / Math.pow(theta, 2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public int maxPositions() {
        return maxPositions;
    }

    /**
     * Rotates, in place, every head of the row at {@code offset} of width {@code heads · headDim} for position
     * {@code position}; {@code inverse} applies the transposed rotation (the backward pass).
     */
    public void rotate(float[] row, int offset, int heads, int position, boolean inverse) {
        int half = headDim / 2;
        int table = position * half;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[table + i];
                float s = inverse ? -sin[table + i] : sin[table + i];
                float a = row[base + i];
                float b = row[base + i + half];
                row[base + i] = a * c - b * s;
                row[base + i + half] = b * c + a * s;
            }
        }
    }
}
