package org.evomerge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Evaluations per minute of the demo's evolution, main's per-item generation against batched generation, side by
 * side in one run. Both run the demo's own run file ({@code DIR/runs/evolve.yml}, written by {@code evomerge demo})
 * through the installed {@code bin/evomerge evolve}, with the budget set to {@code --evaluations} (default 60); the
 * per-item side adds {@code batch_size: 1} to every {@code generation} evaluator, which generates one prompt at a time
 * through {@code LanguageModel.generate} as main does. The two alternate, per-item first in even rounds. Without a
 * demo folder the benchmark makes one first with {@code evomerge demo --evaluations 3} (seed 42: about 3 minutes of
 * training on 2 cores).
 *
 * <p>Printed per side: wall time of the whole {@code evolve} process, evaluations per minute over it (start-up, model
 * loading and the first candidate's JIT warm-up included), the first candidate's seconds, and evaluations per minute
 * over the candidates after the first (the sum of the journal's per-candidate {@code seconds}). Then the ratios, and
 * whether the journals are identical apart from the fields that hold times.
 */
public final class EvaluationsBenchmark {

    /** Journal fields that hold times, the only ones allowed to differ between the two sides. */
    private static final Set<String> TIMING = Set.of("seconds", "elapsed", "started");
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Side(String name, Path runFile) {
    }

    private record Timing(double wallSeconds, int evaluations, double firstSeconds, double laterSeconds,
                          List<JsonNode> journal) {
    }

    public static void main(String[] args) throws Exception {
        Path demo = Path.of(System.getProperty("java.io.tmpdir"), "evomerge-bench-evals");
        Path evomerge = Path.of("distribution/target/evomerge/bin/evomerge").toAbsolutePath();
        int evaluations = 60;
        int rounds = 1;
        String javaOpts = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> demo = Path.of(args[++i]).toAbsolutePath();
                case "--evomerge" -> evomerge = Path.of(args[++i]).toAbsolutePath();
                case "--evaluations" -> evaluations = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--java-opts" -> javaOpts = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path runFile = demo.resolve("runs").resolve("evolve.yml");
        if (!Files.exists(runFile)) {
            System.out.println("no demo in " + demo + ": making one (evomerge demo --out " + demo
                    + " --evaluations 3)");
            run(new ProcessBuilder(evomerge.toString(), "demo", "--out", demo.toString(), "--evaluations", "3",
                    "--quiet"), null);
        }
        List<Side> sides = List.of(
                new Side("per-item (main)", write(runFile, "bench-per-item.yml", evaluations, 1)),
                new Side("batched", write(runFile, "bench-batched.yml", evaluations, 0)));
        System.out.printf(Locale.ROOT, "run file %s, budget %d evaluations, %d round(s); cores %d; java %s%n",
                runFile, evaluations, rounds, Runtime.getRuntime().availableProcessors(), Runtime.version());
        List<List<Timing>> timings = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int s = r % 2 == 0 ? k : 1 - k;
                Path out = demo.resolve("runs").resolve("bench-" + (s == 0 ? "per-item" : "batched") + "-" + r);
                deleteRecursively(out);
                long t0 = System.nanoTime();
                run(new ProcessBuilder(evomerge.toString(), "evolve", sides.get(s).runFile().toString(), "--out",
                        out.toString(), "--quiet"), javaOpts);
                timings.get(s).add(timing((System.nanoTime() - t0) / 1e9, out.resolve("journal.jsonl")));
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-16s %8s %12s %11s %14s %12s%n", "generation", "wall s", "evals/min",
                "first s", "later mean s", "later ev/min");
        double[][] rates = new double[2][2];
        for (int s = 0; s < 2; s++) {
            for (Timing t : timings.get(s)) {
                double later = t.evaluations() > 1 ? 60 * (t.evaluations() - 1) / t.laterSeconds() : Double.NaN;
                System.out.printf(Locale.ROOT, "%-16s %8.1f %12.1f %11.2f %14.3f %12.1f%n", sides.get(s).name(),
                        t.wallSeconds(), 60 * t.evaluations() / t.wallSeconds(), t.firstSeconds(),
                        t.laterSeconds() / Math.max(1, t.evaluations() - 1), later);
                rates[s][0] += 60 * t.evaluations() / t.wallSeconds() / rounds;
                rates[s][1] += later / rounds;
            }
        }
        System.out.printf(Locale.ROOT, "ratio batched / per-item (mean over rounds): %.2fx whole run, %.2fx after the"
                + " first candidate%n", rates[1][0] / rates[0][0], rates[1][1] / rates[0][1]);
        System.out.println(compare(timings.get(0).getFirst().journal(), timings.get(1).getFirst().journal()));
    }

    /** The demo's run file with the budget set and {@code batch_size} on every generation evaluator. */
    @SuppressWarnings("unchecked")
    private static Path write(Path runFile, String name, int evaluations, int batchSize) throws IOException {
        Map<String, Object> run = new Yaml().load(Files.readString(runFile));
        ((Map<String, Object>) run.get("budget")).put("evaluations", evaluations);
        for (Object task : (List<Object>) run.get("evaluators")) {
            Map<String, Object> evaluator = (Map<String, Object>) task;
            if ("generation".equals(evaluator.get("evaluator"))) {
                ((Map<String, Object>) evaluator.computeIfAbsent("parameters", k -> new java.util.LinkedHashMap<>()))
                        .put("batch_size", batchSize);
            }
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        // Beside the original, so its relative data paths still resolve.
        Path file = runFile.resolveSibling(name);
        Files.writeString(file, new Yaml(options).dump(run));
        return file;
    }

    private static Timing timing(double wall, Path journal) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(journal)) {
            if (!line.isBlank()) {
                records.add(JSON.readTree(line));
            }
        }
        List<Double> seconds = records.stream().filter(r -> r.path("type").asText().equals("evaluation"))
                .map(r -> r.path("seconds").asDouble()).toList();
        double later = seconds.stream().skip(1).mapToDouble(Double::doubleValue).sum();
        return new Timing(wall, seconds.size(), seconds.isEmpty() ? Double.NaN : seconds.getFirst(), later, records);
    }

    /** Whether two journals agree record by record once the timing fields are left out, and which fields differ. */
    private static String compare(List<JsonNode> a, List<JsonNode> b) {
        Set<String> differing = new TreeSet<>();
        int same = 0;
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            JsonNode x = a.get(i);
            JsonNode y = b.get(i);
            Set<String> fields = new TreeSet<>();
            x.fieldNames().forEachRemaining(fields::add);
            y.fieldNames().forEachRemaining(fields::add);
            for (String f : fields) {
                if (!x.path(f).equals(y.path(f))) {
                    differing.add(f);
                }
            }
            if (withoutTiming(x).equals(withoutTiming(y))) {
                same++;
            }
        }
        boolean identical = a.size() == b.size() && same == a.size();
        return String.format(Locale.ROOT, "journals: %s (%d of %d/%d records equal apart from %s; fields that differ:"
                + " %s)", identical ? "IDENTICAL apart from timing" : "DIFFERENT", same, a.size(), b.size(), TIMING,
                differing);
    }

    private static JsonNode withoutTiming(JsonNode record) {
        ObjectNode copy = record.deepCopy();
        copy.remove(TIMING);
        return copy;
    }

    private static void run(ProcessBuilder builder, String javaOpts) throws IOException, InterruptedException {
        builder.inheritIO();
        if (javaOpts != null) {
            builder.environment().put("EVOMERGE_JAVA_OPTS", javaOpts);
        }
        int exit = builder.start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", builder.command()) + " exited with " + exit);
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
