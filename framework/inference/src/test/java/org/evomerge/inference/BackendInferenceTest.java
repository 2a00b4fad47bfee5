package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.GateActivation;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.compute.WeightHandle;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * The engine runs through the backend's inference kernels when it has them: weights are uploaded once per loaded
 * model (not per session or evaluation), every product goes through the backend, closing the model releases every
 * handle, and the results are those of the CPU kernels. A backend without kernels gets the CPU ones.
 */
class BackendInferenceTest {

    private static final int[] PROMPT = {1, 5, 9, 2, 7};

    /** Delegates to the CPU kernels and counts what reaches it. */
    static final class CountingOperations implements InferenceOperations {
        final CpuInferenceOperations cpu = new CpuInferenceOperations(2);
        final AtomicInteger uploads = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();
        final AtomicInteger products = new AtomicInteger();
        final AtomicInteger attentions = new AtomicInteger();
        final AtomicInteger batchedRopes = new AtomicInteger();

        @Override
        public boolean supports(DType dtype) {
            return cpu.supports(dtype);
        }

        @Override
        public WeightHandle upload(MemorySegment data, DType dtype, int rows, int cols) {
            uploads.incrementAndGet();
            return new CountedHandle(cpu.upload(data, dtype, rows, cols), released);
        }

        @Override
        public void multiply(WeightHandle weights, float[] x, int tokens, float[] out) {
            products.incrementAndGet();
            cpu.multiply(((CountedHandle) weights).inner(), x, tokens, out);
        }

        @Override
        public void rmsNorm(float[] x, float[] weight, double eps, int rows, float[] out) {
            cpu.rmsNorm(x, weight, eps, rows, out);
        }

        @Override
        public void rope(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
            cpu.rope(x, offset, heads, headDim, cos, sin);
        }

        @Override
        public void rope(float[] x, int offset, int rows, int rowStride, int heads, int headDim, float[] cos,
                         float[] sin) {
            batchedRopes.incrementAndGet();
            InferenceOperations.super.rope(x, offset, rows, rowStride, heads, headDim, cos, sin);
        }

        /** Whether {@link #gatedActivation} is the interface's default rather than the CPU kernels'. */
        boolean defaultActivation;

        @Override
        public void gatedActivation(GateActivation activation, float[] gate, float[] up, int n) {
            if (defaultActivation) {
                InferenceOperations.super.gatedActivation(activation, gate, up, n);
            } else {
                cpu.gatedActivation(activation, gate, up, n);
            }
        }

        @Override
        public void attention(AttentionShape shape, float[] keys, float[] values, float[] q, int start, int tokens,
                              float[] out) {
            attentions.incrementAndGet();
            cpu.attention(shape, keys, values, q, start, tokens, out);
        }

        @Override
        public void close() {
        }
    }

    /** A handle that counts its release. */
    record CountedHandle(WeightHandle inner, AtomicInteger released) implements WeightHandle {
        @Override
        public int rows() {
            return inner.rows();
        }

        @Override
        public int cols() {
            return inner.cols();
        }

        @Override
        public DType dtype() {
            return inner.dtype();
        }

        @Override
        public void close() {
            released.incrementAndGet();
            inner.close();
        }
    }

    /** A backend that offers only (or no) inference kernels; its merge primitives are not needed here. */
    record InferenceOnlyBackend(Optional<InferenceOperations> operations) implements ComputeBackend {
        @Override
        public String id() {
            return "device";
        }

        @Override
        public String description() {
            return "test device";
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Optional<InferenceOperations> inference() {
            return operations;
        }

        @Override
        public TensorCodecs codecs() {
            throw new UnsupportedOperationException();
        }

        @Override
        public VectorOperations vectors() {
            throw new UnsupportedOperationException();
        }
    }

    private static ComputeBackend backendWith(Optional<InferenceOperations> operations) {
        return new InferenceOnlyBackend(operations);
    }

    @Test
    void weightsAreUploadedOnceAndReusedAcrossSessionsAndEvaluations() {
        TinyModel model = TinyModel.of(TinyModel.gqa(), DType.BF16, 4);
        CountingOperations operations = new CountingOperations();
        LlamaInferenceEngine device = new LlamaInferenceEngine(2, backendWith(Optional.of(operations)),
                m -> Optional.empty());
        LlamaInferenceEngine cpu = new LlamaInferenceEngine(2, m -> Optional.empty());
        assertEquals("device", device.kernels());
        assertEquals("cpu", cpu.kernels());
        int layers = TinyModel.gqa().layers();
        try (LanguageModel onDevice = device.load(model.model()); LanguageModel onCpu = cpu.load(model.model())) {
            int uploadsAfterLoad = operations.uploads.get();
            assertEquals(7 * layers + 1, uploadsAfterLoad, "seven projections per layer and the output head");
            double[] first = onDevice.tokenLogProbabilities(PROMPT);
            double[] second = onDevice.tokenLogProbabilities(PROMPT);
            float[] sessionLogits;
            try (InferenceSession session = onDevice.newSession()) {
                session.append(1, 5);
                sessionLogits = session.append(9);
            }
            float[] cpuLogits;
            try (InferenceSession session = onCpu.newSession()) {
                session.append(1, 5);
                cpuLogits = session.append(9);
            }
            assertEquals(uploadsAfterLoad, operations.uploads.get(), "no upload after loading");
            assertArrayEquals(first, second);
            assertArrayEquals(onCpu.tokenLogProbabilities(PROMPT), first);
            assertArrayEquals(cpuLogits, sessionLogits);
            assertEquals(true, operations.products.get() > 7 * layers);
            assertEquals(true, operations.attentions.get() >= layers);
            assertEquals(0, operations.released.get());
        }
        assertEquals(7 * layers + 1, operations.released.get(), "closing the model releases every handle");
    }

    @Test
    void aPromptsRotaryEmbeddingReachesTheBackendAsOneBatchPerLayer() {
        TinyModel model = TinyModel.of(TinyModel.llama3(), DType.F32, 5);
        CountingOperations operations = new CountingOperations();
        LlamaInferenceEngine device = new LlamaInferenceEngine(2, backendWith(Optional.of(operations)),
                m -> Optional.empty());
        LlamaInferenceEngine cpu = new LlamaInferenceEngine(2, m -> Optional.empty());
        try (LanguageModel onDevice = device.load(model.model()); LanguageModel onCpu = cpu.load(model.model())) {
            double[] logProbabilities = onDevice.tokenLogProbabilities(PROMPT);
            // Queries and keys: two batched calls per layer for the whole prompt, not one per token.
            assertEquals(2 * TinyModel.llama3().layers(), operations.batchedRopes.get());
            assertArrayEquals(onCpu.tokenLogProbabilities(PROMPT), logProbabilities);
        }
    }

    @Test
    void theDefaultGatedActivationAgreesWithTheCpuKernels() {
        CountingOperations plain = new CountingOperations();
        plain.defaultActivation = true;
        java.util.Random random = new java.util.Random(9);
        int n = 777;
        float[] gate = new float[n];
        float[] up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (3 * random.nextGaussian());
            up[i] = (float) random.nextGaussian();
        }
        CpuInferenceOperations cpu = new CpuInferenceOperations(1);
        for (GateActivation activation : GateActivation.values()) {
            float[] expected = gate.clone();
            float[] got = gate.clone();
            cpu.gatedActivation(activation, expected, up, n);
            plain.gatedActivation(activation, got, up, n);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], got[i], 1e-6 * (1 + Math.abs(expected[i])), activation + " " + i);
            }
        }
    }

    @Test
    void aBackendWithoutInferenceKernelsGetsTheCpuKernels() {
        LlamaInferenceEngine engine = new LlamaInferenceEngine(1, backendWith(Optional.empty()), m -> Optional.empty());
        assertEquals("cpu", engine.kernels());
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 2);
        try (LanguageModel lm = engine.load(model.model())) {
            assertEquals(PROMPT.length - 1, lm.tokenLogProbabilities(PROMPT).length);
        }
    }

    @Test
    void cpuKernelsRefuseForeignHandlesAndUnsupportedTypes() {
        CpuInferenceOperations cpu = new CpuInferenceOperations(1);
        WeightHandle foreign = new CountedHandle(cpu.upload(MemorySegment.ofArray(new float[1]), DType.F32, 1, 1),
                new AtomicInteger());
        assertThrows(IllegalArgumentException.class, () -> cpu.multiply(foreign, new float[1], 1, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> cpu.upload(MemorySegment.ofArray(new byte[64]), DType.I32, 1, 16));
        WeightHandle handle = cpu.upload(MemorySegment.ofArray(new float[] {1, 2, 3, 4}), DType.F32, 2, 2);
        handle.close();
        assertThrows(IllegalStateException.class, () -> cpu.multiply(handle, new float[2], 1, new float[2]));
    }

    @Test
    void cpuKernelsMatchHandWorkedNormRopeAndAttention() {
        CpuInferenceOperations cpu = new CpuInferenceOperations(1);
        // RMSNorm of [3, 4]: mean square 12.5, eps 0 → [3, 4] / sqrt(12.5) · [1, 2]
        float[] out = new float[2];
        cpu.rmsNorm(new float[] {3, 4}, new float[] {1, 2}, 0, 1, out);
        assertEquals(3 / Math.sqrt(12.5), out[0], 1e-6);
        assertEquals(8 / Math.sqrt(12.5), out[1], 1e-6);
        // RoPE by 90°: (x0, x1) = (1, 2) → (−2, 1)
        float[] x = {1, 2};
        cpu.rope(x, 0, 1, 2, new float[] {0}, new float[] {1});
        assertArrayEquals(new float[] {-2, 1}, x, 1e-6f);
        // One head of size 1, two cached positions, query at position 1: scores q·k/1 = [0, ln 3] → weights 1/4, 3/4
        float[] keys = {0, (float) Math.log(3)};
        float[] values = {10, 20};
        float[] attended = new float[1];
        cpu.attention(new AttentionShape(1, 1, 1, 0), keys, values, new float[] {1}, 1, 1, attended);
        assertEquals(17.5, attended[0], 1e-5);
        // with a sliding window of 1 only the own position is seen
        cpu.attention(new AttentionShape(1, 1, 1, 1), keys, values, new float[] {1}, 1, 1, attended);
        assertEquals(20, attended[0], 1e-6);
    }
}
