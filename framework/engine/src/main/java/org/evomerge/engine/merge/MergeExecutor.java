package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.tensor.TensorReader;
import org.evomerge.engine.tensor.TensorScheduler;
import org.evomerge.engine.tensor.ThreadBuffers;

/**
 * Runs a {@link MergePlan}: the method's whole-model pre-pass if it asks for one ({@link MagnitudeThresholdPass}),
 * then every tensor as {@link TensorJob} planned it, in blocks ({@link BlockStream}) or whole
 * ({@link WholeTensorInputs}, {@link WholeTensorMerge}), on the run's threads under a memory budget
 * ({@link TensorScheduler}): a tensor starts only when the float arrays it needs fit, so peak memory stays near the
 * budget plus a few copies of the largest tensor whatever the model size. Each merged tensor is checked, encoded
 * ({@link MergedValueEncoder}) and handed to the writer. Each tensor's randomness is forked from the run seed by its
 * name, so results do not depend on the thread count.
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
        FloatArrayPool arrays = new FloatArrayPool(tensors.stream().mapToLong(TensorJob::wholeArrayBytes).max()
                .orElse(0));
        TensorScheduler scheduler = new TensorScheduler("merge", context.threads(),
                TensorJob.budget(tensors, budgetBytes));
        long totalBytes = tensors.stream().mapToLong(TensorJob::inputBytes).sum();
        List<TensorJob> jobs = TensorJob.plan(plan, descriptor, method, context);
        long largestPart = jobs.stream().filter(TensorJob::streamed)
                .mapToLong(j -> plan.outDtype().byteSize(TensorJob.elementCount(j.tensor()))).max().orElse(0);
        PartWriter parts = writer.writesInParts() && largestPart > 0
                ? new PartWriter(writer, Math.min(PartWriter.BUFFER_BYTES, largestPart)) : null;
        TensorCodecs codecs = context.compute().codecs();
        TensorReader reader = new TensorReader(codecs);
        MergedValueEncoder encoder = new MergedValueEncoder(plan, descriptor.id(), reader, codecs);
        long written = 0;
        boolean finished = false;
        try (ProgressReporter.Progress progress = context.progress().start("merging", totalBytes, "bytes")) {
            int[] done = new int[1];
            List<TensorScheduler.Task<Long>> tasks = new ArrayList<>();
            for (TensorJob job : TensorJob.executionOrder(jobs, scheduler)) {
                MergePlan.PlannedTensor tensor = job.tensor();
                tasks.add(new TensorScheduler.Task<>() {
                    @Override
                    public long workingBytes() {
                        return job.workingBytes();
                    }

                    @Override
                    public void startsAlone() {
                        if (arrays.keepOnly(TensorJob.elementCount(tensor))) {
                            // Nothing else is in flight and the pool has just dropped the layers' arrays: collect
                            // them now, so that the embedding's arrays take their place instead of stacking on top of
                            // them (without this, the peak resident memory was the layers' garbage plus the
                            // embedding's working set).
                            System.gc();
                        }
                    }

                    @Override
                    public Long run() {
                        long bytes;
                        if (job.streamed()) {
                            BlockStream blocks = new BlockStream(plan, descriptor.id(), tensor, reader, encoder,
                                    writer, parts, new TensorInfo(tensor.name(), plan.outDtype(),
                                    job.input().shape(), ""), progress::advance, BlockStream.BLOCK_ELEMENTS);
                            bytes = blocks.mergeWith(method, job.input(), statistics);
                        } else {
                            bytes = mergeWhole(plan, descriptor, method, writer, context, tensor, statistics, arrays,
                                    reader, encoder);
                            progress.advance(TensorJob.inputBytes(tensor));
                        }
                        synchronized (done) {
                            done[0]++;
                            progress.status("tensor " + done[0] + "/" + tensors.size());
                        }
                        return bytes;
                    }
                });
            }
            for (long bytes : scheduler.run(tasks)) {
                written += bytes;
            }
            if (parts != null) {
                parts.close(); // every part on disk (or the write failure) before the merge counts as done
            }
            finished = true;
        } finally {
            if (parts != null && !finished) {
                try {
                    parts.close();
                } catch (RuntimeException suppressed) {
                    // the merge already failed; that failure is the one to report
                }
            }
            ThreadBuffers.clearShared();
        }
        return new Summary(tensors.size(), totalBytes, written);
    }

    /** Merges one tensor whole, as one block, in arrays of the run's pool; returns the bytes written. */
    private static long mergeWhole(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method,
                                   ModelWriter writer, RunContext context, MergePlan.PlannedTensor tensor,
                                   ModelWideStatistics statistics, FloatArrayPool arrays, TensorReader reader,
                                   MergedValueEncoder encoder) {
        WholeTensorInputs prepared = WholeTensorInputs.prepare(plan, descriptor, context, tensor, arrays, reader);
        float[] merged = arrays.take(Math.toIntExact(prepared.input().elementCount()));
        try {
            WholeTensorMerge.merge(method, descriptor.id(), prepared.input(), prepared.models(), prepared.base(),
                    statistics, merged);
            TensorInfo info = new TensorInfo(tensor.name(), plan.outDtype(), prepared.input().shape(), "");
            // Layer-sized encode buffers are reused by this thread for the next tensor (the writer copies the bytes
            // out before returning; reuse spares zeroing and faulting in fresh memory every time). An
            // embedding-sized one is freed right after the write, so it does not stay resident for the rest of the
            // run on every thread.
            try (ThreadBuffers.Lease encoded = ThreadBuffers.output(info.byteSize())) {
                encoder.encode(tensor.name(), merged, merged.length, encoded.segment());
                writer.write(info, encoded.segment());
            }
            return info.byteSize();
        } finally {
            // The method has returned and the writer has copied the bytes out: the arrays can serve the next tensor.
            prepared.release(arrays);
            arrays.release(merged);
        }
    }
}
