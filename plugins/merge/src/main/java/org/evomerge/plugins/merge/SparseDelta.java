package org.evomerge.plugins.merge;

/**
 * The result of sparsifying one task vector: which elements survive (a bit mask, or all of them) and the factor every
 * survivor is multiplied by (1 without rescaling). Storing a bit per element instead of the sparsified values keeps a
 * consensus merge of M models at M·n/8 bytes of masks; the values are recomputed from {@link TaskDelta}.
 */
final class SparseDelta {

    private static final SparseDelta ALL = new SparseDelta(null, 1.0);

    /** {@code null} when every element is kept. */
    private final long[] keep;
    private final double scale;

    private SparseDelta(long[] keep, double scale) {
        this.keep = keep;
        this.scale = scale;
    }

    /** Every element kept, unscaled: what every sparsifier returns for density ≥ 1. */
    static SparseDelta all() {
        return ALL;
    }

    /** No element kept (a zero task vector). */
    static SparseDelta none(int size) {
        return new SparseDelta(newMask(size), 1.0);
    }

    /** The elements whose bits are set in {@code mask}, multiplied by {@code scale}. */
    static SparseDelta of(long[] mask, double scale) {
        return new SparseDelta(mask, scale);
    }

    /** An empty mask for {@code size} elements. */
    static long[] newMask(int size) {
        return new long[(size + 63) >>> 6];
    }

    boolean kept(int i) {
        return keep == null || (keep[i >>> 6] & (1L << i)) != 0;
    }

    /** The mask words, or {@code null} when every element is kept. Not copied: callers only read it. */
    long[] mask() {
        return keep;
    }

    double scale() {
        return scale;
    }

    /** How many of the first {@code size} elements are kept. */
    int keptCount(int size) {
        if (keep == null) {
            return size;
        }
        int count = 0;
        for (long word : keep) {
            count += Long.bitCount(word);
        }
        return count;
    }

    /** The sparsified task vector itself, kept δ·scale and zeros elsewhere (in double, for tests and diagnostics). */
    double[] values(TaskDelta delta) {
        double[] out = new double[delta.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = kept(i) ? delta.at(i) * scale : 0.0;
        }
        return out;
    }
}
