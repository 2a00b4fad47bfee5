package org.evomerge.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.inference.LlamaInferenceEngine;
import org.evomerge.inference.WeightMatrix;
import org.evomerge.inference.WorkerPool;

/**
 * Prefill and decode speed of the inference engine on generated Llama models of about 100M and 1B parameters (random
 * weights in off-heap memory, F32 and BF16), next to the machine's measured peak: the engine's own F32 matrix-matrix
 * kernel on a cache-resident problem, in the same run and with the same threads.
 *
 * <p>On a shared machine the wall clock measures the other processes too, so prefill is also reported per second of
 * this process's CPU time (all its threads, JIT and GC included) against the kernel's peak measured the same way.
 *
 * <p>FLOPs counted: 2 per weight of every matrix a token goes through (the output head only where logits are
 * computed: once per prefill, once per decoded token) plus the attention's {@code 4 · layers · qDim · positions}.
 */
public final class InferenceBenchmark {

    record Size(String name, int hidden, int layers, int intermediate, int heads, int kvHeads, int vocab,
                        boolean tied) {
    }

    static final Map<String, Size> SIZES = Map.of(
            "100M", new Size("100M", 768, 12, 2048, 12, 4, 32000, true),
            "1B", new Size("1B", 2048, 22, 5632, 32, 4, 32000, false));

    public static void main(String[] args) {
        int threads = Runtime.getRuntime().availableProcessors();
        int prompt = 256;
        int decode = 16;
        int rounds = 3;
        List<String> sizes = List.of("100M", "1B");
        List<DType> dtypes = List.of(DType.F32, DType.BF16);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--decode" -> decode = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--sizes" -> sizes = List.of(args[++i].split(","));
                case "--dtypes" -> dtypes = java.util.Arrays.stream(args[++i].split(",")).map(DType::valueOf).toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        WorkerPool pool = new WorkerPool(threads);
        Peak peak = peakGflops(pool);
        System.out.printf("threads: %d; measured peak (F32 matrix-matrix kernel, 96x256 weights x 128 tokens per thread,"
                + " cache-resident): %.1f GFLOP/s wall-clock, %.1f GFLOP per CPU-second%n", threads, peak.wall(),
                peak.perCpuSecond());
        System.out.printf("%-5s %-5s %9s %7s %13s %15s %7s %16s %7s %12s %14s%n", "model", "dtype", "params", "prompt",
                "prefill tok/s", "prefill GFLOP/s", "% peak", "prefill GFLOP/cpu", "% peak", "decode tok/s",
                "decode GFLOP/s");
        LlamaInferenceEngine engine = new LlamaInferenceEngine(threads, m -> Optional.empty());
        for (String sizeName : sizes) {
            Size size = SIZES.get(sizeName);
            if (size == null) {
                throw new IllegalArgumentException("unknown size " + sizeName + " (100M, 1B)");
            }
            for (DType dtype : dtypes) {
                try (Arena arena = Arena.ofShared()) {
                    RandomLlama model = new RandomLlama(size, dtype, arena);
                    run(engine, model, prompt, decode, rounds, peak);
                }
            }
        }
    }

    private static void run(LlamaInferenceEngine engine, RandomLlama model, int prompt, int decode, int rounds,
                            Peak peak) {
        Size s = model.size;
        int[] tokens = new SplittableRandom(1).ints(prompt, 0, s.vocab()).toArray();
        try (LanguageModel lm = engine.load(model.model())) {
            Timing timing = measure(lm, tokens, decode, rounds, false);
            long bestPrefill = timing.prefillNanos();
            long bestPrefillCpu = timing.prefillCpuNanos();
            long bestDecode = timing.decodeNanos();
            long layerWeights = (long) s.layers() * ((long) s.hidden() * s.heads() * (s.hidden() / s.heads()) * 2
                    + 2L * s.hidden() * s.kvHeads() * (s.hidden() / s.heads()) + 3L * s.hidden() * s.intermediate());
            long head = (long) s.vocab() * s.hidden();
            long qDim = s.hidden();
            double prefillFlops = 2.0 * layerWeights * prompt + 2.0 * head
                    + 4.0 * s.layers() * qDim * ((double) prompt * (prompt + 1) / 2);
            double decodeFlops = 0;
            for (int i = 0; i < decode; i++) {
                decodeFlops += 2.0 * (layerWeights + head) + 4.0 * s.layers() * qDim * (prompt + i + 1);
            }
            double prefillSeconds = bestPrefill / 1e9;
            double decodeSeconds = bestDecode / 1e9;
            double prefillGflops = prefillFlops / prefillSeconds / 1e9;
            double prefillPerCpu = prefillFlops / (bestPrefillCpu / 1e9) / 1e9;
            System.out.printf("%-5s %-5s %8.0fM %7d %13.1f %15.1f %6.0f%% %16.1f %6.0f%% %12.2f %14.1f%n", s.name(),
                    model.dtype, model.parameters / 1e6, prompt, prompt / prefillSeconds, prefillGflops,
                    100 * prefillGflops / peak.wall(), prefillPerCpu, 100 * prefillPerCpu / peak.perCpuSecond(),
                    decode / decodeSeconds, decodeFlops / decodeSeconds / 1e9);
        }
    }

    /** The best of several rounds: a prompt's prefill (by the wall clock and in CPU time) and the decoded tokens. */
    record Timing(long prefillNanos, long prefillCpuNanos, long decodeNanos) {
    }

    /**
     * Times {@code rounds} fresh sessions, each prefilling {@code tokens} at once and decoding {@code decode} tokens
     * one by one, after a warm-up; the best round of each. The decoded tokens follow the prompt in the same session,
     * or with {@code decodeFromEmpty} start a session of their own (as llama-bench's {@code tg} test does).
     */
    static Timing measure(LanguageModel lm, int[] tokens, int decode, int rounds, boolean decodeFromEmpty) {
        // Warm-up: the Vector API is only fast once C2 has compiled the kernels of both paths.
        try (InferenceSession warm = lm.newSession()) {
            float[] logits = warm.append(java.util.Arrays.copyOf(tokens, Math.min(tokens.length, 64)));
            for (int i = 0; i < 8; i++) {
                logits = warm.append(argmax(logits));
            }
        }
        long bestPrefill = Long.MAX_VALUE;
        long bestPrefillCpu = Long.MAX_VALUE;
        long bestDecode = Long.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            try (InferenceSession session = lm.newSession()) {
                long cpu = cpuNanos();
                long start = System.nanoTime();
                float[] logits = session.append(tokens);
                bestPrefill = Math.min(bestPrefill, System.nanoTime() - start);
                bestPrefillCpu = Math.min(bestPrefillCpu, cpuNanos() - cpu);
                if (decodeFromEmpty) {
                    try (InferenceSession fresh = lm.newSession()) {
                        start = System.nanoTime();
                        int token = tokens[0];
                        for (int i = 0; i < decode; i++) {
                            token = argmax(fresh.append(token));
                        }
                        bestDecode = Math.min(bestDecode, System.nanoTime() - start);
                    }
                } else {
                    start = System.nanoTime();
                    for (int i = 0; i < decode; i++) {
                        logits = session.append(argmax(logits));
                    }
                    bestDecode = Math.min(bestDecode, System.nanoTime() - start);
                }
            }
        }
        return new Timing(bestPrefill, bestPrefillCpu, bestDecode);
    }

    /** CPU time of the whole process (all threads), in nanoseconds: immune to other processes sharing the cores. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The best of several timed runs of the F32 kernel on data that fits in each core's cache. */
    /** The kernel's best rate by the wall clock and by the process's CPU time (per busy core). */
    private record Peak(double wall, double perCpuSecond) {
    }

    private static Peak peakGflops(WorkerPool pool) {
        int rows = 96 * pool.threads();
        // 96 rows x 256 columns per thread: each thread's weights (96 KB) and the packed input (128 KB) fit in L2.
        int cols = 256;
        int tokens = 128;
        float[] w = new float[rows * cols];
        float[] x = new float[tokens * cols];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        WeightMatrix matrix = WeightMatrix.of(MemorySegment.ofArray(w), DType.F32, rows, cols);
        float[] out = new float[tokens * rows];
        double flops = 2.0 * rows * cols * tokens;
        double best = 0;
        double bestPerCpu = 0;
        for (int round = 0; round < 30; round++) {
            int reps = 200;
            long cpu = cpuNanos();
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                matrix.multiply(x, tokens, out, pool);
            }
            best = Math.max(best, flops * reps / ((System.nanoTime() - start) / 1e9) / 1e9);
            bestPerCpu = Math.max(bestPerCpu, flops * reps / ((cpuNanos() - cpu) / 1e9) / 1e9);
        }
        return new Peak(best, bestPerCpu);
    }

    /** A Llama model with uniform random weights in off-heap memory, freed with its arena. */
    static final class RandomLlama {
        private final Size size;
        private final DType dtype;
        private final ModelConfig config;
        private final List<InMemoryTensor> tensors = new ArrayList<>();
        private long parameters;

        RandomLlama(Size size, DType dtype, Arena arena) {
            this.size = size;
            this.dtype = dtype;
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("architectures", List.of("LlamaForCausalLM"));
            raw.put("model_type", "llama");
            raw.put("num_hidden_layers", size.layers());
            raw.put("hidden_size", size.hidden());
            raw.put("intermediate_size", size.intermediate());
            raw.put("num_attention_heads", size.heads());
            raw.put("num_key_value_heads", size.kvHeads());
            raw.put("vocab_size", size.vocab());
            raw.put("rope_theta", 10000.0);
            raw.put("rms_norm_eps", 1e-5);
            raw.put("max_position_embeddings", 4096);
            raw.put("tie_word_embeddings", size.tied());
            int headDim = size.hidden() / size.heads();
            this.config = ModelConfig.of(raw);
            int h = size.hidden();
            int kv = size.kvHeads() * headDim;
            add("model.embed_tokens.weight", size.vocab(), h, arena, dtype);
            for (int l = 0; l < size.layers(); l++) {
                String p = "model.layers." + l + ".";
                add(p + "input_layernorm.weight", 1, h, arena, DType.F32);
                add(p + "self_attn.q_proj.weight", h, h, arena, dtype);
                add(p + "self_attn.k_proj.weight", kv, h, arena, dtype);
                add(p + "self_attn.v_proj.weight", kv, h, arena, dtype);
                add(p + "self_attn.o_proj.weight", h, h, arena, dtype);
                add(p + "post_attention_layernorm.weight", 1, h, arena, DType.F32);
                add(p + "mlp.gate_proj.weight", size.intermediate(), h, arena, dtype);
                add(p + "mlp.up_proj.weight", size.intermediate(), h, arena, dtype);
                add(p + "mlp.down_proj.weight", h, size.intermediate(), arena, dtype);
            }
            add("model.norm.weight", 1, h, arena, DType.F32);
            if (!size.tied()) {
                add("lm_head.weight", size.vocab(), h, arena, dtype);
            }
        }

        private void add(String name, int rows, int cols, Arena arena, DType type) {
            long count = (long) rows * cols;
            parameters += count;
            MemorySegment data = arena.allocate(type.byteSize(count), 64);
            float scale = rows == 1 ? 0 : (float) Math.sqrt(3.0 / cols);
            // Norm weights are 1 (scale 0 + 1); matrices uniform with the variance of a 1/sqrt(fan-in) init.
            int chunks = (int) Math.min(1024, Math.max(1, count / 65536));
            long per = (count + chunks - 1) / chunks;
            IntStream.range(0, chunks).parallel().forEach(c -> {
                long state = (name.hashCode() * 0x9E3779B97F4A7C15L) ^ (c + 1) * 0xBF58476D1CE4E5B9L;
                long end = Math.min(count, (c + 1) * per);
                for (long i = c * per; i < end; i++) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    float value = rows == 1 ? 1f : scale * ((state >>> 40) * 0x1.0p-23f - 1f);
                    if (type == DType.F32) {
                        data.set(FLOAT, 4 * i, value);
                    } else {
                        data.set(SHORT, 2 * i, (short) (Float.floatToRawIntBits(value) >>> 16));
                    }
                }
            });
            TensorInfo info = new TensorInfo(name, type, rows == 1 ? Shape.of(cols) : Shape.of(rows, cols), "");
            tensors.add(new InMemoryTensor(info, data));
        }

        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        InMemoryModel model() {
            return InMemoryModel.of(config, tensors);
        }
    }
}
