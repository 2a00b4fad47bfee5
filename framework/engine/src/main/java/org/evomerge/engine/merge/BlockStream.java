package org.evomerge.engine.merge;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.LongConsumer;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorBlock;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.tensor.TensorReader;
import org.evomerge.engine.tensor.ThreadBuffers;

/**
 * One tensor of a merge streamed in blocks ({@link TensorBlocks}): each pass reads a block of every input through the
 * {@link TensorReader} and rounds it to the working precision into arrays this thread reuses; the merge pass checks,
 * rounds and encodes each merged block ({@link MergedValueEncoder}) and writes it as a part of the output tensor (or into
 * one buffer for the whole tensor when the writer cannot take parts). Memory per thread: a few blocks, whatever the
 * tensor's size, where the whole-tensor path holds a float copy of every input and of the output.
 */
final class BlockStream implements TensorBlocks {

    /**
     * Elements per block: 64 Ki floats (256 KiB) per input, so a block of three inputs and the output stays in the
     * L2 cache between the passes of one merge step, and per-block call overheads stay far below the work. (A TIES
     * merge of three 2.3 GB models took 9.3-10.2 s with these, 11.0-12.0 s with 16 Ki and 9.8-12.0 s with 256 Ki.)
     */
    static final int BLOCK_ELEMENTS = 1 << 16;

    /** Each thread's block arrays: inputs first, the output last; each {@link #BLOCK_ELEMENTS} long. */
    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[0][]);

    private final MergePlan plan;
    private final String methodId;
    private final MergePlan.PlannedTensor tensor;
    private final TensorReader reader;
    private final MergedValueEncoder encoder;
    private final ModelWriter writer;
    private final PartWriter parts;
    private final TensorInfo output;
    private final LongConsumer progress;
    private final List<MergePlan.PlannedInput> inputs;
    private final Tensor[] sources;
    private final long count;
    private final int blockElements;
    private final int models;
    private boolean merged;

    /**
     * @param parts    the run's part writer, or {@code null} when the writer cannot take parts (the tensor is then
     *                 gathered and written whole)
     * @param output   the output tensor as written (name, out dtype, shape)
     * @param progress told the input bytes of each block the merge pass finishes
     */
    BlockStream(MergePlan plan, String methodId, MergePlan.PlannedTensor tensor, TensorReader reader,
                MergedValueEncoder encoder, ModelWriter writer, PartWriter parts, TensorInfo output,
                LongConsumer progress, int blockElements) {
        this.plan = plan;
        this.methodId = methodId;
        this.tensor = tensor;
        this.reader = reader;
        this.encoder = encoder;
        this.writer = writer;
        this.parts = parts;
        this.output = output;
        this.progress = progress;
        this.blockElements = blockElements;
        this.models = tensor.inputs().size();
        this.inputs = new java.util.ArrayList<>(tensor.inputs());
        tensor.base().ifPresent(inputs::add);
        this.sources = new Tensor[inputs.size()];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = inputs.get(i).model().tensors().tensor(inputs.get(i).tensorName());
        }
        this.count = output.shape().elementCount();
    }

    /**
     * Whether the engine can stream this tensor: every input is float32, float16 or bfloat16 (whose elements can be
     * read from any offset) and has the output's shape.
     */
    static boolean streams(MergePlan.PlannedTensor tensor) {
        List<MergePlan.PlannedInput> all = new java.util.ArrayList<>(tensor.inputs());
        tensor.base().ifPresent(all::add);
        if (all.isEmpty()) {
            return false;
        }
        for (MergePlan.PlannedInput input : all) {
            DType type = input.info().dtype();
            if ((type != DType.F32 && type != DType.F16 && type != DType.BF16)
                    || !input.info().shape().equals(tensor.shape())) {
                return false;
            }
        }
        long n = tensor.shape().elementCount();
        return n > 0 && n <= Integer.MAX_VALUE - 8;
    }

    /** Float bytes one thread holds while streaming a tensor of {@code inputs} inputs. */
    static long workingBytes(int inputs, int blockElements) {
        return (long) (inputs + 2) * blockElements * Float.BYTES * 2;
    }

    /**
     * Runs {@code method} on this tensor ({@link MergeMethodCall}): its scans and its merge pass read the inputs
     * block by block.
     *
     * @return the bytes written
     */
    long mergeWith(MergeMethod method, MergeInput input, ModelWideStatistics statistics) {
        MergeMethodCall.merge(method, methodId, input, this, statistics, () -> merged);
        return output.byteSize();
    }

    @Override
    public long elementCount() {
        return count;
    }

    @Override
    public int blockElements() {
        return blockElements;
    }

    @Override
    public int modelCount() {
        return models;
    }

    @Override
    public void scan(int fromBlock, Visitor visitor) {
        for (int b = Math.max(0, fromBlock); b < blockCount(); b++) {
            if (!visitor.visit(read(b))) {
                return;
            }
        }
    }

    @Override
    public void merge(Merger merger) {
        if (merged) {
            throw new IllegalStateException("tensor '" + tensor.name() + "' was already merged");
        }
        merged = true;
        DType outType = output.dtype();
        long inputBytes = inputs.stream().mapToLong(i -> i.info().byteSize()).sum();
        MemorySegment buffer = null; // the part being filled: consecutive blocks, written together
        long bufferStart = 0;
        long filled = 0;
        long advanced = 0;
        try (ThreadBuffers.Lease whole = parts != null ? null : ThreadBuffers.output(output.byteSize())) {
            for (int b = 0; b < blockCount(); b++) {
                TensorBlock block = read(b);
                int n = block.length();
                float[] out = n == blockElements ? arrays()[inputs.size()] : new float[n];
                merger.merge(block, out);
                long at = outType.byteSize(block.offset());
                long bytes = outType.byteSize(n);
                if (parts == null) {
                    encoder.encode(tensor.name(), out, n, whole.segment().asSlice(at, bytes));
                } else {
                    if (buffer != null && filled + bytes > buffer.byteSize()) {
                        parts.submit(output, bufferStart, buffer, filled);
                        buffer = null;
                    }
                    if (buffer == null) {
                        buffer = parts.buffer();
                        bufferStart = at;
                        filled = 0;
                    }
                    encoder.encode(tensor.name(), out, n, buffer.asSlice(filled, bytes));
                    filled += bytes;
                }
                long done = b == blockCount() - 1 ? inputBytes : inputBytes * (block.offset() + n) / count;
                progress.accept(done - advanced);
                advanced = done;
            }
            if (buffer != null) {
                parts.submit(output, bufferStart, buffer, filled);
            }
            if (parts == null) {
                writer.write(output, whole.segment());
            }
        }
    }

    /** Block {@code b} of every input, decoded and rounded to the working precision. */
    private TensorBlock read(int b) {
        long offset = (long) b * blockElements;
        int n = (int) Math.min(blockElements, count - offset);
        float[][] reused = arrays();
        float[][] values = new float[inputs.size()][];
        for (int i = 0; i < values.length; i++) {
            float[] target = n == blockElements ? reused[i] : new float[n];
            DType type = inputs.get(i).info().dtype();
            reader.read(sources[i], type, offset, n, target);
            if (type != plan.workingDtype()) {
                reader.round(target, n, plan.workingDtype());
            }
            values[i] = target;
        }
        float[][] modelValues = java.util.Arrays.copyOf(values, models);
        return new TensorBlock(b, offset, n, modelValues, tensor.base().isPresent() ? values[models] : null);
    }

    /** This thread's block arrays, at least one per input and one for the output. */
    private float[][] arrays() {
        float[][] arrays = ARRAYS.get();
        if (arrays.length < inputs.size() + 1 || (arrays.length > 0 && arrays[0].length != blockElements)) {
            arrays = new float[inputs.size() + 1][blockElements];
            ARRAYS.set(arrays);
        }
        return arrays;
    }
}
