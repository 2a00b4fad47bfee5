package org.evomerge.gpu.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.WeightHandle;
import org.evomerge.api.tensor.DType;
import org.evomerge.gpu.tornado.plan.MatVecPlan;
import org.evomerge.inference.CpuInferenceOperations;

/**
 * The {@code tornado} backend's inference kernels. Every weight matrix becomes one {@link MatVecPlan} at upload: its
 * task graph is built once, the weights go to device memory on its first execution and stay there, and every later
 * product of every session and evaluation of the model moves only the activations. F32, F16 and Q8_0 weights keep
 * their encoding on the device; BF16 (which the device kernels do not decode) is widened to F32 once at upload.
 * A batch of tokens runs as one matrix-vector product per token through the same plan.
 *
 * <p>RMSNorm, the rotary embedding and attention run on the CPU kernels: they are a small share of the work of a
 * forward pass, and the device kernels for them ({@code InferenceKernels}) are not wired into plans yet.
 * Device calls are serialised on the backend. {@link #close()} frees every plan still open.
 */
final class TornadoInferenceOperations implements InferenceOperations {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final TornadoBackend backend;
    private final CpuInferenceOperations host = new CpuInferenceOperations(Runtime.getRuntime().availableProcessors());
    private final Set<DeviceWeights> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private int uploads;

    TornadoInferenceOperations(TornadoBackend backend) {
        this.backend = backend;
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
        if (elements > Integer.MAX_VALUE || data.byteSize() < dtype.byteSize(elements)) {
            throw new IllegalArgumentException(rows + "×" + cols + " " + dtype + " weights do not fit in "
                    + data.byteSize() + " bytes or in one device array");
        }
        int n = (int) elements;
        MatVecPlan plan = switch (dtype) {
            case F32 -> MatVecPlan.f32(data.asSlice(0, 4L * n).toArray(FLOAT), rows, cols);
            case F16 -> MatVecPlan.f16(data.asSlice(0, 2L * n).toArray(SHORT), rows, cols);
            case BF16 -> {
                float[] widened = new float[n];
                backend.codecs().toFloat(data, DType.BF16, widened, n);
                yield MatVecPlan.f32(widened, rows, cols);
            }
            case Q8_0 -> MatVecPlan.q8_0(data.asSlice(0, dtype.byteSize(elements)).toArray(ValueLayout.JAVA_BYTE),
                    rows, cols);
            default -> throw new IllegalArgumentException("unsupported " + dtype);
        };
        DeviceWeights weights = new DeviceWeights(plan, rows, cols, dtype);
        synchronized (backend) {
            open.add(weights);
            uploads++;
        }
        return weights;
    }

    /** Matrices uploaded so far (each moves to the device once, on its first product). */
    int uploads() {
        synchronized (backend) {
            return uploads;
        }
    }

    /** Matrices currently resident. */
    int resident() {
        synchronized (backend) {
            return open.size();
        }
    }

    @Override
    public void multiply(WeightHandle weights, float[] x, int tokens, float[] out) {
        if (!(weights instanceof DeviceWeights device) || device.plan == null) {
            throw new IllegalArgumentException("weight handle " + weights + " is closed or not from this backend");
        }
        int rows = device.rows;
        int cols = device.cols;
        float[] input = new float[cols];
        float[] output = new float[rows];
        synchronized (backend) {
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(x, t * cols, input, 0, cols);
                device.plan.run(input, output);
                System.arraycopy(output, 0, out, t * rows, rows);
            }
        }
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, double eps, int rows, float[] out) {
        host.rmsNorm(x, weight, eps, rows, out);
    }

    @Override
    public void rope(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        host.rope(x, offset, heads, headDim, cos, sin);
    }

    @Override
    public void attention(AttentionShape shape, float[] keys, float[] values, float[] q, int start, int tokens,
                          float[] out) {
        host.attention(shape, keys, values, q, start, tokens, out);
    }

    @Override
    public void close() {
        synchronized (backend) {
            for (DeviceWeights weights : Set.copyOf(open)) {
                weights.close();
            }
        }
    }

    /** One matrix's plan; closing frees its device memory. */
    private final class DeviceWeights implements WeightHandle {
        private MatVecPlan plan;
        private final int rows;
        private final int cols;
        private final DType dtype;

        DeviceWeights(MatVecPlan plan, int rows, int cols, DType dtype) {
            this.plan = plan;
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
                if (plan != null) {
                    plan.close();
                    plan = null;
                    open.remove(this);
                }
            }
        }
    }
}
