package org.evomerge.gpu.tornado;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.GateActivation;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.WeightHandle;
import org.evomerge.api.tensor.DType;
import org.evomerge.gpu.tornado.plan.AttentionPlan;
import org.evomerge.gpu.tornado.plan.GatePlan;
import org.evomerge.gpu.tornado.plan.MatMulPlan;
import org.evomerge.gpu.tornado.plan.PlanCache;
import org.evomerge.gpu.tornado.plan.RmsNormPlan;
import org.evomerge.gpu.tornado.plan.RopePlan;

/**
 * The {@code tornado} backend's inference kernels: every step of the forward pass that {@link InferenceOperations}
 * names runs as a TornadoVM plan. Products: each weight matrix becomes one {@link MatMulPlan} whose weights move to
 * the device on its first execution and stay there; a batch of tokens (a prompt) runs as one matrix-matrix product
 * per {@value #DEFAULT_BATCH_ROWS} rows (or {@link #BATCH_ROWS_PROPERTY}), a generated token as a batch of one. F32,
 * F16 and Q8_0 weights keep their encoding on the device; BF16 (which the device kernels do not decode) is widened to
 * F32 once at upload. RMSNorm, the rotary embedding, attention and the MLP's gated activation run through plans
 * built per shape and per capacity (the next power of two of the rows), kept in small least-recently-used caches.
 *
 * <p>Device copies of weights are keyed by content ({@link WeightContentKey}): an upload whose bytes, dtype and shape
 * equal a resident matrix's shares it, and a matrix whose last handle is closed stays resident (up to
 * {@link #RETAINED_BYTES_PROPERTY} bytes, least recently released first out), so loading the same model again, or a
 * candidate that shares tensors with one already evaluated, moves no weights. Device calls are serialised on the
 * backend. {@link #close()} frees every plan.
 */
final class TornadoInferenceOperations implements InferenceOperations {

    /** System property: the most input rows one matrix-matrix product executes at once. */
    static final String BATCH_ROWS_PROPERTY = "evomerge.tornado.batchRows";
    static final int DEFAULT_BATCH_ROWS = 64;
    /** System property: the most bytes of weights kept on the device after their last handle is closed. */
    static final String RETAINED_BYTES_PROPERTY = "evomerge.tornado.retainedWeightBytes";
    static final long DEFAULT_RETAINED_BYTES = 2L << 30;

    private static final int MIN_CONTEXT_CAPACITY = 64;

    private final TornadoBackend backend;
    private final int batchRows = Integer.getInteger(BATCH_ROWS_PROPERTY, DEFAULT_BATCH_ROWS);
    private final long retainedBytesLimit = Long.getLong(RETAINED_BYTES_PROPERTY, DEFAULT_RETAINED_BYTES);
    private final Map<WeightContentKey, Resident> resident = new HashMap<>();
    /** Resident matrices no handle uses, least recently released first. */
    private final LinkedHashMap<WeightContentKey, Resident> retained = new LinkedHashMap<>();
    private long retainedBytes;
    private final PlanCache<RmsNormPlan.Key, RmsNormPlan> norms = new PlanCache<>(8);
    private final PlanCache<RopePlan.Key, RopePlan> ropes = new PlanCache<>(8);
    private final PlanCache<AttentionPlan.Key, AttentionPlan> attentions = new PlanCache<>(4);
    private final PlanCache<Integer, GatePlan> gates = new PlanCache<>(4);
    private int uploads;
    private int reuses;

    TornadoInferenceOperations(TornadoBackend backend) {
        this.backend = backend;
    }

    /** One weight matrix on the device and how many open handles use it. */
    private static final class Resident {
        final WeightContentKey key;
        final MatMulPlan plan;
        int handles;

        Resident(WeightContentKey key, MatMulPlan plan) {
            this.key = key;
            this.plan = plan;
        }
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16 || dtype == DType.Q8_0;
    }

    @Override
    public WeightHandle upload(MemorySegment data, DType dtype, int rows, int cols) {
        if (!supports(dtype)) {
            throw new IllegalArgumentException("the tornado inference kernels do not support " + dtype + " weights");
        }
        long elements = (long) rows * cols;
        long bytes = dtype.byteSize(elements);
        if (elements > Integer.MAX_VALUE || data.byteSize() < bytes) {
            throw new IllegalArgumentException(rows + "×" + cols + " " + dtype + " weights do not fit in "
                    + data.byteSize() + " bytes or in one device array");
        }
        MemorySegment stored = data.asSlice(0, bytes);
        WeightContentKey key = WeightContentKey.of(stored, dtype, rows, cols);
        synchronized (backend) {
            Resident entry = resident.get(key);
            if (entry != null) {
                if (entry.handles == 0) {
                    retained.remove(key);
                    retainedBytes -= entry.plan.deviceBytes();
                }
                reuses++;
            } else {
                entry = new Resident(key, plan(stored, dtype, rows, cols));
                resident.put(key, entry);
                uploads++;
            }
            entry.handles++;
            return new DeviceWeights(entry, rows, cols, dtype);
        }
    }

    private MatMulPlan plan(MemorySegment stored, DType dtype, int rows, int cols) {
        return switch (dtype) {
            case F32 -> new MatMulPlan(MatMulPlan.Encoding.F32, stored, rows, cols, batchRows);
            case F16 -> new MatMulPlan(MatMulPlan.Encoding.F16, stored, rows, cols, batchRows);
            case Q8_0 -> new MatMulPlan(MatMulPlan.Encoding.Q8_0, stored, rows, cols, batchRows);
            case BF16 -> {
                int n = rows * cols;
                try (Arena arena = Arena.ofConfined()) {
                    float[] widened = new float[n];
                    backend.codecs().toFloat(stored, DType.BF16, widened, n);
                    MemorySegment f32 = arena.allocate(4L * n);
                    MemorySegment.copy(widened, 0, f32, ValueLayout.JAVA_FLOAT, 0, n);
                    yield new MatMulPlan(MatMulPlan.Encoding.F32, f32, rows, cols, batchRows);
                }
            }
            default -> throw new IllegalArgumentException("unsupported " + dtype);
        };
    }

    /** Weight matrices moved to the device so far (uploads of content already resident are not counted). */
    int uploads() {
        synchronized (backend) {
            return uploads;
        }
    }

    /** Uploads served by a matrix already on the device. */
    int reuses() {
        synchronized (backend) {
            return reuses;
        }
    }

    /** Matrices currently on the device, in use or retained. */
    int resident() {
        synchronized (backend) {
            return resident.size();
        }
    }

    @Override
    public void multiply(WeightHandle weights, float[] x, int tokens, float[] out) {
        synchronized (backend) {
            if (!(weights instanceof DeviceWeights device) || device.entry == null
                    || resident.get(device.entry.key) != device.entry) {
                throw new IllegalArgumentException("weight handle " + weights
                        + " is closed or not from this backend");
            }
            device.entry.plan.run(x, tokens, out);
        }
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, double eps, int rows, float[] out) {
        int width = weight.length;
        synchronized (backend) {
            norms.get(new RmsNormPlan.Key(width, capacity(rows, 1)), RmsNormPlan::new)
                    .run(x, weight, eps, rows, out);
        }
    }

    @Override
    public void rope(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        rope(x, offset, 1, heads * headDim, heads, headDim, cos, sin);
    }

    @Override
    public void rope(float[] x, int offset, int rows, int rowStride, int heads, int headDim, float[] cos,
                     float[] sin) {
        synchronized (backend) {
            ropes.get(new RopePlan.Key(rowStride, heads, headDim, capacity(rows, 1)), RopePlan::new)
                    .run(x, offset, rows, cos, sin);
        }
    }

    @Override
    public void gatedActivation(GateActivation activation, float[] gate, float[] up, int n) {
        synchronized (backend) {
            gates.get(capacity(n, 1024), GatePlan::new).run(activation, gate, up, n);
        }
    }

    @Override
    public void attention(AttentionShape shape, float[] keys, float[] values, float[] q, int start, int tokens,
                          float[] out) {
        AttentionPlan.Key key = new AttentionPlan.Key(shape.heads(), shape.kvHeads(), shape.headDim(),
                shape.slidingWindow(), capacity(tokens, 1), capacity(start + tokens, MIN_CONTEXT_CAPACITY));
        synchronized (backend) {
            attentions.get(key, AttentionPlan::new).run(shape, keys, values, q, start, tokens, out);
        }
    }

    /** The power of two at least {@code n} and {@code min}: plan capacities, so a few plans serve every size. */
    static int capacity(int n, int min) {
        int wanted = Math.max(n, min);
        int highest = Integer.highestOneBit(wanted);
        return highest == wanted ? wanted : highest << 1;
    }

    @Override
    public void close() {
        synchronized (backend) {
            resident.values().forEach(entry -> entry.plan.close());
            resident.clear();
            retained.clear();
            retainedBytes = 0;
            norms.close();
            ropes.close();
            attentions.close();
            gates.close();
        }
    }

    /** Called with the backend's lock held when a handle of {@code entry} closes. */
    private void release(Resident entry) {
        if (--entry.handles > 0) {
            return;
        }
        retained.put(entry.key, entry);
        retainedBytes += entry.plan.deviceBytes();
        Iterator<Resident> oldest = retained.values().iterator();
        while (retainedBytes > retainedBytesLimit && oldest.hasNext()) {
            Resident evicted = oldest.next();
            oldest.remove();
            retainedBytes -= evicted.plan.deviceBytes();
            resident.remove(evicted.key);
            evicted.plan.close();
        }
    }

    /** One handle on a resident matrix; closing it releases the handle's use of the device copy. */
    private final class DeviceWeights implements WeightHandle {
        private Resident entry;
        private final int rows;
        private final int cols;
        private final DType dtype;

        DeviceWeights(Resident entry, int rows, int cols, DType dtype) {
            this.entry = entry;
            this.rows = rows;
            this.cols = cols;
            this.dtype = dtype;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int cols() {
            return cols;
        }

        @Override
        public DType dtype() {
            return dtype;
        }

        @Override
        public void close() {
            synchronized (backend) {
                if (entry != null) {
                    if (resident.get(entry.key) == entry) {
                        release(entry);
                    }
                    entry = null;
                }
            }
        }
    }
}
