package org.evomerge.gpu.tornado;

import java.util.Optional;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.compute.VectorBackend;

/**
 * The {@code tornado} compute backend: the vector and task-vector operations of merges and the inference kernels run
 * as TornadoVM kernels (OpenCL, PTX, CUDA, SPIR-V or Metal, whatever the installed SDK was built for). It is on the class path only when evomerge is started with
 * {@code bin/evomerge-gpu}, and available only when the TornadoVM runtime started and found a device.
 *
 * <p>Arrays below {@link #MIN_DEVICE_ELEMENTS_PROPERTY} elements (default {@value #DEFAULT_MIN_DEVICE_ELEMENTS}) run
 * on the CPU vector backend: there, moving data and launching a kernel costs more than the arithmetic. Element-wise
 * results are bit-identical to the CPU backends (the same fused multiply-adds in the same order); dot products and
 * sums of squares agree to double rounding (chunked summation). Dtype decoding and encoding stay on the CPU: they are
 * bound by reading the files.
 *
 * <p>Calls are serialised (one device, plans are not thread-safe): merges that run tensors on several threads queue
 * here. {@link #close()} frees all device memory; the JVM's exit does too.
 */
public final class TornadoBackend implements ComputeBackend, VectorOperations, TaskVectorOperations, AutoCloseable {

    /** System property: the smallest array length sent to the device. */
    public static final String MIN_DEVICE_ELEMENTS_PROPERTY = "evomerge.tornado.minElements";
    /** Default of {@link #MIN_DEVICE_ELEMENTS_PROPERTY}. */
    public static final int DEFAULT_MIN_DEVICE_ELEMENTS = 65_536;

    private final VectorBackend cpuBackend = new VectorBackend();
    private final VectorOperations cpu = cpuBackend.vectors();
    private final TaskVectorOperations cpuTaskVectors = cpuBackend.taskVectors().orElseThrow();
    private final Optional<TaskVectorOperations> taskVectors = Optional.of(this);
    private final int minDeviceElements = Integer.getInteger(MIN_DEVICE_ELEMENTS_PROPERTY, DEFAULT_MIN_DEVICE_ELEMENTS);
    private volatile TornadoRuntimeProbe probe;
    private DeviceOperations device;
    private TornadoInferenceOperations inference;

    @Override
    public String id() {
        return "tornado";
    }

    @Override
    public String description() {
        TornadoRuntimeProbe p = probe();
        return "TornadoVM kernels on " + (p.available() ? p.device() : "no device: " + p.device());
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public boolean isAvailable() {
        return probe().available();
    }

    private TornadoRuntimeProbe probe() {
        TornadoRuntimeProbe p = probe;
        if (p == null) {
            synchronized (this) {
                if (probe == null) {
                    probe = safeProbe();
                }
                p = probe;
            }
        }
        return p;
    }

    private static TornadoRuntimeProbe safeProbe() {
        try {
            return TornadoRuntimeProbe.run();
        } catch (LinkageError e) {
            // The probe class itself could not be linked: TornadoVM's API is not on the module or class path.
            return new TornadoRuntimeProbe(false, "TornadoVM is not on the class path (" + e + ")");
        }
    }

    /** The device side, created on first use so that no TornadoVM class is touched before the probe passed. */
    synchronized DeviceOperations device() {
        if (!isAvailable()) {
            throw new IllegalStateException("the tornado backend cannot run here: " + probe().device());
        }
        if (device == null) {
            device = new DeviceOperations();
        }
        return device;
    }

    private boolean onDevice(long elements) {
        return elements >= minDeviceElements && elements < Integer.MAX_VALUE && isAvailable();
    }

    /** The CPU vector backend's: decoding is bound by reading the files, not by arithmetic. */
    @Override
    public TensorCodecs codecs() {
        return cpuBackend.codecs();
    }

    @Override
    public VectorOperations vectors() {
        return this;
    }

    @Override
    public Optional<TaskVectorOperations> taskVectors() {
        return taskVectors;
    }

    @Override
    public void weightedSum(float[][] inputs, float[] weights, float[] out) {
        if (inputs.length == 0 || !onDevice((long) inputs.length * out.length)) {
            cpu.weightedSum(inputs, weights, out);
            return;
        }
        checkWeightedSum(inputs, weights, out);
        synchronized (this) {
            device().weightedSum(inputs, weights, out);
        }
    }

    @Override
    public void axpy(float a, float[] x, float[] y) {
        if (!onDevice(y.length)) {
            cpu.axpy(a, x, y);
            return;
        }
        checkSameLength(x.length, y.length);
        synchronized (this) {
            device().axpy(a, x, y);
        }
    }

    @Override
    public double dot(float[] a, float[] b) {
        if (!onDevice(a.length)) {
            return cpu.dot(a, b);
        }
        checkSameLength(a.length, b.length);
        synchronized (this) {
            return device().dot(a, b);
        }
    }

    @Override
    public double sumOfSquares(float[] a) {
        if (!onDevice(a.length)) {
            return cpu.sumOfSquares(a);
        }
        synchronized (this) {
            return device().sumOfSquares(a);
        }
    }

    @Override
    public void taskVector(float[] x, float[] base, float[] out) {
        if (!onDevice(out.length)) {
            cpuTaskVectors.taskVector(x, base, out);
            return;
        }
        checkSameLength(x.length, base.length);
        checkSameLength(x.length, out.length);
        synchronized (this) {
            device().taskVector(x, base, out);
        }
    }

    /** A selection is a few data-dependent passes with little arithmetic: it stays on the CPU, next to the arrays. */
    @Override
    public MagnitudeRank magnitudeRank(float[] x, float[] base, int position) {
        return cpuTaskVectors.magnitudeRank(x, base, position);
    }

    @Override
    public MagnitudeRank[] magnitudeRanks(TensorBlocks blocks, int[] positions) {
        return cpuTaskVectors.magnitudeRanks(blocks, positions);
    }

    /**
     * Blocks of a streamed tensor are mask-sized for the CPU (the device kernel draws from counter 0): they stay
     * there; whole tensors take the device path above.
     */
    @Override
    public MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base, double density,
                                long[] mask) {
        if (firstIndex == 0) {
            return randomMask(seed, stream, x, base, density, mask);
        }
        return cpuTaskVectors.randomMask(seed, stream, firstIndex, x, base, density, mask);
    }

    @Override
    public MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        if (!onDevice(x.length)) {
            return cpuTaskVectors.magnitudeMask(x, base, from, to, mask);
        }
        checkMask(x, base, mask);
        synchronized (this) {
            return device().magnitudeMask(x, base, from, to, mask);
        }
    }

    @Override
    public MaskNorms randomMask(long seed, long stream, float[] x, float[] base, double density, long[] mask) {
        if (!onDevice(x.length)) {
            return cpuTaskVectors.randomMask(seed, stream, x, base, density, mask);
        }
        checkMask(x, base, mask);
        synchronized (this) {
            return device().randomMask(seed, stream, x, base, density, mask);
        }
    }

    @Override
    public void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine,
                                   float[] out) {
        if (models.length == 0 || !onDevice((long) (models.length + 1) * 2 * out.length)) {
            cpuTaskVectors.combineTaskVectors(base, models, masks, combine, out);
            return;
        }
        checkSameLength(base.length, out.length);
        if (models.length != masks.length || models.length != combine.factors().length) {
            throw new IllegalArgumentException(models.length + " models, " + masks.length + " masks and "
                    + combine.factors().length + " factors");
        }
        for (float[] model : models) {
            checkSameLength(model.length, out.length);
        }
        synchronized (this) {
            device().combineTaskVectors(base, models, masks, combine, out);
        }
    }

    @Override
    public void linearCombination(float[] a, double ca, float[] b, double cb, float[] out) {
        if (!onDevice(out.length)) {
            cpu.linearCombination(a, ca, b, cb, out);
            return;
        }
        checkSameLength(a.length, b.length);
        checkSameLength(a.length, out.length);
        synchronized (this) {
            device().linearCombination(a, ca, b, cb, out);
        }
    }

    /**
     * The inference kernels: matrix products on the device with weights uploaded once per loaded model, the rest on
     * the CPU kernels. Empty when TornadoVM cannot run here.
     */
    @Override
    public Optional<InferenceOperations> inference() {
        if (!isAvailable()) {
            return Optional.empty();
        }
        synchronized (this) {
            if (inference == null) {
                inference = new TornadoInferenceOperations(this);
            }
            return Optional.of(inference);
        }
    }

    /**
     * {@code y = W·x} with {@code W} ({@code rows × cols}, row-major float32) resident on the device: the first call
     * with a given array moves it there, later calls with the same array object reuse it.
     */
    public void matVec(float[] weights, int rows, int cols, float[] x, float[] y) {
        synchronized (this) {
            device().matVecF32(weights, rows, cols, x, y);
        }
    }

    /** {@link #matVec} for IEEE half weights given as raw 16-bit codes. */
    public void matVecF16(short[] weights, int rows, int cols, float[] x, float[] y) {
        synchronized (this) {
            device().matVecF16(weights, rows, cols, x, y);
        }
    }

    /** {@link #matVec} for Q8_0 weights in GGUF's block layout (34 bytes per 32 elements). */
    public void matVecQ8_0(byte[] weights, int rows, int cols, float[] x, float[] y) {
        synchronized (this) {
            device().matVecQ8_0(weights, rows, cols, x, y);
        }
    }

    /** Frees the device copy of a weight matrix passed to {@code matVec…} before. */
    public synchronized void release(Object weights) {
        if (device != null) {
            device.release(weights);
        }
    }

    @Override
    public synchronized void close() {
        if (inference != null) {
            inference.close();
            inference = null;
        }
        if (device != null) {
            device.close();
            device = null;
        }
    }

    private static void checkMask(float[] x, float[] base, long[] mask) {
        checkSameLength(x.length, base.length);
        if (mask.length < (x.length + 63) >>> 6) {
            throw new IllegalArgumentException(x.length + " elements need " + ((x.length + 63) >>> 6)
                    + " mask words, got " + mask.length);
        }
    }

    private static void checkWeightedSum(float[][] inputs, float[] weights, float[] out) {
        if (inputs.length != weights.length) {
            throw new IllegalArgumentException(inputs.length + " inputs but " + weights.length + " weights");
        }
        for (float[] input : inputs) {
            checkSameLength(input.length, out.length);
        }
    }

    private static void checkSameLength(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("arrays differ in length: " + a + " and " + b);
        }
    }
}
