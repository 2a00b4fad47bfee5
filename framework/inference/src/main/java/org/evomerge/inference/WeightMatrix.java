package org.evomerge.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.evomerge.api.tensor.DType;

/**
 * A {@code rows × cols} weight matrix kept in its stored dtype (F32, BF16, F16, or one of ggml's block types Q8_0,
 * Q4_0, Q4_K, Q5_K and Q6_K; row-major, little-endian, a row of a block type is whole blocks) and multiplied in
 * float32. A few tokens are matrix-vector products whose dot products
 * decode the weights on the fly. More tokens are a matrix-matrix product: the inputs are packed once into k-major
 * panels of {@link FixedOrderKernels#PANEL} tokens, each thread decodes a tile of weight rows once into a buffer that stays
 * in cache, and every panel passes over it, so each stored weight is decoded once per product. Both are parallel over
 * output rows. Immutable and thread-safe; the segment must stay valid while the matrix is used.
 */
public final class WeightMatrix {

    /** Rows decoded per tile: the tile's slice of {@link #K_BLOCK} columns must stay in the per-core L2 cache. */
    private static final int TILE_ROWS = 96;
    /** Columns per pass over a tile. */
    private static final int K_BLOCK = 256;
    /** Up to this many tokens, a product runs as matrix-vector products (a packed panel would be mostly padding). */
    private static final int VECTOR_TOKENS = 3;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[0]);

    private final MemorySegment data;
    private final DType dtype;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    private WeightMatrix(MemorySegment data, DType dtype, int rows, int cols) {
        this.data = data;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = dtype.byteSize(cols);
    }

    /** Whether {@link #of} accepts {@code dtype}. */
    public static boolean supports(DType dtype) {
        return switch (dtype) {
            case F32, BF16, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * @throws IllegalArgumentException if the dtype is unsupported, a row of a block type is not whole blocks, or the
     *     segment is not exactly {@code rows · cols} elements
     */
    public static WeightMatrix of(MemorySegment data, DType dtype, int rows, int cols) {
        if (!supports(dtype)) {
            throw new IllegalArgumentException("unsupported weight dtype " + dtype);
        }
        if (rows < 1 || cols < 1 || cols % dtype.blockSize() != 0) {
            throw new IllegalArgumentException(rows + " x " + cols + " is not a valid " + dtype + " matrix");
        }
        long expected = dtype.byteSize((long) rows * cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " " + dtype + " matrix needs " + expected
                    + " bytes, got " + data.byteSize());
        }
        return new WeightMatrix(data, dtype, rows, cols);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public DType dtype() {
        return dtype;
    }

    /** Decodes row {@code row} into {@code dst[dstOff ..+cols)}. */
    public void decodeRow(int row, float[] dst, int dstOff) {
        long offset = row * rowBytes;
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, FLOAT, offset, dst, dstOff, cols);
            case BF16 -> FixedOrderKernels.decodeBf16(data, offset, dst, dstOff, cols);
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    dst[dstOff + i] = Float.float16ToFloat(data.get(SHORT, offset + 2L * i));
                }
            }
            default -> FixedOrderKernels.decodeBlocks(dtype, data, offset, dst, dstOff, cols);
        }
    }

    /**
     * {@code out[t·rows + r] = Σ_k W[r][k] · x[t·cols + k]} for {@code t < tokens}: {@code x} holds {@code tokens}
     * input rows of {@code cols} floats, {@code out} receives {@code tokens} rows of {@code rows} floats.
     */
    public void multiply(float[] x, int tokens, float[] out, WorkerPool pool) {
        // Too few tokens to fill a packed panel: re-reading the weights per token costs less than padding.
        multiply(x, tokens, out, pool, orderFor(tokens));
    }

    /** The order {@link #multiply(float[], int, float[], WorkerPool)} uses for a product of {@code tokens} tokens. */
    static SummationOrder orderFor(int tokens) {
        return tokens <= VECTOR_TOKENS ? SummationOrder.DOT : SummationOrder.PANEL;
    }

    /**
     * {@link #multiply(float[], int, float[], WorkerPool)} with the summation order chosen by the caller rather than
     * by the token count: the batched generation of several sequences computes each row in the order the one-sequence
     * path would have used for it, so both give the same bits.
     */
    public void multiply(float[] x, int tokens, float[] out, WorkerPool pool, SummationOrder order) {
        if (x.length < (long) tokens * cols || out.length < (long) tokens * rows) {
            throw new IllegalArgumentException("buffers too small for " + tokens + " tokens");
        }
        if (order == SummationOrder.DOT && tokens <= VECTOR_TOKENS) {
            // Each task takes a range of weight rows and passes every token over them while they are in cache.
            pool.forRange(rows, 64, (from, to) -> {
                for (int t = 0; t < tokens; t++) {
                    multiplyVector(x, t * cols, out, t * rows, from, to);
                }
            });
            return;
        }
        int panel = FixedOrderKernels.PANEL;
        int panels = (tokens + panel - 1) / panel;
        float[] packed = new float[panels * panel * cols];
        pool.forRange(panels, 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                FixedOrderKernels.packPanel(x, tokens, cols, p * panel, packed, p * panel * cols);
            }
        });
        if (order == SummationOrder.DOT) {
            // Many tokens in the one-token order: each decoded row meets every panel, a token per lane.
            pool.forRange(rows, 16, (from, to) -> multiplyDotPanels(packed, panels, tokens, out, from, to));
            return;
        }
        // Equal tiles, as many as a multiple of the threads, each a multiple of the kernel's six rows, so threads finish
        // together and at most one tile ends in rows the one-row kernel must do.
        int group = FixedOrderKernels.KERNEL_ROWS;
        int threads = pool.threads();
        int tiles = ((rows + TILE_ROWS - 1) / TILE_ROWS + threads - 1) / threads * threads;
        tiles = Math.max(1, Math.min(tiles, rows / group));
        int size = ((rows + tiles - 1) / tiles + group - 1) / group * group;
        int count = (rows + size - 1) / size;
        pool.forRange(count, 1, (from, to) -> {
            for (int tile = from; tile < to; tile++) {
                multiplyTile(packed, panels, tokens, out, tile * size, Math.min(rows, (tile + 1) * size));
            }
        });
    }

    private void multiplyVector(float[] x, int xOff, float[] out, int outOff, int from, int to) {
        switch (dtype) {
            case F32 -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotF32(data, r * rowBytes, x, xOff, cols);
                }
            }
            case BF16 -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotBf16(data, r * rowBytes, x, xOff, cols);
                }
            }
            case Q8_0 -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotQ8_0(data, r * rowBytes, x, xOff, cols);
                }
            }
            case Q4_0 -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotQ4_0(data, r * rowBytes, x, xOff, cols);
                }
            }
            case Q4_K -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotQ4K(data, r * rowBytes, x, xOff, cols);
                }
            }
            case Q5_K -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotQ5K(data, r * rowBytes, x, xOff, cols);
                }
            }
            case Q6_K -> {
                for (int r = from; r < to; r++) {
                    out[outOff + r] = FixedOrderKernels.dotQ6K(data, r * rowBytes, x, xOff, cols);
                }
            }
            default -> {
                float[] row = scratch(cols);
                for (int r = from; r < to; r++) {
                    decodeRow(r, row, 0);
                    out[outOff + r] = FixedOrderKernels.dot(row, 0, x, xOff, cols);
                }
            }
        }
    }

    /**
     * Rows {@code [r0, r1)} for every token in the {@link SummationOrder#DOT} order: each row is decoded once and its
     * dot products with every packed panel are taken by {@link FixedOrderKernels#dotsOfPanel}.
     */
    private void multiplyDotPanels(float[] packed, int panels, int tokens, float[] out, int r0, int r1) {
        int panel = FixedOrderKernels.PANEL;
        int partialsOff = cols;
        int sumsOff = partialsOff + FixedOrderKernels.PARTIALS / 4 * panel;
        float[] scratch = scratch(sumsOff + panel);
        for (int r = r0; r < r1; r++) {
            decodeRow(r, scratch, 0);
            for (int p = 0; p < panels; p++) {
                FixedOrderKernels.dotsOfPanel(scratch, 0, cols, packed, p * panel * cols, scratch, partialsOff,
                        scratch, sumsOff);
                int valid = Math.min(panel, tokens - p * panel);
                for (int j = 0; j < valid; j++) {
                    out[(p * panel + j) * rows + r] = scratch[sumsOff + j];
                }
            }
        }
    }

    /**
     * Rows {@code [r0, r1)} for every token: decode the rows once into a buffer that stays in cache, let every packed
     * input panel pass over them six rows at a time, block by block of columns, summing into a row-major accumulator
     * per panel; then transpose the sums into {@code out}.
     */
    private void multiplyTile(float[] packed, int panels, int tokens, float[] out, int r0, int r1) {
        int n = r1 - r0;
        int panel = FixedOrderKernels.PANEL;
        int accOff = n * cols;
        float[] tile = scratch(accOff + panels * n * panel);
        for (int r = 0; r < n; r++) {
            decodeRow(r0 + r, tile, r * cols);
        }
        int fullRows = n - n % FixedOrderKernels.KERNEL_ROWS;
        // Blocks of k keep a panel's slice (K_BLOCK × 32 floats, in L1) and the tile's slice (tile rows × K_BLOCK, in
        // L2) in cache while every row group and every panel passes over them.
        for (int k0 = 0; k0 < cols; k0 += K_BLOCK) {
            int width = Math.min(K_BLOCK, cols - k0);
            boolean accumulate = k0 > 0;
            for (int p = 0; p < panels; p++) {
                int pOff = p * panel * cols + k0 * panel;
                int aOff = accOff + p * n * panel;
                int r = 0;
                for (; r < fullRows; r += FixedOrderKernels.KERNEL_ROWS) {
                    FixedOrderKernels.rows6(tile, r * cols + k0, cols, width, packed, pOff, tile, aOff + r * panel,
                            accumulate);
                }
                for (; r < n; r++) {
                    FixedOrderKernels.rows1(tile, r * cols + k0, width, packed, pOff, tile, aOff + r * panel, accumulate);
                }
            }
        }
        for (int p = 0; p < panels; p++) {
            int aOff = accOff + p * n * panel;
            int valid = Math.min(panel, tokens - p * panel);
            for (int j = 0; j < valid; j++) {
                int o = (p * panel + j) * rows + r0;
                for (int r = 0; r < n; r++) {
                    out[o + r] = tile[aOff + r * panel + j];
                }
            }
        }
    }

    private static float[] scratch(int size) {
        float[] buffer = TILE.get();
        if (buffer.length < size) {
            buffer = new float[size];
            TILE.set(buffer);
        }
        return buffer;
    }
}
