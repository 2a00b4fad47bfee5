package org.evomerge.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.kernels.FloatCodecs;
import org.evomerge.plugins.safetensors.SafetensorsFormatFactory;

/**
 * Merges three generated bf16 models of about 2.3 GB each (a base and two fine-tunes; TinyLlama-like shape: hidden
 * 2048, MLP 5632, vocabulary 32000, 20 layers) with ties, dare_ties and slerp through the installed
 * {@code bin/evomerge}, and in the same run reads the same inputs and writes one output of the same size plainly.
 * Reports input GB/s for both, their ratio, and each merge's peak resident memory (VmHWM of the process).
 *
 * <p>The baseline is timed in the same page-cache state as the merge: every input is read once before anything is
 * timed (so both find the inputs cached), and the baseline runs both right before and right after each merge (so
 * neither side profits from the other's leftovers, and a load change during the run shows as a gap between the two);
 * the ratio uses their mean. Options: {@code --methods ties,slerp} runs a subset; {@code --java-opts "..."} passes
 * JVM options to the merge process ({@code EVOMERGE_JAVA_OPTS}, e.g. a JFR recording).
 */
public final class MergeBenchmark {

    private static final int BUFFER = 8 << 20;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "evomerge-bench-merge");
        Path evomerge = Path.of("distribution/target/evomerge/bin/evomerge").toAbsolutePath();
        int layers = 20;
        List<String> methods = List.of("ties", "dare_ties", "slerp");
        String javaOpts = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--methods" -> methods = List.of(args[++i].split(","));
                case "--java-opts" -> javaOpts = args[++i];
                case "--dir" -> dir = Path.of(args[++i]);
                case "--evomerge" -> evomerge = Path.of(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        ModelFormat format = new SafetensorsFormatFactory().create(Parameters.EMPTY, null);
        List<Path> models = List.of(dir.resolve("base"), dir.resolve("ft1"), dir.resolve("ft2"));
        for (int m = 0; m < models.size(); m++) {
            if (!Files.exists(models.get(m).resolve("config.json"))) {
                generate(format, models.get(m), layers, m);
            }
        }
        long modelBytes = SafetensorsShards.bytes(models.get(0));
        System.out.printf("models: 3 × %.2f GB bf16 in %s; cores %d; java %s%n", modelBytes / 1e9, dir,
                Runtime.getRuntime().availableProcessors(), Runtime.version());
        for (Path m : models) {
            readAll(m); // warm the page cache
        }
        System.out.println("baseline: plain sequential read of the same input files (8 MiB reads) and write + fsync of"
                + " one output of the same size; every input was read once before timing, and the baseline runs right"
                + " before and right after each merge (ratio = mean baseline time / merge time)");
        Files.writeString(dir.resolve("ties.yml"), taskVectorRecipe("ties", "parameters: {normalize: true}\n"));
        Files.writeString(dir.resolve("dare_ties.yml"), taskVectorRecipe("dare_ties", ""));
        Files.writeString(dir.resolve("slerp.yml"), """
                merge_method: slerp
                base_model: base
                models:
                  - {model: base}
                  - {model: ft1}
                parameters: {t: 0.4}
                dtype: bfloat16
                """);
        for (String method : methods) {
            int inputs = method.equals("slerp") ? 2 : 3;
            String loadBefore = loadAverage();
            double before = readWriteBaseline(models.subList(0, inputs), dir.resolve("baseline.bin"), modelBytes);
            Path out = dir.resolve("out-" + method);
            // The previous run's output goes before the clock starts: the baseline writes a fresh file too, and
            // deleting gigabytes is not merging.
            deleteRecursively(out);
            long start = System.nanoTime();
            ProcessBuilder builder = new ProcessBuilder(evomerge.toString(), "merge", method + ".yml", out.toString(),
                    "--quiet").directory(dir.toFile()).inheritIO();
            if (javaOpts != null) {
                builder.environment().put("EVOMERGE_JAVA_OPTS", javaOpts);
            }
            Process process = builder.start();
            long peakKb = 0;
            while (process.isAlive()) {
                peakKb = Math.max(peakKb, peakResidentKb(process.pid()));
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (process.exitValue() != 0) {
                throw new IllegalStateException(method + " merge failed with exit " + process.exitValue());
            }
            double after = readWriteBaseline(models.subList(0, inputs), dir.resolve("baseline.bin"), modelBytes);
            double baselineSeconds = (before + after) / 2;
            double inputBytes = (double) modelBytes * inputs;
            System.out.printf("%-9s merge %.1f s, %.2f GB/s of input | plain read %d inputs + write one output"
                            + " %.1f s (before %.1f s, after %.1f s), %.2f GB/s | ratio %.2f (target >= 0.5)"
                            + " | peak RSS %.2f GiB (target < 2) | load average %s -> %s%n",
                    method, seconds, inputBytes / seconds / 1e9, inputs, baselineSeconds, before, after,
                    inputBytes / baselineSeconds / 1e9, baselineSeconds / seconds, peakKb / 1024.0 / 1024.0,
                    loadBefore, loadAverage());
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The 1-minute load average (what else the machine is doing skews both sides). */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** VmHWM of a live process in KiB (0 once it is gone). */
    private static long peakResidentKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended between the check and the read
        }
        return 0;
    }

    private static double readWriteBaseline(List<Path> inputs, Path output, long outputBytes) throws IOException {
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buffer = arena.allocate(BUFFER, 4096).asByteBuffer();
            for (Path model : inputs) {
                for (Path file : SafetensorsShards.of(model)) {
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                        while (channel.read(buffer.clear()) > 0) {
                            // the bytes are read, as a merge must
                        }
                    }
                }
            }
            try (FileChannel out = FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long done = 0; done < outputBytes; done += BUFFER) {
                    buffer.clear().limit((int) Math.min(BUFFER, outputBytes - done));
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                }
                out.force(true); // a merge output is synced too
            }
        }
        Files.deleteIfExists(output);
        return (System.nanoTime() - start) / 1e9;
    }

    private static void readAll(Path model) throws IOException {
        readWriteBaseline(List.of(model), model.resolveSibling("warm.bin"), 0);
    }

    private static void generate(ModelFormat format, Path dir, int layers, int seed) throws IOException {
        List<TensorInfo> layout = new ArrayList<>();
        layout.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, Shape.of(32000, 2048), ""));
        for (int layer = 0; layer < layers; layer++) {
            String p = "model.layers." + layer + ".";
            layout.add(new TensorInfo(p + "input_layernorm.weight", DType.BF16, Shape.of(2048), ""));
            layout.add(new TensorInfo(p + "self_attn.q_proj.weight", DType.BF16, Shape.of(2048, 2048), ""));
            layout.add(new TensorInfo(p + "self_attn.k_proj.weight", DType.BF16, Shape.of(2048, 2048), ""));
            layout.add(new TensorInfo(p + "self_attn.v_proj.weight", DType.BF16, Shape.of(2048, 2048), ""));
            layout.add(new TensorInfo(p + "self_attn.o_proj.weight", DType.BF16, Shape.of(2048, 2048), ""));
            layout.add(new TensorInfo(p + "post_attention_layernorm.weight", DType.BF16, Shape.of(2048), ""));
            layout.add(new TensorInfo(p + "mlp.gate_proj.weight", DType.BF16, Shape.of(5632, 2048), ""));
            layout.add(new TensorInfo(p + "mlp.up_proj.weight", DType.BF16, Shape.of(5632, 2048), ""));
            layout.add(new TensorInfo(p + "mlp.down_proj.weight", DType.BF16, Shape.of(2048, 5632), ""));
        }
        layout.add(new TensorInfo("model.norm.weight", DType.BF16, Shape.of(2048), ""));
        layout.add(new TensorInfo("lm_head.weight", DType.BF16, Shape.of(32000, 2048), ""));
        Map<String, Object> raw = Map.of("architectures", List.of("LlamaForCausalLM"), "model_type", "llama",
                "hidden_size", 2048, "intermediate_size", 5632, "num_hidden_layers", layers,
                "num_attention_heads", 32, "num_key_value_heads", 32, "vocab_size", 32000, "torch_dtype", "bfloat16");
        ModelConfig config = ModelConfig.of(raw);
        System.out.printf("generating %s ...%n", dir);
        // The same base values in every model (seeded per tensor), plus a model-specific small perturbation.
        try (Arena arena = Arena.ofConfined();
             ModelWriter writer = format.create(dir, new WriteOptions(layout, config, 1_000_000_000L, true, Map.of(),
                     List.of()))) {
            for (TensorInfo info : layout) {
                SplittableRandom base = new SplittableRandom(info.name().hashCode());
                SplittableRandom tune = new SplittableRandom(info.name().hashCode() * 31L + seed);
                MemorySegment data = arena.allocate(info.byteSize(), 64);
                long n = info.shape().elementCount();
                for (long i = 0; i < n; i++) {
                    float v = (float) (base.nextGaussian() * 0.02 + (seed == 0 ? 0 : tune.nextGaussian() * 0.002));
                    data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                            FloatCodecs.floatToBf16(v));
                }
                writer.write(info, data);
            }
            writer.commit();
        }
    }

    /**
     * The two fine-tunes merged onto the base by a task-vector method, half weight and half density each, in bfloat16
     * (mergekit's README example), with {@code extraLines} (YAML lines, each ending in a newline) before the dtype.
     */
    private static String taskVectorRecipe(String method, String extraLines) {
        return "merge_method: " + method + "\n" + """
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 0.5, density: 0.5}}
                  - {model: ft2, parameters: {weight: 0.5, density: 0.5}}
                """ + extraLines + "dtype: bfloat16\n";
    }
}
