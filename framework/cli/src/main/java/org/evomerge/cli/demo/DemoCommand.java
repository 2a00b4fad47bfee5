package org.evomerge.cli.demo;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.output.TextTable;
import org.evomerge.demo.DemoPipeline;
import org.evomerge.demo.DemoReport;
import org.evomerge.statistics.Interval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evomerge demo [--out DIR] [--seed N | --seeds N,N,...] [--json] [--evaluations N]
 * [--strategies default|all]}: the embedded demo. Builds the synthetic data, the tokenizer, a pre-trained base model
 * and one expert per skill (a distractor included) in {@code DIR}, merges the experts without tuning and by evolution
 * (PS, DFS, PS+DFS and EvoMerge's GA with fine-tuning; with {@code --strategies all} also the other seed papers'
 * searches: {@link DemoMergeSteps}), and
 * prints every model's exact-match scores with their 95% intervals and the best evolved model's paired comparisons
 * ({@link DemoStatistics}). With
 * {@code --seeds}, runs all that once per seed and prints the table over seeds ({@link DemoSeedSweep}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true)
public final class DemoCommand implements Runnable {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "evomerge-demo")
    Path out;

    @Option(names = "--evaluations", paramLabel = "N")
    Integer evaluations;

    @Option(names = "--seeds", paramLabel = "N,N,...", split = ",")
    List<Long> seeds;

    /** {@code all} adds the other seed papers' search strategies as rows: DE, kinship greedy (with exploration too). */
    @Option(names = "--strategies", paramLabel = "default|all")
    String strategies;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        CommandSession session = output.session();
        Path folder = session.environment().resolve(out);
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
        DemoMergeSteps.Search search = evaluations == null ? DemoMergeSteps.Search.DEFAULT
                : new DemoMergeSteps.Search(evaluations, evaluations, DemoMergeSteps.Search.DEFAULT.sample(), false);
        if (strategies != null) {
            if (!strategies.equals("all") && !strategies.equals("default")) {
                throw EvomergeException.configuration("--strategies must be 'default' or 'all', got '" + strategies
                        + "'");
            }
            search = strategies.equals("all") ? search.withAllStrategies() : search;
        }
        DemoMergeSteps.Search chosen = search;
        if (seeds != null) {
            DemoSeedSweep.Result sweep = new DemoSeedSweep(folder, seeds, progress).run((seed, seedFolder) ->
                    document(demo(session, seedFolder, seed, chosen, progress), new DemoStatistics(seed)));
            output.print(sweep::document, stdout -> {
                stdout.print(sweep.markdown());
                stdout.printf("wrote %s, %s and %s%n", folder.resolve(DemoSeedSweep.TABLE),
                        folder.resolve(DemoSeedSweep.JSON_FILE), folder.resolve(DemoSeedSweep.PLOT));
                stdout.flush();
            });
            return;
        }
        long seed = session.settings().run().seed();
        DemoReport report = demo(session, folder, seed, search, progress);
        DemoStatistics statistics = new DemoStatistics(seed);
        output.print(() -> document(report, statistics), stdout -> {
            printTable(stdout, report, statistics);
            printVerdict(stdout, report, statistics);
        });
    }

    /** The whole demo in {@code folder}, every step seeded by {@code seed}: every model scored the same way. */
    private static DemoReport demo(CommandSession session, Path folder, long seed, DemoMergeSteps.Search search,
                                   Consumer<String> progress) {
        int threads = session.settings().compute().threads();
        ModelFormat safetensors = session.modelFormats().byId("safetensors").format();
        DemoReport parents = new DemoPipeline(new DemoPipeline.Options(folder, seed, threads, safetensors,
                DemoPipeline.Schedule.DEFAULT, progress)).run();
        long started = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>(parents.seconds());
        double trainingTotal = seconds.remove("total");
        List<DemoReport.ModelResult> models = new DemoMergeSteps(session, folder, seed, progress)
                .run(parents, search, seconds);
        seconds.put("total", trainingTotal + (System.nanoTime() - started) / 1e9);
        return new DemoReport(models, parents.data(), seconds);
    }

    /**
     * {@code {"models": [{name, role, path, scores: {TASK: {dev, test, dev_interval, test_interval}}, combined_test,
     * combined_test_interval}], "comparisons": [...], "statistics": {...}, "data", "seconds"}}: intervals are
     * {@code [lower, upper]}, present where per-item outcomes are.
     */
    static Map<String, Object> document(DemoReport report, DemoStatistics statistics) {
        List<Object> models = new ArrayList<>();
        for (DemoReport.ModelResult m : report.models()) {
            Map<String, Object> scores = new LinkedHashMap<>();
            m.scores().forEach((task, s) -> {
                Map<String, Object> score = new LinkedHashMap<>();
                score.put("dev", s.dev());
                score.put("test", s.test());
                statistics.interval(s.devItems()).ifPresent(i -> score.put("dev_interval", bounds(i)));
                statistics.interval(s.testItems()).ifPresent(i -> score.put("test_interval", bounds(i)));
                scores.put(task, score);
            });
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", m.name());
            entry.put("role", m.role());
            entry.put("path", m.path().toString());
            entry.put("scores", scores);
            entry.put("combined_test", m.combinedTest());
            statistics.combinedTest(m).ifPresent(i -> entry.put("combined_test_interval", bounds(i)));
            entry.put("combined_dev", m.combinedDev());
            if (!m.strategy().isEmpty()) {
                entry.put("strategy", m.strategy());
            }
            models.add(entry);
        }
        Optional<DemoReport.ModelResult> best = DemoStatistics.bestEvolved(report);
        List<DemoStatistics.Comparison> all = new ArrayList<>();
        best.ifPresent(b -> all.addAll(statistics.comparisons(report, b)));
        for (DemoReport.ModelResult m : report.models()) {
            if (m.role().equals(DemoReport.EVOLVED) && m != best.orElse(null)) {
                all.addAll(statistics.comparisons(report, m));
            }
        }
        List<Object> comparisons = new ArrayList<>();
        for (DemoStatistics.Comparison c : all) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("model", c.evolved().name());
            entry.put("against", c.other().name());
            entry.put("against_role", c.other().role());
            entry.put("score", "combined_test");
            entry.put("difference", c.difference());
            c.paired().ifPresent(p -> {
                entry.put("interval", bounds(p.difference()));
                entry.put("mcnemar_p", p.mcNemar().pValue());
                entry.put("only_model", p.mcNemar().onlyA());
                entry.put("only_against", p.mcNemar().onlyB());
            });
            entry.put("beats", c.beats());
            comparisons.add(entry);
        }
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("level", Interval.LEVEL);
        method.put("interval", "percentile bootstrap over items; combined test resampled within each task");
        method.put("comparison", "paired bootstrap of the difference (stratified by task) and exact McNemar");
        method.put("resamples", statistics.resamples());
        method.put("seed", statistics.seed());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("models", models);
        best.ifPresent(b -> doc.put("best_evolved", b.name()));
        doc.put("comparisons", comparisons);
        doc.put("statistics", method);
        doc.put("data", report.data().toString());
        doc.put("seconds", report.seconds());
        return doc;
    }

    private static List<Double> bounds(Interval interval) {
        return List.of(interval.lower(), interval.upper());
    }

    private static void printTable(PrintWriter out, DemoReport report, DemoStatistics statistics) {
        List<String> header = new ArrayList<>(List.of("MODEL", "ROLE"));
        for (String task : DemoReport.TASKS) {
            header.add(task.toUpperCase(Locale.ROOT) + " DEV");
            header.add(task.toUpperCase(Locale.ROOT) + " TEST");
        }
        header.add("COMBINED TEST");
        TextTable table = new TextTable(header.toArray(String[]::new));
        for (DemoReport.ModelResult m : report.models()) {
            List<String> row = new ArrayList<>(List.of(m.name(), m.role()));
            for (String task : DemoReport.TASKS) {
                DemoReport.Score s = m.scores().get(task);
                row.add(cell(s.dev(), statistics.interval(s.devItems())));
                row.add(cell(s.test(), statistics.interval(s.testItems())));
            }
            row.add(cell(m.combinedTest(), statistics.combinedTest(m)));
            table.row(row.toArray(String[]::new));
        }
        table.print(out);
        out.println();
        out.printf(Locale.ROOT, "exact match, greedy decoding; models in %s, data in %s%n",
                report.models().getFirst().path().getParent(), report.data());
        out.printf(Locale.ROOT, "[95%% interval]: percentile bootstrap over the split's items (%d resamples, seed %d);"
                + " combined test = mean of the three test scores, resampled within each task%n",
                statistics.resamples(), statistics.seed());
        StringBuilder times = new StringBuilder("seconds:");
        report.seconds().forEach((step, s) -> times.append(String.format(Locale.ROOT, " %s %.1f", step, s)));
        out.println(times);
        out.flush();
    }

    private static String cell(double score, Optional<Interval> interval) {
        return interval.map(i -> i.format(2)).orElse(String.format(Locale.ROOT, "%.2f", score));
    }

    /**
     * The best evolved model (highest combined dev) against every parent, untuned merge and control, one plain
     * sentence each: it beats one when the paired 95% interval of the difference on combined test lies above zero;
     * each sentence gives the difference, its interval and the exact McNemar p-value. The summary after them counts
     * the parents and untuned merges only, what the demo's targets name. Then one line per other evolved model.
     */
    static List<String> verdict(DemoReport report, DemoStatistics statistics) {
        List<String> lines = new ArrayList<>();
        Optional<DemoReport.ModelResult> best = DemoStatistics.bestEvolved(report);
        if (best.isEmpty()) {
            return lines;
        }
        List<DemoStatistics.Comparison> comparisons = statistics.comparisons(report, best.get());
        if (comparisons.isEmpty()) {
            return lines;
        }
        lines.add(String.format(Locale.ROOT, "the best evolved model, chosen on dev (combined dev %.3f): %s",
                best.get().combinedDev(), best.get().name()));
        for (DemoStatistics.Comparison c : comparisons) {
            String evidence = c.paired().map(p -> String.format(Locale.ROOT,
                    "difference %+.3f %s, McNemar p = %s (%d vs %d discordant items)", c.difference(),
                    signedBounds(p.difference()), p.mcNemar().pValueText(), p.mcNemar().onlyA(),
                    p.mcNemar().onlyB()))
                    .orElse(String.format(Locale.ROOT, "difference %+.3f (no per-item outcomes: no interval)",
                            c.difference()));
            lines.add(String.format(Locale.ROOT, "%s %s %s (%s) on combined test: %.3f vs %.3f, %s",
                    c.evolved().name(), c.beats() ? "BEATS" : "does NOT beat", c.other().name(), c.other().role(),
                    c.evolved().combinedTest(), c.other().combinedTest(), evidence));
        }
        lines.add(summary(best.get(), sourcesAndUntuned(comparisons)));
        for (DemoReport.ModelResult m : report.models()) {
            if (m.role().equals(DemoReport.EVOLVED) && m != best.get()) {
                List<DemoStatistics.Comparison> own = sourcesAndUntuned(statistics.comparisons(report, m));
                DemoStatistics.Comparison closest = own.stream()
                        .min(java.util.Comparator.comparingDouble(DemoStatistics.Comparison::difference)).orElseThrow();
                lines.add(summary(m, own) + String.format(Locale.ROOT,
                        " (closest: %s, difference %+.3f%s)", closest.other().name(), closest.difference(),
                        closest.paired().map(p -> " " + signedBounds(p.difference())).orElse("")));
            }
        }
        return lines;
    }

    private static List<DemoStatistics.Comparison> sourcesAndUntuned(List<DemoStatistics.Comparison> comparisons) {
        return comparisons.stream().filter(DemoStatistics.Comparison::againstSourceOrUntuned).toList();
    }

    private static String summary(DemoReport.ModelResult evolved, List<DemoStatistics.Comparison> comparisons) {
        long beaten = comparisons.stream().filter(DemoStatistics.Comparison::beats).count();
        return beaten == comparisons.size()
                ? evolved.name() + " beats every parent and every untuned merge on combined test"
                : String.format(Locale.ROOT, "%s beats %d of the %d parents and untuned merges on combined test",
                        evolved.name(), beaten, comparisons.size());
    }

    private static String signedBounds(Interval interval) {
        return String.format(Locale.ROOT, "[%+.3f, %+.3f]", interval.lower(), interval.upper());
    }

    private static void printVerdict(PrintWriter out, DemoReport report, DemoStatistics statistics) {
        out.println("beats: the paired 95% bootstrap interval of the difference on combined test lies above zero");
        verdict(report, statistics).forEach(out::println);
        out.flush();
    }
}
