package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MagnitudeQuantile;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.engine.tensor.TensorReader;
import org.evomerge.engine.tensor.TensorScheduler;

/**
 * The whole-model pre-pass behind {@link MagnitudeQuantile}: for every non-base model, the magnitude threshold of its
 * task vector over all the tensors it takes part in, in bounded memory. Non-negative floats order like their raw
 * bits, so two streaming passes find the exact k-th largest |δ| with two 65,536-bucket histograms per model: the first
 * counts the top 16 bits of every |δ| and locates the bucket holding the k-th largest; the second counts the low 16 bits
 * of the elements in that bucket. Each pass reads every input tensor once (as the merge does), in parallel under the
 * merge's memory budget; the result does not depend on the thread count (counts are integers, and the fractions are
 * summed in tensor order).
 */
final class MagnitudeThresholdPass {

    private static final int BUCKETS = 1 << 16;

    private MagnitudeThresholdPass() {
    }

    static ModelWideStatistics run(MergePlan plan, ExtensionDescriptor descriptor, List<MagnitudeQuantile> quantiles,
                                   RunContext context, long budgetBytes) {
        List<MergePlan.PlannedTensor> tensors = plan.tensors().stream().filter(t -> t.base().isPresent()).toList();
        // Pass 1: per model, a histogram of the top bits of |δ|, its element count, and each quantile's Σ fraction·n
        // per tensor (summed afterwards in tensor order).
        Map<String, long[]> high = new LinkedHashMap<>();
        Map<String, Long> elements = new LinkedHashMap<>();
        Map<String, double[][]> counted = new LinkedHashMap<>();
        for (MergePlan.PlannedTensor t : tensors) {
            for (MergePlan.PlannedInput in : t.inputs()) {
                high.computeIfAbsent(in.modelName(), m -> new long[BUCKETS]);
                counted.computeIfAbsent(in.modelName(), m -> new double[quantiles.size()][tensors.size()]);
            }
        }
        forEachTensor(plan, descriptor, tensors, context, budgetBytes, "whole-model magnitudes (1/2)", (index, tensor) -> {
            int[] local = new int[BUCKETS];
            MergeInput input = tensor.input();
            for (int m = 0; m < tensor.models().length; m++) {
                InputModel model = input.models().get(m);
                java.util.Arrays.fill(local, 0);
                float[] x = tensor.models()[m];
                float[] b = tensor.base();
                for (int i = 0; i < x.length; i++) {
                    local[Float.floatToRawIntBits(Math.abs(x[i] - b[i])) >>> 16]++;
                }
                if (local[0x7F80] > 0 || hasNaN(local)) {
                    throw EvomergeException.input(input.tensorName() + ": model '" + model.model()
                            + "' has non-finite task-vector values; no magnitude threshold exists", null);
                }
                double[][] perQuantile = counted.get(model.model());
                long[] histogram = high.get(model.model());
                synchronized (histogram) {
                    for (int k = 0; k < BUCKETS; k++) {
                        histogram[k] += local[k];
                    }
                    for (int q = 0; q < quantiles.size(); q++) {
                        double fraction = Math.clamp(quantiles.get(q).keptFraction()
                                .applyAsDouble(model.parameters()), 0.0, 1.0);
                        perQuantile[q][index] = fraction * x.length;
                    }
                }
            }
        });
        for (Map.Entry<String, long[]> e : high.entrySet()) {
            long n = 0;
            for (long c : e.getValue()) {
                n += c;
            }
            elements.put(e.getKey(), n);
        }
        // Where each threshold lies: +inf (k = 0), 0 (k = n), or a rank within one top-bits bucket.
        Map<String, Float> thresholds = new HashMap<>();
        Map<String, long[]> low = new LinkedHashMap<>();
        Map<String, int[]> bucketOf = new HashMap<>();
        Map<String, long[]> rankOf = new HashMap<>();
        for (String model : high.keySet()) {
            long n = elements.get(model);
            for (int q = 0; q < quantiles.size(); q++) {
                double sum = 0;
                for (double v : counted.get(model)[q]) {
                    sum += v;
                }
                long k = Math.min(n, (long) Math.floor(sum));
                String key = key(quantiles.get(q).name(), model);
                if (k <= 0) {
                    thresholds.put(key, Float.POSITIVE_INFINITY);
                    continue;
                }
                if (k >= n) {
                    thresholds.put(key, 0f);
                    continue;
                }
                long ascending = n - k; // 0-based ascending position of the k-th largest
                long[] histogram = high.get(model);
                int bucket = 0;
                long before = 0;
                while (before + histogram[bucket] <= ascending) {
                    before += histogram[bucket++];
                }
                bucketOf.put(key, new int[] {bucket});
                rankOf.put(key, new long[] {ascending - before});
                low.computeIfAbsent(model + "\u0000" + bucket, x -> new long[BUCKETS]);
            }
        }
        if (!low.isEmpty()) {
            forEachTensor(plan, descriptor, tensors, context, budgetBytes, "whole-model magnitudes (2/2)",
                    (index, tensor) -> {
                        for (int m = 0; m < tensor.models().length; m++) {
                            InputModel model = tensor.input().models().get(m);
                            float[] x = tensor.models()[m];
                            float[] b = tensor.base();
                            for (Map.Entry<String, long[]> e : low.entrySet()) {
                                String[] parts = e.getKey().split("\u0000");
                                if (!parts[0].equals(model.model())) {
                                    continue;
                                }
                                int bucket = Integer.parseInt(parts[1]);
                                int[] local = new int[BUCKETS];
                                for (int i = 0; i < x.length; i++) {
                                    int bits = Float.floatToRawIntBits(Math.abs(x[i] - b[i]));
                                    if (bits >>> 16 == bucket) {
                                        local[bits & 0xFFFF]++;
                                    }
                                }
                                long[] histogram = e.getValue();
                                synchronized (histogram) {
                                    for (int k = 0; k < BUCKETS; k++) {
                                        histogram[k] += local[k];
                                    }
                                }
                            }
                        }
                    });
        }
        for (Map.Entry<String, int[]> e : bucketOf.entrySet()) {
            String key = e.getKey();
            String model = key.substring(key.indexOf('\u0000') + 1);
            int bucket = e.getValue()[0];
            long[] histogram = low.get(model + "\u0000" + bucket);
            long rank = rankOf.get(key)[0];
            int lowBits = 0;
            while (histogram[lowBits] <= rank) {
                rank -= histogram[lowBits++];
            }
            thresholds.put(key, Float.intBitsToFloat((bucket << 16) | lowBits));
        }
        return (quantile, model) -> {
            Float t = thresholds.get(key(quantile, model));
            if (t == null) {
                throw EvomergeException.configuration("no magnitude threshold '" + quantile + "' for model '" + model
                        + "' (it is the base, or takes part in no tensor that has a base)");
            }
            return t;
        };
    }

    private static String key(String quantile, String model) {
        return quantile + "\u0000" + model;
    }

    /** Buckets above +inf's (0x7F80) hold NaN bit patterns. */
    private static boolean hasNaN(int[] histogram) {
        for (int k = 0x7F81; k < 0x8000; k++) {
            if (histogram[k] > 0) {
                return true;
            }
        }
        return false;
    }

    private interface TensorVisitor {
        void visit(int index, WholeTensorInputs tensor);
    }

    /** Prepares every tensor as the merge will (in parallel, under the budget) and hands it to {@code visitor}. */
    private static void forEachTensor(MergePlan plan, ExtensionDescriptor descriptor,
                                      List<MergePlan.PlannedTensor> tensors, RunContext context, long budgetBytes,
                                      String label, TensorVisitor visitor) {
        TensorScheduler scheduler = new TensorScheduler("pre-pass", context.threads(),
                TensorJob.budget(tensors, budgetBytes));
        long total = tensors.stream().mapToLong(TensorJob::wholeWorkingBytes).sum();
        FloatArrayPool arrays = new FloatArrayPool(tensors.stream().mapToLong(TensorJob::wholeArrayBytes).max()
                .orElse(0));
        TensorReader reader = new TensorReader(context.compute().codecs());
        try (ProgressReporter.Progress progress = context.progress().start(label, total, "bytes")) {
            List<TensorScheduler.Task<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                MergePlan.PlannedTensor tensor = tensors.get(i);
                int index = i;
                tasks.add(new TensorScheduler.Task<>() {
                    @Override
                    public long workingBytes() {
                        return TensorJob.wholeWorkingBytes(tensor);
                    }

                    @Override
                    public Void run() {
                        WholeTensorInputs prepared = WholeTensorInputs.prepare(plan, descriptor, context, tensor,
                                arrays, reader);
                        visitor.visit(index, prepared);
                        prepared.release(arrays);
                        progress.advance(TensorJob.wholeWorkingBytes(tensor));
                        return null;
                    }
                });
            }
            scheduler.run(tasks);
        }
    }
}
