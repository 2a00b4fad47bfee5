package org.evomerge.engine.kinship;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.tensor.TensorReader;
import org.evomerge.engine.tensor.TensorScheduler;

/**
 * Kinship of task vectors (each model minus a common base), as in the Model Kinship paper: Pearson correlation,
 * cosine similarity and Euclidean distance, over all tensors flattened together or tensor by tensor, in full
 * precision or int8.
 *
 * <p>Models are streamed through the {@link TensorReader}: each worker reads one chunk of one tensor from the base and
 * every model, so memory is a few chunks per thread whatever the model size. Tensors run in parallel on
 * {@code threads} threads ({@link TensorScheduler}, no memory budget: a task holds a few chunks); their
 * statistics are combined in the base's tensor order, so the result does not depend on the thread count. Every
 * statistic is accumulated in double (or exactly in integers for int8).
 *
 * <p>Thread-safe: one calculator can serve concurrent calls (e.g. a search strategy asking for the kinship of its
 * top candidates).
 */
public final class KinshipCalculator {

    /** A model with the name errors and reports use for it. */
    public record NamedModel(String name, Model model) {
        public NamedModel {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(model, "model");
        }
    }

    private final ComputeBackend compute;
    private final TensorReader reader;
    private final TensorScheduler scheduler;
    private final int chunkElements;

    public KinshipCalculator(ComputeBackend compute, int threads) {
        this(compute, threads, TensorReader.CHUNK_ELEMENTS);
    }

    /** With a chunk size: tests use small chunks to exercise combining chunks inside a tensor. */
    KinshipCalculator(ComputeBackend compute, int threads, int chunkElements) {
        this.compute = Objects.requireNonNull(compute, "compute");
        this.scheduler = new TensorScheduler("kinship", threads, TensorScheduler.UNBOUNDED);
        if (chunkElements < 256 || chunkElements % 256 != 0) {
            throw new IllegalArgumentException("chunk must be a positive multiple of 256 elements");
        }
        this.reader = new TensorReader(compute.codecs());
        this.chunkElements = chunkElements;
    }

    /** A calculator on the run's compute backend and threads. */
    public static KinshipCalculator of(RunContext context) {
        return new KinshipCalculator(context.compute(), context.threads());
    }

    /**
     * The kinship of {@code models} to each other, relative to {@code base}.
     *
     * @throws EvomergeException (input) naming the model and tensor when a model's tensors differ from the base's in
     *                           names or shapes, or a stored type cannot be decoded
     */
    public KinshipResult compute(NamedModel base, List<NamedModel> models, KinshipOptions options) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("no models to compare");
        }
        List<TensorInfo> compared = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (TensorInfo t : base.model().tensors().tensors()) {
            if (t.dtype().isFloatingPoint()) {
                compared.add(t);
            } else {
                skipped.add(t.name());
            }
        }
        checkLayout(base, models);
        List<TaskVectorStatistics> perTensor = runInParallel(base, models, compared, options.precision());
        TaskVectorStatistics whole = TaskVectorStatistics.empty(models.size());
        List<TensorKinship> tensors = new ArrayList<>();
        for (int t = 0; t < compared.size(); t++) {
            whole = whole.combine(perTensor.get(t));
            if (options.perTensor()) {
                tensors.add(new TensorKinship(compared.get(t).name(), compared.get(t).shape(),
                        perTensor.get(t)));
            }
        }
        return new KinshipResult(models.stream().map(NamedModel::name).toList(), options, whole, tensors, skipped);
    }

    /** The whole-model kinship of two models relative to {@code base}, in full precision. */
    public double kinship(NamedModel base, NamedModel a, NamedModel b, KinshipMetric metric) {
        return compute(base, List.of(a, b), KinshipOptions.defaults()).matrix(metric)[0][1];
    }

    private static void checkLayout(NamedModel base, List<NamedModel> models) {
        Map<String, TensorInfo> baseTensors = new HashMap<>();
        for (TensorInfo t : base.model().tensors().tensors()) {
            baseTensors.put(t.name(), t);
        }
        for (NamedModel m : models) {
            Map<String, TensorInfo> own = new HashMap<>();
            for (TensorInfo t : m.model().tensors().tensors()) {
                own.put(t.name(), t);
                TensorInfo b = baseTensors.get(t.name());
                if (b == null) {
                    throw EvomergeException.input(m.name() + ": tensor '" + t.name() + "' is not in the base "
                            + base.name(), null);
                }
                if (!b.shape().equals(t.shape())) {
                    throw EvomergeException.input(m.name() + ": tensor '" + t.name() + "' has shape " + t.shape()
                            + ", the base " + base.name() + " has " + b.shape(), null);
                }
                if (b.dtype().isFloatingPoint() && !t.dtype().isFloatingPoint()) {
                    throw EvomergeException.input(m.name() + ": tensor '" + t.name() + "' is " + t.dtype()
                            + ", not a real-valued type like the base's " + b.dtype(), null);
                }
            }
            for (TensorInfo b : base.model().tensors().tensors()) {
                if (!own.containsKey(b.name())) {
                    throw EvomergeException.input(m.name() + ": has no tensor '" + b.name() + "' (the base "
                            + base.name() + " has it)", null);
                }
            }
        }
    }

    private List<TaskVectorStatistics> runInParallel(NamedModel base, List<NamedModel> models, List<TensorInfo> tensors,
                                                 KinshipPrecision precision) {
        long taskBytes = (long) (models.size() + 1) * chunkElements * Float.BYTES;
        return scheduler.run(tensors.stream().map(t -> new TensorScheduler.Task<TaskVectorStatistics>() {
            @Override
            public long workingBytes() {
                return taskBytes;
            }

            @Override
            public TaskVectorStatistics run() {
                return statistics(base, models, t, precision);
            }
        }).toList());
    }

    /** Reads one tensor of every model chunk by chunk; per-thread state lives only inside this call. */
    private TaskVectorStatistics statistics(NamedModel base, List<NamedModel> models, TensorInfo info,
                                            KinshipPrecision precision) {
        long count = info.shape().elementCount();
        int k = models.size();
        ChunkReader baseReader = new ChunkReader(base, info.name());
        List<ChunkReader> readers = models.stream().map(m -> new ChunkReader(m, info.name())).toList();
        return precision == KinshipPrecision.FULL
                ? fullPrecision(baseReader, readers, count, k)
                : int8(baseReader, readers, count, k);
    }

    private TaskVectorStatistics fullPrecision(ChunkReader base, List<ChunkReader> models, long count, int k) {
        TaskVectorStatistics total = TaskVectorStatistics.empty(k);
        for (long done = 0; done < count; done += chunkElements) {
            int n = (int) Math.min(chunkElements, count - done);
            float[] baseValues = base.read(done, n);
            float[][] deltas = new float[k][];
            for (int m = 0; m < k; m++) {
                float[] values = models.get(m).read(done, n);
                float[] delta = new float[n];
                for (int e = 0; e < n; e++) {
                    delta[e] = values[e] - baseValues[e];
                }
                deltas[m] = delta;
            }
            total = total.combine(chunkStatistics(deltas, n));
        }
        return total;
    }

    /**
     * Statistics of one chunk. Dot products use the backend (float products are exact in double, so accumulating
     * them in double loses nothing); the co-moments subtract the chunk means afterwards, which is accurate because
     * task vectors are centred near zero, and chunks combine with the exact pairwise update.
     */
    private TaskVectorStatistics chunkStatistics(float[][] deltas, int n) {
        int k = deltas.length;
        double[] mean = new double[k];
        for (int m = 0; m < k; m++) {
            double sum = 0;
            for (float v : deltas[m]) {
                sum += v;
            }
            mean[m] = sum / n;
        }
        double[] dot = new double[k * k];
        double[] comoment = new double[k * k];
        double[] distance = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                double d = i == j ? compute.vectors().sumOfSquares(deltas[i]) : compute.vectors().dot(deltas[i], deltas[j]);
                double c = d - n * mean[i] * mean[j];
                double e = 0;
                if (i != j) {
                    // Accumulated directly, with the difference in double: Σa² + Σb² − 2Σab cancels badly for
                    // near-identical task vectors, and a float difference would round.
                    float[] a = deltas[i];
                    float[] b = deltas[j];
                    for (int x = 0; x < n; x++) {
                        double diff = (double) a[x] - b[x];
                        e += diff * diff;
                    }
                }
                set(dot, k, i, j, d);
                set(comoment, k, i, j, i == j ? Math.max(0, c) : c);
                set(distance, k, i, j, e);
            }
        }
        return new TaskVectorStatistics(k, n, mean, comoment, dot, distance);
    }

    /**
     * Int8: a first pass finds each task vector's largest magnitude in this tensor, a second quantises and sums
     * products exactly in longs; scaling back happens once per tensor.
     */
    private TaskVectorStatistics int8(ChunkReader base, List<ChunkReader> models, long count, int k) {
        double[] maxAbs = new double[k];
        for (long done = 0; done < count; done += chunkElements) {
            int n = (int) Math.min(chunkElements, count - done);
            float[] baseValues = base.read(done, n);
            for (int m = 0; m < k; m++) {
                float[] values = models.get(m).read(done, n);
                double max = maxAbs[m];
                for (int e = 0; e < n; e++) {
                    max = Math.max(max, Math.abs((double) (values[e] - baseValues[e])));
                }
                maxAbs[m] = max;
            }
        }
        long[] sums = new long[k];
        long[] products = new long[k * k];
        long[] squaredDifferences = new long[k * k];
        for (long done = 0; done < count; done += chunkElements) {
            int n = (int) Math.min(chunkElements, count - done);
            float[] baseValues = base.read(done, n);
            int[][] q = new int[k][n];
            for (int m = 0; m < k; m++) {
                float[] values = models.get(m).read(done, n);
                double factor = maxAbs[m] > 0 ? 127.0 / maxAbs[m] : 0;
                int[] quantised = q[m];
                long sum = 0;
                for (int e = 0; e < n; e++) {
                    double scaled = Math.rint((values[e] - baseValues[e]) * factor);
                    int v = (int) Math.max(-127, Math.min(127, scaled));
                    quantised[e] = v;
                    sum += v;
                }
                sums[m] += sum;
            }
            for (int i = 0; i < k; i++) {
                for (int j = i; j < k; j++) {
                    int[] a = q[i];
                    int[] b = q[j];
                    long p = 0;
                    for (int e = 0; e < n; e++) {
                        p += a[e] * b[e]; // |a·b| ≤ 127², no int overflow per element
                    }
                    products[i * k + j] += p;
                }
            }
        }
        double[] scale = new double[k];
        for (int m = 0; m < k; m++) {
            scale[m] = maxAbs[m] / 127.0;
        }
        double[] mean = new double[k];
        for (int m = 0; m < k; m++) {
            mean[m] = scale[m] * sums[m] / (double) count;
        }
        double[] dot = new double[k * k];
        double[] comoment = new double[k * k];
        double[] distance = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                double st = scale[i] * scale[j];
                double d = st * products[i * k + j];
                double c = st * (products[i * k + j] - (double) sums[i] * sums[j] / count);
                double e = i == j ? 0 : Math.max(0, scale[i] * scale[i] * products[i * k + i]
                        + scale[j] * scale[j] * products[j * k + j] - 2 * d);
                set(dot, k, i, j, d);
                set(comoment, k, i, j, i == j ? Math.max(0, c) : c);
                set(distance, k, i, j, e);
            }
        }
        return count == 0 ? TaskVectorStatistics.empty(k)
                : new TaskVectorStatistics(k, count, mean, comoment, dot, distance);
    }

    private static void set(double[] matrix, int k, int i, int j, double value) {
        matrix[i * k + j] = value;
        matrix[j * k + i] = value;
    }

    /** Decodes consecutive chunks of one tensor of one model into a reused float array. */
    private final class ChunkReader {
        private final NamedModel model;
        private final Tensor tensor;
        private final DType dtype;
        private float[] values;

        ChunkReader(NamedModel model, String name) {
            this.model = model;
            this.tensor = model.model().tensors().tensor(name);
            this.dtype = tensor.info().dtype();
        }

        /** Elements {@code [start, start + n)}; the returned array is reused by the next call. */
        float[] read(long start, int n) {
            if (values == null || values.length != n) {
                values = new float[n];
            }
            try {
                reader.read(tensor, dtype, start, n, values);
            } catch (RuntimeException e) {
                throw EvomergeException.input(model.name() + ": cannot read tensor '" + tensor.info().name() + "': "
                        + e.getMessage(), e);
            }
            return values;
        }
    }
}
