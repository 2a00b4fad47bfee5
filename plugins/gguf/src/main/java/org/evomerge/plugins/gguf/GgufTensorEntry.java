package org.evomerge.plugins.gguf;

import org.evomerge.api.tensor.DType;

/**
 * One tensor as the GGUF header describes it, already checked: its data lies inside the file.
 *
 * @param name     the GGUF name ({@code blk.0.attn_q.weight})
 * @param ne       the dimensions, fastest-varying first (ggml's {@code ne}), each at least 1
 * @param ggmlType the stored type
 * @param dtype    the evomerge type for {@code ggmlType}
 * @param offset   where the data starts, relative to the data section
 * @param byteSize how many bytes the data takes
 */
record GgufTensorEntry(String name, long[] ne, GgmlType ggmlType, DType dtype, long offset, long byteSize) {

    GgufTensorEntry {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** The shape in Hugging Face (row-major) order: ggml's dimensions reversed. */
    long[] rowMajorShape() {
        long[] dims = new long[ne.length];
        for (int i = 0; i < ne.length; i++) {
            dims[i] = ne[ne.length - 1 - i];
        }
        return dims;
    }
}
