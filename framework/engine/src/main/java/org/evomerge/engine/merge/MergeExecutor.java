package org.evomerge.engine.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.NaNScan;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.recipe.ParameterResolver;
import org.evomerge.engine.vocabulary.VocabularyAlignment;

/**
 * Runs a {@link MergePlan} one tensor at a time: decode the inputs to float32, align their shapes, resolve the
 * parameters, call the method, encode the result and hand it to the writer. Tensors run in parallel on the run's
 * threads, but a memory budget admits a tensor only when the float arrays it needs fit, so peak memory stays near
 * the budget plus a few copies of the largest tensor whatever the model size. Each tensor's randomness is forked
 * from the run seed by its name, so results do not depend on the thread count.
 */
public final class MergeExecutor {

    /** Memory for tensors in flight beyond the largest single one. */
    static final long DEFAULT_BUDGET_BYTES = 1L << 30;

    private MergeExecutor() {
    }

    /** Counts reported after a run. */
    public record Summary(int tensors, long bytesRead, long bytesWritten) {
    }

    public static Summary run(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method, ModelWriter writer,
                              RunContext context, long budgetBytes) {
        List<MergePlan.PlannedTensor> tensors = plan.tensors();
        ModelWideStatistics statistics = method.modelWideQuantiles().isEmpty() ? ModelWideStatistics.NONE
                : MagnitudeThresholdPass.run(plan, descriptor, method.modelWideQuantiles(), context, budgetBytes);
        long largest = tensors.stream().mapToLong(MergeExecutor::workingBytes).max().orElse(0);
        FloatArrayPool arrays = new FloatArrayPool(tensors.stream().mapToLong(MergeExecutor::arrayBytes).max().orElse(0));
        // Semaphore permits are KiB so that budgets beyond 2 GiB fit in an int.
        int permits = (int) Math.min(Integer.MAX_VALUE, Math.max(budgetBytes, largest) / 1024 + 1);
        Semaphore budget = new Semaphore(permits);
        long totalBytes = tensors.stream().mapToLong(t -> inputBytes(t)).sum();
        ExecutorService pool = Executors.newFixedThreadPool(context.threads(), runnable -> {
            Thread thread = new Thread(runnable, "evomerge-merge");
            thread.setDaemon(true);
            return thread;
        });
        long[] written = new long[1];
        List<Job> jobs = jobs(plan, descriptor, method, context);
        long largestPart = jobs.stream().filter(Job::streamed)
                .mapToLong(j -> plan.outDtype().byteSize(elementCount(j.tensor()))).max().orElse(0);
        PartWriter parts = writer.writesInParts() && largestPart > 0
                ? new PartWriter(writer, Math.min(PartWriter.BUFFER_BYTES, largestPart)) : null;
        boolean finished = false;
        try (ProgressReporter.Progress progress = context.progress().start("merging", totalBytes, "bytes")) {
            List<Future<Long>> results = new ArrayList<>();
            int[] done = new int[1];
            for (Job job : executionOrder(jobs, permits)) {
                MergePlan.PlannedTensor tensor = job.tensor();
                int cost = (int) Math.min(permits, job.workingBytes() / 1024 + 1);
                try {
                    budget.acquire(cost);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("merge interrupted", e);
                }
                if (cost == permits && arrays.keepOnly(elementCount(tensor))) {
                    // Nothing else is in flight and the pool has just dropped the layers' arrays: collect them now,
                    // so that the embedding's arrays take their place instead of stacking on top of them (without
                    // this, the peak resident memory was the layers' garbage plus the embedding's working set).
                    System.gc();
                }
                results.add(pool.submit(() -> {
                    try {
                        long bytes;
                        if (job.streamed()) {
                            bytes = mergeStreamed(plan, descriptor, method, writer, parts, context, tensor,
                                    job.input(), statistics, progress);
                        } else {
                            bytes = mergeOne(plan, descriptor, method, writer, context, tensor, statistics, arrays);
                            progress.advance(inputBytes(tensor));
                        }
                        synchronized (done) {
                            done[0]++;
                            progress.status("tensor " + done[0] + "/" + tensors.size());
                        }
                        return bytes;
                    } finally {
                        budget.release(cost);
                    }
                }));
                failFast(results);
            }
            for (Future<Long> result : results) {
                written[0] += await(result);
            }
            if (parts != null) {
                parts.close(); // every part on disk (or the write failure) before the merge counts as done
            }
            finished = true;
        } finally {
            pool.shutdownNow();
            if (parts != null && !finished) {
                try {
                    parts.close();
                } catch (RuntimeException suppressed) {
                    // the merge already failed; that failure is the one to report
                }
            }
            ThreadBuffers.clearShared();
        }
        return new Summary(tensors.size(), totalBytes, written[0]);
    }

    /**
     * One tensor to merge: streamed in blocks ({@code input} is what the method sees) or whole, as one block
     * ({@code input} is {@code null}: it is made once the inputs are decoded and cut to a common shape), and the float
     * bytes it holds meanwhile.
     */
    record Job(MergePlan.PlannedTensor tensor, MergeInput input, long workingBytes) {

        boolean streamed() {
            return input != null;
        }
    }

    /**
     * Decides for every tensor how it merges: in blocks when the engine can stream it (float inputs of one shape, not
     * rebuilt in another vocabulary) and the method does not need it whole; whole, as one block, otherwise.
     */
    static List<Job> jobs(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method, RunContext context) {
        List<Job> jobs = new ArrayList<>();
        for (MergePlan.PlannedTensor tensor : plan.tensors()) {
            MergeInput streamed = null;
            if (!tensor.rebuiltInVocabulary() && BlockStream.streams(tensor)) {
                MergeInput input = mergeInput(descriptor, context, tensor);
                if (!method.needsWholeTensor(input)) {
                    streamed = input;
                }
            }
            int inputs = tensor.inputs().size() + (tensor.base().isPresent() ? 1 : 0);
            jobs.add(new Job(tensor, streamed, streamed != null
                    ? BlockStream.workingBytes(inputs, BlockStream.BLOCK_ELEMENTS) : workingBytes(tensor)));
        }
        return jobs;
    }

    /**
     * The jobs with those that take the whole budget (embeddings, heads merged whole) moved to the end, in plan order
     * otherwise. The writer places every tensor by name, so the output does not change. Run first, the largest
     * arrays met the methods' vector kernels before the JIT had compiled them, when every step allocates: the heap
     * grew to hold that garbage next to the largest working set, and stayed that size for the rest of the merge.
     */
    static List<Job> executionOrder(List<Job> jobs, int permits) {
        List<Job> order = new ArrayList<>(jobs.size());
        List<Job> exclusive = new ArrayList<>();
        for (Job job : jobs) {
            (job.workingBytes() / 1024 + 1 >= permits ? exclusive : order).add(job);
        }
        order.addAll(exclusive);
        return order;
    }

    /** Rethrows the first failure of a finished task, so a broken merge stops early. */
    private static void failFast(List<Future<Long>> results) {
        for (Future<Long> f : results) {
            if (f.isDone()) {
                await(f);
            }
        }
    }

    private static long await(Future<Long> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("merge interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Float arrays alive while one tensor merges: every input, the output, and slack for the method's scratch. */
    static long workingBytes(MergePlan.PlannedTensor tensor) {
        long elements = elementCount(tensor);
        int arrays = tensor.inputs().size() + (tensor.base().isPresent() ? 1 : 0) + 3;
        return elements * Float.BYTES * arrays;
    }

    private static long elementCount(MergePlan.PlannedTensor tensor) {
        return tensor.inputs().isEmpty() ? tensor.base().orElseThrow().info().shape().elementCount()
                : tensor.inputs().getFirst().info().shape().elementCount();
    }

    /** The float arrays one tensor really holds: every input and the output (the pool's bound). */
    static long arrayBytes(MergePlan.PlannedTensor tensor) {
        long elements = elementCount(tensor);
        return elements * Float.BYTES * (tensor.inputs().size() + (tensor.base().isPresent() ? 1 : 0) + 1);
    }

    private static long inputBytes(MergePlan.PlannedTensor tensor) {
        long sum = tensor.inputs().stream().mapToLong(i -> i.info().byteSize()).sum();
        return sum + tensor.base().map(b -> b.info().byteSize()).orElse(0L);
    }

    private static long mergeOne(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method,
                                 ModelWriter writer, RunContext context, MergePlan.PlannedTensor tensor,
                                 ModelWideStatistics statistics, FloatArrayPool arrays) {
        TensorCodecs codecs = context.compute().codecs();
        Prepared prepared = prepare(plan, descriptor, context, tensor, arrays);
        float[] merged = arrays.take(Math.toIntExact(prepared.input().elementCount()));
        try {
            return mergePrepared(plan, descriptor, method, writer, codecs, tensor, prepared, statistics, merged);
        } finally {
            // The method has returned and the writer has copied the bytes out: the arrays can serve the next tensor.
            prepared.release(arrays);
            arrays.release(merged);
        }
    }

    private static long mergePrepared(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method,
                                      ModelWriter writer, TensorCodecs codecs, MergePlan.PlannedTensor tensor,
                                      Prepared prepared, ModelWideStatistics statistics, float[] merged) {
        Shape shape = prepared.input().shape();
        WholeTensorMerge.merge(method, descriptor.id(), prepared.input(), prepared.models(), prepared.base(), statistics,
                merged);
        if (NaNScan.any(merged)) {
            throw EvomergeException.input(tensor.name() + ": merge method '" + descriptor.id()
                    + "' produced NaN (are the inputs finite?)", null);
        }
        if (plan.outDtype() != plan.workingDtype()) {
            // Encoding to the working dtype rounds exactly as this would: only a different output dtype needs it.
            roundTo(merged, plan.workingDtype(), codecs);
        }
        TensorInfo info = new TensorInfo(tensor.name(), plan.outDtype(), shape, "");
        // Layer-sized encode buffers are reused by this thread for the next tensor (the writer copies the bytes out
        // before returning; reuse spares zeroing and faulting in fresh memory every time). An embedding-sized one is
        // freed right after the write, so it does not stay resident for the rest of the run on every thread.
        try (ThreadBuffers.Lease encoded = ThreadBuffers.output(info.byteSize())) {
            codecs.fromFloat(merged, plan.outDtype(), encoded.segment(), merged.length);
            writer.write(info, encoded.segment());
        }
        return info.byteSize();
    }

    /** Merges one tensor in blocks: the method's scans and merge pass read the inputs block by block. */
    private static long mergeStreamed(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method,
                                      ModelWriter writer, PartWriter parts, RunContext context,
                                      MergePlan.PlannedTensor tensor,
                                      MergeInput input, ModelWideStatistics statistics,
                                      ProgressReporter.Progress progress) {
        TensorInfo info = new TensorInfo(tensor.name(), plan.outDtype(), input.shape(), "");
        BlockStream blocks = new BlockStream(plan, descriptor.id(), tensor, context.compute().codecs(), writer, parts,
                info, progress::advance, BlockStream.BLOCK_ELEMENTS);
        try {
            method.merge(input, blocks, statistics);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(descriptor.id() + ": " + e.getMessage(), e);
        }
        if (!blocks.merged()) {
            throw new IllegalStateException(descriptor.id() + ": tensor '" + tensor.name()
                    + "' was not merged (merge returned without a merge pass)");
        }
        return info.byteSize();
    }

    /** What the method sees for a tensor streamed in blocks: names, shape and resolved parameters. */
    static MergeInput mergeInput(ExtensionDescriptor descriptor, RunContext context, MergePlan.PlannedTensor tensor) {
        List<InputModel> models = new ArrayList<>();
        for (MergePlan.PlannedInput in : tensor.inputs()) {
            models.add(new InputModel(in.modelName(), parameters(descriptor, EnumSet.of(ParameterScope.PER_MODEL),
                    tensor, in.levels(), true, in.modelName())));
        }
        Optional<InputModel> base = tensor.base().map(b -> new InputModel(b.modelName(), parameters(descriptor,
                EnumSet.of(ParameterScope.PER_MODEL), tensor, b.levels(), false, b.modelName())));
        Parameters tensorParameters = parameters(descriptor, EnumSet.of(ParameterScope.PER_TENSOR), tensor,
                tensor.tensorLevels(), true, null);
        return new MergeInput(tensor.name(), tensor.shape(), models, base, tensorParameters,
                context.random().fork(tensor.name()));
    }

    /**
     * A tensor decoded whole: what the method sees (the common shape the inputs were cut to) and every input's
     * values, in arrays of the run's {@link FloatArrayPool}.
     *
     * @param models the non-base inputs' values, in {@code input.models()} order
     * @param base   the base's values, or {@code null}
     */
    record Prepared(MergeInput input, float[][] models, float[] base) {

        /** Gives the arrays back to the pool, once the method and the writer are done with them. */
        void release(FloatArrayPool arrays) {
            for (float[] values : models) {
                arrays.release(values);
            }
            if (base != null) {
                arrays.release(base);
            }
        }
    }

    /**
     * Everything the method sees for one tensor: inputs decoded and rounded to the working precision, rebuilt in the
     * output vocabulary when the recipe asks, cut to a common shape, with resolved and validated parameters.
     */
    static Prepared prepare(MergePlan plan, ExtensionDescriptor descriptor, RunContext context,
                            MergePlan.PlannedTensor tensor, FloatArrayPool arrays) {
        TensorCodecs codecs = context.compute().codecs();
        List<Loaded> inputs = new ArrayList<>();
        for (MergePlan.PlannedInput input : tensor.inputs()) {
            inputs.add(load(input, plan.workingDtype(), codecs, arrays));
        }
        Optional<Loaded> loadedBase = tensor.base().map(b -> load(b, plan.workingDtype(), codecs, arrays));
        if (tensor.rebuiltInVocabulary()) {
            VocabularyRows rows = toVocabulary(plan, tensor, inputs, loadedBase, codecs);
            inputs = rows.inputs();
            loadedBase = rows.base();
        }
        Aligned aligned = align(tensor, inputs, loadedBase);
        Shape shape = aligned.shape();
        inputs = aligned.inputs();
        Optional<Loaded> base = aligned.base();

        List<InputModel> models = new ArrayList<>();
        float[][] values = new float[inputs.size()][];
        for (int m = 0; m < values.length; m++) {
            Loaded in = inputs.get(m);
            models.add(new InputModel(in.input().modelName(), parameters(descriptor,
                    EnumSet.of(ParameterScope.PER_MODEL), tensor, in.input().levels(), true, in.input().modelName())));
            values[m] = in.values();
        }
        Optional<InputModel> baseModel = base.map(b -> new InputModel(b.input().modelName(),
                parameters(descriptor, EnumSet.of(ParameterScope.PER_MODEL), tensor, b.input().levels(), false,
                        b.input().modelName())));
        Parameters tensorParameters = parameters(descriptor, EnumSet.of(ParameterScope.PER_TENSOR), tensor,
                tensor.tensorLevels(), true, null);
        return new Prepared(new MergeInput(tensor.name(), shape, models, baseModel, tensorParameters,
                context.random().fork(tensor.name())), values, base.map(Loaded::values).orElse(null));
    }

    private record Loaded(MergePlan.PlannedInput input, Shape shape, float[] values) {
    }

    private record Aligned(Shape shape, List<Loaded> inputs, Optional<Loaded> base) {
    }

    private static Loaded load(MergePlan.PlannedInput input, DType working, TensorCodecs codecs,
                               FloatArrayPool arrays) {
        TensorInfo info = input.info();
        if (!info.dtype().isFloatingPoint()) {
            throw EvomergeException.input(input.modelName() + ": tensor '" + info.name() + "' is " + info.dtype()
                    + ", which merge methods cannot combine", null);
        }
        long count = info.shape().elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw EvomergeException.input(input.modelName() + ": tensor '" + info.name() + "' has " + count
                    + " elements, more than evomerge merges in one piece (2^31)", null);
        }
        Tensor tensor = input.model().tensors().tensor(input.tensorName());
        float[] values = arrays.take((int) count);
        // Stream the bytes with positional reads in chunks: the memory mapping is never touched, so input pages
        // stay in the page cache instead of counting towards the process's resident memory.
        int chunk = (int) Math.min(count, DECODE_CHUNK_ELEMENTS);
        // A tensor of one chunk decodes straight into its array; larger ones go through this thread's chunk array
        // (the backend decodes to the start of an array), never a fresh one per tensor.
        float[] decoded = count <= chunk ? values : ThreadBuffers.chunk(chunk);
        MemorySegment bytes = ThreadBuffers.get(info.dtype().byteSize(chunk));
        for (int done = 0; done < count; done += chunk) {
            int n = (int) Math.min(chunk, count - done);
            MemorySegment slice = bytes.asSlice(0, info.dtype().byteSize(n));
            tensor.read(info.dtype().byteSize(done), slice);
            codecs.toFloat(slice, info.dtype(), decoded, n);
            if (decoded != values) {
                System.arraycopy(decoded, 0, values, done, n);
            }
        }
        if (info.dtype() != working) {
            roundTo(values, working, codecs);
        }
        return new Loaded(input, info.shape(), values);
    }

    private record VocabularyRows(List<Loaded> inputs, Optional<Loaded> base) {
    }

    /**
     * Rebuilds every input's embedding or head in the output vocabulary's order (the recipe's tokenizer settings), then
     * rounds the rebuilt rows (means) to the working precision as the inputs were.
     */
    private static VocabularyRows toVocabulary(MergePlan plan, MergePlan.PlannedTensor tensor, List<Loaded> inputs,
                                               Optional<Loaded> base, TensorCodecs codecs) {
        VocabularyAlignment vocabulary = plan.vocabulary().orElseThrow();
        List<Loaded> all = new ArrayList<>(inputs);
        base.ifPresent(all::add);
        long hidden = all.getFirst().shape().rank() == 2 ? all.getFirst().shape().dim(1) : -1;
        for (Loaded l : all) {
            if (l.shape().rank() != 2 || l.shape().dim(1) != hidden) {
                StringBuilder shapes = new StringBuilder();
                all.forEach(x -> shapes.append(shapes.isEmpty() ? "" : ", ").append(x.input().modelName()).append(' ')
                        .append(x.shape()));
                throw EvomergeException.input(tensor.name() + ": vocabulary alignment needs [vocab, hidden] matrices"
                        + " with the same hidden size (" + shapes + ")", null);
            }
        }
        List<float[]> rows = vocabulary.align(tensor.name(), all.stream().map(l -> l.input().modelName()).toList(),
                all.stream().map(Loaded::values).toList(), (int) hidden);
        Shape shape = tensor.shape();
        List<Loaded> aligned = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            float[] values = rows.get(i);
            roundTo(values, plan.workingDtype(), codecs);
            aligned.add(new Loaded(all.get(i).input(), shape, values));
        }
        Optional<Loaded> alignedBase = base.map(b -> aligned.getLast());
        return new VocabularyRows(aligned.subList(0, inputs.size()), alignedBase);
    }

    /** Elements decoded per read: 4 MB of float32, a whole number of every block type's blocks. */
    static final int DECODE_CHUNK_ELEMENTS = 1 << 20;

    /** Rounds values to the working precision (mergekit casts inputs and results to its dtype). */
    private static void roundTo(float[] values, DType working, TensorCodecs codecs) {
        if (working == DType.F32 || values.length == 0) {
            return;
        }
        int chunk = Math.min(values.length, DECODE_CHUNK_ELEMENTS);
        float[] part = ThreadBuffers.chunk(chunk);
        MemorySegment buffer = ThreadBuffers.get(working.byteSize(chunk));
        for (int done = 0; done < values.length; done += chunk) {
            int n = Math.min(chunk, values.length - done);
            System.arraycopy(values, done, part, 0, n);
            codecs.fromFloat(part, working, buffer, n);
            codecs.toFloat(buffer, working, part, n);
            System.arraycopy(part, 0, values, done, n);
        }
    }

    /**
     * Makes every input the output's shape, as mergekit does: vocabulary tensors (embeddings, heads) are cut to the
     * block all inputs share, which the plan decided; any other mismatch is an error naming the tensor and the models.
     */
    private static Aligned align(MergePlan.PlannedTensor tensor, List<Loaded> inputs, Optional<Loaded> base) {
        List<Loaded> all = new ArrayList<>(inputs);
        base.ifPresent(all::add);
        Shape first = all.getFirst().shape();
        if (all.stream().allMatch(l -> l.shape().equals(first))) {
            return new Aligned(first, inputs, base);
        }
        boolean vocabulary = MergePlanner.isVocabularyTensor(tensor.placement())
                && all.stream().allMatch(l -> l.shape().rank() == 2);
        if (!vocabulary) {
            StringBuilder shapes = new StringBuilder();
            all.forEach(l -> shapes.append(shapes.isEmpty() ? "" : ", ").append(l.input().modelName()).append(' ')
                    .append(l.shape()));
            throw EvomergeException.input(tensor.name() + ": shapes differ (" + shapes + ")", null);
        }
        long rows = tensor.shape().dim(0);
        long cols = tensor.shape().dim(1);
        List<Loaded> cutInputs = inputs.stream().map(l -> cut(l, rows, cols)).toList();
        return new Aligned(tensor.shape(), cutInputs, base.map(b -> cut(b, rows, cols)));
    }

    private static Loaded cut(Loaded loaded, long rows, long cols) {
        long oldCols = loaded.shape().dim(1);
        if (loaded.shape().dim(0) == rows && oldCols == cols) {
            return loaded;
        }
        float[] out = new float[(int) (rows * cols)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(loaded.values(), (int) (r * oldCols), out, (int) (r * cols), (int) cols);
        }
        return new Loaded(loaded.input(), Shape.of(rows, cols), out);
    }

    /** Resolves and validates one scope of parameters for a tensor from its precedence levels. */
    private static Parameters parameters(ExtensionDescriptor descriptor, EnumSet<ParameterScope> scopes,
                                         MergePlan.PlannedTensor tensor,
                                         List<Map<String, org.evomerge.engine.recipe.ParameterValue>> levels,
                                         boolean enforceRequired, String modelName) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (ParameterSpec spec : descriptor.parameters().parameters()) {
            if (!scopes.contains(spec.scope())) {
                continue;
            }
            ParameterResolver.resolve(spec.name(), tensor.name(), tensor.position(), levels)
                    .ifPresent(v -> raw.put(spec.name(), v));
        }
        try {
            return ParameterValidator.validate(descriptor, raw, scopes, enforceRequired);
        } catch (EvomergeException e) {
            throw EvomergeException.configuration((modelName == null ? "" : "model '" + modelName + "', ")
                    + "tensor '" + tensor.name() + "': " + e.getMessage());
        }
    }
}
