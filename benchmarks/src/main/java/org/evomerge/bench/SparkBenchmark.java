package org.evomerge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.evomerge.bench.spark.TimedEvaluatorFactory;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.RunFolder;

/**
 * Evaluations per minute of one small evolution (random search over a linear recipe of two tiny models, an
 * evaluator with a fixed cost) through the cluster bundle's {@code bin/evomerge evolve}: the local worker pool
 * (2 workers), Spark local mode ({@code local[2]}) and a standalone cluster of two 1-core workers on this machine
 * (started with {@code bin/evomerge-cluster}, loopback, a secret). Spark's per-task overhead is derived from a
 * zero-cost run: (wall time − the local pool's) × 2 slots / evaluations. Wall times include each process's start.
 *
 * <p>{@code benchmarks/bench spark [--evaluations 24] [--delay-ms 250] [--dir DIR]}; needs the cluster bundle
 * ({@code ./mvnw -B install}).
 */
public final class SparkBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int evaluations = 24;
        long delay = 250;
        Path dir = Files.createTempDirectory("evomerge-spark-bench");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--evaluations" -> evaluations = Integer.parseInt(args[++i]);
                case "--delay-ms" -> delay = Long.parseLong(args[++i]);
                case "--dir" -> dir = Files.createDirectories(Path.of(args[++i]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path home = Path.of("distribution/cluster/target/evomerge-cluster").toAbsolutePath();
        if (!Files.isExecutable(home.resolve("bin/evomerge-cluster"))) {
            throw new IllegalStateException("no cluster bundle at " + home + "; build it with ./mvnw -B install");
        }
        Path plugins = writePlugin(dir);
        writeModel(dir.resolve("model-a"), 0.0, 1);
        writeModel(dir.resolve("model-b"), 1.0, 2);
        String secret = Long.toHexString(new Random().nextLong()) + Long.toHexString(System.nanoTime());
        List<Process> daemons = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(daemons)));
        System.out.printf(Locale.ROOT, "%d evaluations per run, 2 evaluation slots, evaluation cost %d ms (and 0 ms)%n",
                evaluations, delay);
        System.out.printf(Locale.ROOT, "%-34s %8s %10s %12s %12s%n", "EXECUTOR", "COST ms", "WALL s",
                "EVALS/MIN", "EVAL s (sum)");
        Map<String, double[]> walls = new LinkedHashMap<>();
        try {
            int port = freePort();
            String master = "spark://127.0.0.1:" + port;
            for (long cost : new long[] {delay, 0}) {
                Path run = dir.resolve("run-" + cost + ".yml");
                Files.writeString(run, runFile(evaluations, cost));
                walls.put("local pool|" + cost, evolve(home, dir, plugins, run, "local-" + cost, List.of(), secret));
                walls.put("spark local[2]|" + cost, evolve(home, dir, plugins, run, "sparklocal-" + cost,
                        List.of("--cluster", "local[2]"), secret));
                if (daemons.isEmpty()) {
                    daemons.add(daemon(home, dir, secret, "master", List.of("master", "--host", "127.0.0.1",
                            "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort()))));
                    waitFor(dir.resolve("master.err"), "I have been elected leader", 120);
                    for (int w = 1; w <= 2; w++) {
                        daemons.add(daemon(home, dir, secret, "worker" + w, List.of("worker", master, "--host",
                                "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port",
                                Integer.toString(freePort()), "--work-dir", dir.resolve("work" + w).toString())));
                    }
                    for (int w = 1; w <= 2; w++) {
                        waitFor(dir.resolve("worker" + w + ".err"), "Successfully registered with master", 120);
                    }
                }
                walls.put("spark standalone 2 workers x 1 core|" + cost, evolve(home, dir, plugins, run,
                        "standalone-" + cost, List.of("--cluster", master), secret));
            }
        } finally {
            stop(daemons);
        }
        for (var e : walls.entrySet()) {
            String[] key = e.getKey().split("\\|");
            double[] r = e.getValue();
            System.out.printf(Locale.ROOT, "%-34s %8s %10.1f %12.1f %12.2f%n", key[0], key[1], r[0],
                    60 * evaluations / r[0], r[1]);
        }
        for (String executor : List.of("spark local[2]", "spark standalone 2 workers x 1 core")) {
            double overhead = (walls.get(executor + "|0")[0] - walls.get("local pool|0")[0]) * 2 / evaluations;
            System.out.printf(Locale.ROOT, "per-task overhead of %s vs the local pool (0 ms evaluations, incl."
                    + " start-up spread over the tasks): %.3f s%n", executor, overhead);
        }
    }

    private static String runFile(int evaluations, long delay) {
        return """
                models: [model-a, model-b]
                genome: {kind: recipe, merge_method: linear, layer_groups: 2, filters: [self_attn, mlp], dtype: float32}
                strategy: {id: random, parameters: {batch_size: 4}}
                evaluators:
                  - {name: timed, evaluator: bench-timed, parameters: {delay_ms: %d}}
                budget: {evaluations: %d}
                workers: 2
                seed: 3
                """.formatted(delay, evaluations);
    }

    /** @return wall seconds of the whole command and the journal's summed evaluation seconds */
    private static double[] evolve(Path home, Path dir, Path plugins, Path run, String out, List<String> extra,
                                   String secret) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/evomerge").toString(), "-q", "--plugins-dir",
                plugins.toString(), "evolve", run.toString(), "--out", dir.resolve(out).toString(), "--json"));
        command.addAll(extra);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve(out + ".out").toFile()).redirectError(dir.resolve(out + ".err").toFile());
        builder.environment().put("EVOMERGE_SPARK_SECRET", secret);
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        long t0 = System.nanoTime();
        Process p = builder.start();
        if (!p.waitFor(900, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(out + " failed: " + Files.readString(dir.resolve(out + ".err")));
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double evalSeconds = Journal.read(dir.resolve(out).resolve(RunFolder.JOURNAL)).evaluations().stream()
                .mapToDouble(JournalRecord.Evaluation::seconds).sum();
        return new double[] {wall, evalSeconds};
    }

    private static Process daemon(Path home, Path dir, String secret, String name, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/evomerge-cluster").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(dir.resolve(name + ".err").toFile());
        builder.environment().put("EVOMERGE_SPARK_SECRET", secret);
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return builder.start();
    }

    private static void stop(List<Process> processes) {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void waitFor(Path log, String text, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!(Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text))) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for '" + text + "' in " + log);
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Path writePlugin(Path dir) throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path plugin = Files.createDirectories(plugins.resolve("bench-timed"));
        Files.writeString(plugin.resolve("plugin.properties"), "plugin.id=bench-timed\nplugin.version=1.0.0\n"
                + "plugin.provider=benchmarks\nplugin.description=fixed-cost evaluator for the spark benchmark\n");
        Path classes = plugin.resolve("classes");
        String resource = TimedEvaluatorFactory.class.getName().replace('.', '/') + ".class";
        Path target = classes.resolve(resource);
        Files.createDirectories(target.getParent());
        try (var in = TimedEvaluatorFactory.class.getClassLoader().getResourceAsStream(resource)) {
            Files.write(target, in.readAllBytes());
        }
        Files.createDirectories(classes.resolve("META-INF"));
        Files.writeString(classes.resolve("META-INF/extensions.idx"), TimedEvaluatorFactory.class.getName() + "\n");
        return plugins;
    }

    /** A 2-layer Llama-shaped float32 safetensors model whose weights are {@code offset} + small noise. */
    private static void writeModel(Path folder, double offset, long seed) throws IOException {
        Files.createDirectories(folder);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {8, 4});
        for (int l = 0; l < 2; l++) {
            shapes.put("model.layers." + l + ".input_layernorm.weight", new long[] {4});
            shapes.put("model.layers." + l + ".self_attn.o_proj.weight", new long[] {4, 4});
            shapes.put("model.layers." + l + ".mlp.down_proj.weight", new long[] {4, 4});
        }
        shapes.put("model.norm.weight", new long[] {4});
        shapes.put("lm_head.weight", new long[] {8, 4});
        Random random = new Random(seed);
        Map<String, Object> header = new LinkedHashMap<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long offsetBytes = 0;
        for (var e : shapes.entrySet()) {
            int n = 1;
            for (long d : e.getValue()) {
                n *= (int) d;
            }
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat((float) (offset + 0.1 * random.nextGaussian()));
            }
            data.write(b.array());
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(),
                    "data_offsets", List.of(offsetBytes, offsetBytes + 4L * n)));
            offsetBytes += 4L * n;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        file.write(json);
        file.write(data.toByteArray());
        Files.write(folder.resolve("model.safetensors"), file.toByteArray());
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": 2,
                 "hidden_size": 4, "intermediate_size": 4, "num_attention_heads": 1, "num_key_value_heads": 1,
                 "vocab_size": 8, "torch_dtype": "float32"}
                """);
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"WordLevel\"}}");
    }
}
