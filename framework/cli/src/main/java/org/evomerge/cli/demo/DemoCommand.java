package org.evomerge.cli.demo;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.output.TextTable;
import org.evomerge.demo.DemoPipeline;
import org.evomerge.demo.DemoReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evomerge demo [--out DIR] [--seed N] [--json] [--evaluations N]}: the embedded demo. Builds the synthetic
 * data, the tokenizer, a pre-trained base model and one expert per skill in {@code DIR}, merges the experts without
 * tuning and by evolution ({@link DemoMergeSteps}), and prints every model's exact-match scores.
 */
@Command(name = "demo", mixinStandardHelpOptions = true)
public final class DemoCommand implements Runnable {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "evomerge-demo")
    Path out;

    @Option(names = "--evaluations", paramLabel = "N")
    Integer evaluations;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        CommandSession session = output.session();
        Path folder = session.environment().resolve(out);
        long seed = session.settings().run().seed();
        int threads = session.settings().compute().threads();
        ModelFormat safetensors = session.modelFormats().byId("safetensors").format();
        PrintWriter err = session.environment().err();
        boolean quiet = session.options().quiet();
        Consumer<String> progress = line -> {
            if (!quiet) {
                err.println("demo: " + line);
                err.flush();
            }
        };
        if (evaluations != null && evaluations < 1) {
            throw EvomergeException.configuration("--evaluations must be at least 1, got " + evaluations);
        }
        DemoReport parents = new DemoPipeline(new DemoPipeline.Options(folder, seed, threads, safetensors,
                DemoPipeline.Schedule.DEFAULT, progress)).run();
        long started = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>(parents.seconds());
        double trainingTotal = seconds.remove("total");
        DemoMergeSteps.Search search = evaluations == null ? DemoMergeSteps.Search.DEFAULT
                : new DemoMergeSteps.Search(evaluations, DemoMergeSteps.Search.DEFAULT.sample());
        List<DemoReport.ModelResult> models = new DemoMergeSteps(session, folder, seed, progress)
                .run(parents, search, seconds);
        seconds.put("total", trainingTotal + (System.nanoTime() - started) / 1e9);
        DemoReport report = new DemoReport(models, parents.data(), seconds);
        output.print(() -> document(report), stdout -> {
            printTable(stdout, report);
            printVerdict(stdout, report);
        });
    }

    /** {@code {"models": [{name, role, path, scores: {TASK: {dev, test}}, combined_test}], ...}}. */
    static Map<String, Object> document(DemoReport report) {
        List<Object> models = new ArrayList<>();
        for (DemoReport.ModelResult m : report.models()) {
            Map<String, Object> scores = new LinkedHashMap<>();
            m.scores().forEach((task, s) -> {
                Map<String, Object> score = new LinkedHashMap<>();
                score.put("dev", s.dev());
                score.put("test", s.test());
                scores.put(task, score);
            });
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", m.name());
            entry.put("role", m.role());
            entry.put("path", m.path().toString());
            entry.put("scores", scores);
            entry.put("combined_test", m.combinedTest());
            models.add(entry);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("models", models);
        doc.put("data", report.data().toString());
        doc.put("seconds", report.seconds());
        return doc;
    }

    private static void printTable(PrintWriter out, DemoReport report) {
        List<String> header = new ArrayList<>(List.of("MODEL", "ROLE"));
        for (String task : DemoReport.TASKS) {
            header.add(task.toUpperCase(Locale.ROOT) + " DEV/TEST");
        }
        header.add("COMBINED TEST");
        TextTable table = new TextTable(header.toArray(String[]::new));
        for (DemoReport.ModelResult m : report.models()) {
            List<String> row = new ArrayList<>(List.of(m.name(), m.role()));
            for (String task : DemoReport.TASKS) {
                DemoReport.Score s = m.scores().get(task);
                row.add(String.format(Locale.ROOT, "%.2f / %.2f", s.dev(), s.test()));
            }
            row.add(String.format(Locale.ROOT, "%.2f", m.combinedTest()));
            table.row(row.toArray(String[]::new));
        }
        table.print(out);
        out.println();
        out.printf(Locale.ROOT, "exact match, greedy decoding; models in %s, data in %s%n",
                report.models().getFirst().path().getParent(), report.data());
        StringBuilder times = new StringBuilder("seconds:");
        report.seconds().forEach((step, s) -> times.append(String.format(Locale.ROOT, " %s %.1f", step, s)));
        out.println(times);
        out.flush();
    }

    /** One plain sentence per other model: did the evolved model beat it on combined test? */
    static List<String> verdict(DemoReport report) {
        List<String> lines = new ArrayList<>();
        DemoReport.ModelResult evolved = report.models().stream().filter(m -> m.role().equals("evolved"))
                .findFirst().orElse(null);
        if (evolved == null) {
            return lines;
        }
        int beaten = 0;
        int others = 0;
        for (DemoReport.ModelResult m : report.models()) {
            if (m == evolved) {
                continue;
            }
            others++;
            boolean beats = evolved.combinedTest() > m.combinedTest();
            beaten += beats ? 1 : 0;
            lines.add(String.format(Locale.ROOT, "the evolved model %s %s (%s) on combined test: %.3f %s %.3f",
                    beats ? "BEATS" : "does NOT beat", m.name(), m.role(), evolved.combinedTest(),
                    beats ? ">" : "<=", m.combinedTest()));
        }
        lines.add(beaten == others ? "the evolved model beats every parent and every untuned merge on combined test"
                : String.format(Locale.ROOT, "the evolved model beats %d of the %d other models on combined test",
                        beaten, others));
        return lines;
    }

    private static void printVerdict(PrintWriter out, DemoReport report) {
        verdict(report).forEach(out::println);
        out.flush();
    }
}
