package org.evomerge.engine.lora;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A weight with its LoRA update added as it is read: {@code W + scale * left right} (a low-rank update) or
 * {@code W + delta} (a bias update), in float64, rounded once to the weight's dtype. Reads of a range compute only
 * that range, so merges that stream a tensor in blocks never hold it whole.
 */
final class LoraAdaptedTensor implements Tensor {

    private final Tensor base;
    private final LoraAdapter.LowRankUpdate update;
    private final float[] biasUpdate;

    LoraAdaptedTensor(Tensor base, LoraAdapter.LowRankUpdate update, float[] biasUpdate) {
        this.base = base;
        this.update = update;
        this.biasUpdate = biasUpdate;
    }

    @Override
    public TensorInfo info() {
        return base.info();
    }

    /** The whole adapted tensor, computed on each call into memory the garbage collector frees. */
    @Override
    public MemorySegment data() {
        MemorySegment data = Arena.ofAuto().allocate(base.info().byteSize(), 8);
        read(0, data);
        return data.asReadOnly();
    }

    @Override
    public void read(long offset, MemorySegment destination) {
        DType type = base.info().dtype();
        long elementBytes = type.byteSize(1);
        if (offset % elementBytes != 0 || destination.byteSize() % elementBytes != 0) {
            throw new IndexOutOfBoundsException("reads of a LoRA-adapted tensor start and end on whole elements");
        }
        base.read(offset, destination);
        long first = offset / elementBytes;
        long count = destination.byteSize() / elementBytes;
        if (biasUpdate != null) {
            for (long e = 0; e < count; e++) {
                double value = TensorFloats.get(destination, type, e) + (double) biasUpdate[(int) (first + e)];
                TensorFloats.set(destination, type, e, value);
            }
            return;
        }
        int cols = update.cols();
        int rank = update.rank();
        float[] left = update.left();
        float[] right = update.right();
        double[] row = new double[cols];
        long e = 0;
        while (e < count) {
            long element = first + e;
            int i = (int) (element / cols);
            int j0 = (int) (element % cols);
            int j1 = (int) Math.min(cols, j0 + (count - e));
            java.util.Arrays.fill(row, j0, j1, 0);
            for (int k = 0; k < rank; k++) {
                double l = left[i * rank + k];
                int r = k * cols;
                for (int j = j0; j < j1; j++) {
                    row[j] += l * right[r + j];
                }
            }
            for (int j = j0; j < j1; j++, e++) {
                TensorFloats.set(destination, type, e, TensorFloats.get(destination, type, e) + update.scale() * row[j]);
            }
        }
    }
}
