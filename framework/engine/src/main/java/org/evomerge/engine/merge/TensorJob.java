package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.engine.tensor.TensorScheduler;

/**
 * How one planned tensor merges: streamed in blocks ({@code input} is what the method sees) or whole, as one block
 * ({@code input} is {@code null}: it is made once the inputs are decoded and cut to a common shape), and the float
 * bytes it holds meanwhile (its cost under the merge's memory budget).
 */
record TensorJob(MergePlan.PlannedTensor tensor, MergeInput input, long workingBytes) {

    boolean streamed() {
        return input != null;
    }

    /**
     * Decides for every tensor how it merges: in blocks when the engine can stream it (float inputs of one shape, not
     * rebuilt in another vocabulary) and the method does not need it whole; whole, as one block, otherwise.
     */
    static List<TensorJob> plan(MergePlan plan, ExtensionDescriptor descriptor, MergeMethod method,
                                RunContext context) {
        List<TensorJob> jobs = new ArrayList<>();
        for (MergePlan.PlannedTensor tensor : plan.tensors()) {
            MergeInput streamed = null;
            if (!tensor.rebuiltInVocabulary() && BlockStream.streams(tensor)) {
                MergeInput input = TensorParameters.mergeInput(descriptor, context, tensor, tensor.shape());
                if (!method.needsWholeTensor(input)) {
                    streamed = input;
                }
            }
            jobs.add(new TensorJob(tensor, streamed, streamed != null
                    ? BlockStream.workingBytes(inputCount(tensor), BlockStream.BLOCK_ELEMENTS)
                    : wholeWorkingBytes(tensor)));
        }
        return jobs;
    }

    /**
     * The jobs with those that take the whole budget (embeddings, heads merged whole) moved to the end, in plan order
     * otherwise. The writer places every tensor by name, so the output does not change. Run first, the largest
     * arrays met the methods' vector kernels before the JIT had compiled them, when every step allocates: the heap
     * grew to hold that garbage next to the largest working set, and stayed that size for the rest of the merge.
     */
    static List<TensorJob> executionOrder(List<TensorJob> jobs, TensorScheduler scheduler) {
        List<TensorJob> order = new ArrayList<>(jobs.size());
        List<TensorJob> alone = new ArrayList<>();
        for (TensorJob job : jobs) {
            (scheduler.runsAlone(job.workingBytes()) ? alone : order).add(job);
        }
        order.addAll(alone);
        return order;
    }

    /** Float arrays alive while a tensor merges whole: every input, the output, and slack for the method's scratch. */
    static long wholeWorkingBytes(MergePlan.PlannedTensor tensor) {
        return elementCount(tensor) * Float.BYTES * (inputCount(tensor) + 3);
    }

    /** The float arrays a tensor merged whole really holds: every input and the output (the pool's bound). */
    static long wholeArrayBytes(MergePlan.PlannedTensor tensor) {
        return elementCount(tensor) * Float.BYTES * (inputCount(tensor) + 1);
    }

    /** The merge's memory budget: at least the largest tensor merged whole, so that one can always run. */
    static long budget(List<MergePlan.PlannedTensor> tensors, long budgetBytes) {
        return Math.max(budgetBytes, tensors.stream().mapToLong(TensorJob::wholeWorkingBytes).max().orElse(0));
    }

    /** Elements of each input (the inputs' count; an output cut to a common block is smaller). */
    static long elementCount(MergePlan.PlannedTensor tensor) {
        return tensor.inputs().isEmpty() ? tensor.base().orElseThrow().info().shape().elementCount()
                : tensor.inputs().getFirst().info().shape().elementCount();
    }

    /** Stored bytes of every input, base included: what the merge reads for this tensor. */
    static long inputBytes(MergePlan.PlannedTensor tensor) {
        long sum = tensor.inputs().stream().mapToLong(i -> i.info().byteSize()).sum();
        return sum + tensor.base().map(b -> b.info().byteSize()).orElse(0L);
    }

    private static int inputCount(MergePlan.PlannedTensor tensor) {
        return tensor.inputs().size() + (tensor.base().isPresent() ? 1 : 0);
    }
}
