package org.evomerge.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.training.TrainingData;
import org.evomerge.api.training.TrainingResult;
import org.evomerge.api.training.TrainingSettings;
import org.evomerge.demo.DemoPipeline;
import org.evomerge.demo.SyntheticTasks;
import org.evomerge.inference.LlamaConfig;
import org.evomerge.training.LlamaTrainer;
import org.evomerge.training.kernels.RowParallelKernels;
import org.evomerge.training.model.TrainableLlama;

/**
 * Training speed on the demo model and the demo's pre-training data: tokens/s and achieved GFLOP/s of full
 * fine-tuning (forward + backward + AdamW), with 1 thread and with N, next to the baseline of the same run: the
 * matrix kernel alone on a large product (what the hardware gives this code) and a plain scalar loop.
 *
 * <p>FLOPs counted: 6 per weight multiply-add per token (forward, input gradient, weight gradient) plus the causal
 * attention products (scores and values, forward and backward).
 *
 * <pre>benchmarks/bench train [--steps 60] [--threads N] [--batch 32]</pre>
 */
public final class TrainBenchmark {

    private TrainBenchmark() {
    }

    public static void main(String[] args) {
        int steps = 60;
        int threads = Runtime.getRuntime().availableProcessors();
        int batch = 32;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: bench train [--steps N] [--threads N] [--batch N]");
                    System.exit(2);
                }
            }
        }
        DemoPipeline demo = new DemoPipeline(new DemoPipeline.Options(Path.of("unused"), 42, 1,
                new org.evomerge.api.model.ModelFormat() {
                    public boolean recognizes(Path path) {
                        return false;
                    }

                    public org.evomerge.api.model.Model open(Path path) {
                        throw new UnsupportedOperationException();
                    }
                }, DemoPipeline.Schedule.DEFAULT, null));
        ModelConfig config = demo.modelConfig();
        LlamaConfig dims = TrainableLlama.trainable("demo model", config);
        TrainingData data = demo.pretrainingData(SyntheticTasks.generate(42));
        System.out.printf(Locale.ROOT, "demo model: %d layers, width %d, MLP %d, %d heads / %d kv heads, vocabulary"
                + " %d, %d weight multiply-adds per token; batch %d, %d measured steps after %d warm-up steps%n",
                dims.layers(), dims.hidden(), dims.intermediate(), dims.heads(), dims.kvHeads(), dims.vocab(),
                dims.weightMultiplyAdds(), batch, steps, steps / 2);
        List<Integer> counts = threads == 1 ? List.of(1) : List.of(1, threads);
        for (int t : counts) {
            measureTraining(config, dims, data, batch, steps, t);
        }
        for (int t : counts) {
            measureKernel(t);
        }
        measureScalarLoop();
    }

    private static void measureTraining(ModelConfig config, LlamaConfig dims, TrainingData data, int batch, int steps,
                                        int threads) {
        TrainableLlama init = TrainableLlama.initialize(config, 0.02, new SplittableRandom(1));
        Model model = init.toModel(config, List.of());
        LlamaTrainer trainer = new LlamaTrainer(threads);
        trainer.fineTune(model, data, TrainingSettings.of(Math.max(1, steps / 2), batch, 1e-3, 1)); // JIT warm-up
        TrainingResult result = trainer.fineTune(model, data, TrainingSettings.of(steps, batch, 1e-3, 2));
        double tokensPerSecond = result.tokensTrained() / result.seconds();
        // Mean attention context: sequences of the demo data average about 20 tokens; count from the data.
        double meanLength = data.examples().stream().mapToInt(e -> Math.min(e.length(), 64)).average().orElse(0);
        double attentionMacsPerToken = 2.0 * dims.heads() * dims.headDim() * (meanLength + 1) / 2;
        double flopsPerToken = 6.0 * dims.weightMultiplyAdds() + 6.0 * attentionMacsPerToken;
        System.out.printf(Locale.ROOT, "training, %d thread(s): %,.0f tokens/s, %.2f GFLOP/s (%.1f s, %,d tokens)%n",
                threads, tokensPerSecond, tokensPerSecond * flopsPerToken / 1e9, result.seconds(),
                result.tokensTrained());
    }

    /** The forward kernel on a 512 x 512 x 512 product: the rate this code reaches when shapes are generous. */
    private static void measureKernel(int threads) {
        int n = 512;
        float[] x = random(n * n, 1);
        float[] w = random(n * n, 2);
        float[] y = new float[n * n];
        try (RowParallelKernels kernels = new RowParallelKernels(threads)) {
            for (int i = 0; i < 5; i++) {
                kernels.multiplyTransposed(x, w, y, n, n, n, false);
            }
            int rounds = 10;
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                kernels.multiplyTransposed(x, w, y, n, n, n, false);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "baseline: matrix kernel 512^3, %d thread(s): %.2f GFLOP/s%n", threads,
                    2.0 * n * n * n * rounds / seconds / 1e9);
        }
    }

    private static void measureScalarLoop() {
        int n = 256;
        float[] x = random(n * n, 1);
        float[] w = random(n * n, 2);
        float[] y = new float[n * n];
        for (int round = 0; round < 3; round++) {
            scalar(x, w, y, n);
        }
        int rounds = 5;
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            scalar(x, w, y, n);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "baseline: plain scalar loop 256^3, 1 thread: %.2f GFLOP/s%n",
                2.0 * n * n * n * rounds / seconds / 1e9);
    }

    private static void scalar(float[] x, float[] w, float[] y, int n) {
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < n; o++) {
                float sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += x[t * n + i] * w[o * n + i];
                }
                y[t * n + o] = sum;
            }
        }
    }

    private static float[] random(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) r.nextGaussian();
        }
        return values;
    }
}
