package org.evomerge.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.evomerge.api.EvomergeException;
import org.evomerge.demo.DemoReport;
import org.evomerge.report.IntervalChart;
import org.evomerge.runfolder.RunFolder;
import org.evomerge.statistics.Interval;
import org.evomerge.statistics.StudentT;

/**
 * {@code evomerge demo --seeds 42,43,44,45,46}: the whole demo once per seed (data, training and search all seeded
 * by it) in {@code OUT/seed-N/}, then the demo table over seeds: each cell's mean and Student t 95% interval over
 * the seeds, and each evolved model's difference to every source and untuned merge the same way.
 *
 * <pre>
 * OUT/seed-N/...                 one demo per seed (its own data, models, runs)
 * OUT/seed-N/demo.json           that demo's --json document, written last: a seed with it is finished
 * OUT/sweep.md, OUT/sweep.json   the table over seeds
 * OUT/sweep-combined-test.png    combined test per model, mean and interval over seeds
 * </pre>
 *
 * Resumable: a seed whose {@code demo.json} exists is not run again, so an interrupted sweep continues where it
 * stopped, and a sweep over more seeds reuses the finished ones.
 */
final class DemoSeedSweep {

    /** The per-seed document: {@link DemoCommand#document}'s shape. */
    static final String SEED_DOCUMENT = "demo.json";
    static final String TABLE = "sweep.md";
    static final String JSON_FILE = "sweep.json";
    static final String PLOT = "sweep-combined-test.png";

    /** Runs the whole demo for one seed in {@code folder} and returns its {@code --json} document. */
    @FunctionalInterface
    interface SeedRun {
        Map<String, Object> run(long seed, Path folder);
    }

    /**
     * @param document the sweep's {@code --json} document
     * @param markdown the table, as written to {@link #TABLE}
     * @param ran      the seeds run now (the others were finished before)
     */
    record Result(Map<String, Object> document, String markdown, List<Long> ran) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path out;
    private final List<Long> seeds;
    private final Consumer<String> progress;

    DemoSeedSweep(Path out, List<Long> seeds, Consumer<String> progress) {
        if (seeds.isEmpty()) {
            throw EvomergeException.configuration("--seeds needs at least one seed");
        }
        if (seeds.stream().distinct().count() != seeds.size()) {
            throw EvomergeException.configuration("--seeds lists a seed twice: " + seeds);
        }
        this.out = out;
        this.seeds = List.copyOf(seeds);
        this.progress = progress;
    }

    static Path seedFolder(Path out, long seed) {
        return out.resolve("seed-" + seed);
    }

    Result run(SeedRun demo) {
        List<Long> ran = new ArrayList<>();
        List<JsonNode> documents = new ArrayList<>();
        for (int s = 0; s < seeds.size(); s++) {
            long seed = seeds.get(s);
            Path folder = seedFolder(out, seed);
            Path file = folder.resolve(SEED_DOCUMENT);
            if (Files.isRegularFile(file)) {
                progress.accept(String.format(Locale.ROOT, "sweep: seed %d (%d of %d) finished before: %s", seed,
                        s + 1, seeds.size(), file));
            } else {
                progress.accept(String.format(Locale.ROOT, "sweep: seed %d (%d of %d) in %s", seed, s + 1,
                        seeds.size(), folder));
                Map<String, Object> document = demo.run(seed, folder);
                write(file, json(document));
                ran.add(seed);
            }
            documents.add(read(file));
        }
        Map<String, Object> document = aggregate(documents);
        String markdown = markdown(document);
        write(out.resolve(TABLE), markdown);
        write(out.resolve(JSON_FILE), json(document));
        writePlot(document);
        return new Result(document, markdown, ran);
    }

    /** Each cell's values over the seeds, in seed order, then their mean and t interval. */
    private Map<String, Object> aggregate(List<JsonNode> documents) {
        JsonNode first = documents.getFirst();
        List<Object> models = new ArrayList<>();
        for (JsonNode model : first.path("models")) {
            String name = model.path("name").asText();
            Map<String, Object> scores = new LinkedHashMap<>();
            for (String task : DemoReport.TASKS) {
                Map<String, Object> splits = new LinkedHashMap<>();
                for (String split : List.of("dev", "test")) {
                    splits.put(split, cell(documents, d -> model(d, name).path("scores").path(task).path(split)));
                }
                scores.put(task, splits);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name);
            entry.put("role", model.path("role").asText());
            entry.put("scores", scores);
            entry.put("combined_test", cell(documents, d -> model(d, name).path("combined_test")));
            models.add(entry);
        }
        List<Object> comparisons = new ArrayList<>();
        for (JsonNode comparison : first.path("comparisons")) {
            String evolved = comparison.path("model").asText();
            String against = comparison.path("against").asText();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("model", evolved);
            entry.put("against", against);
            entry.put("against_role", comparison.path("against_role").asText());
            entry.put("difference", cell(documents, d -> comparison(d, evolved, against).path("difference")));
            int beats = 0;
            for (JsonNode d : documents) {
                beats += comparison(d, evolved, against).path("beats").asBoolean() ? 1 : 0;
            }
            entry.put("seeds_beaten", beats);
            comparisons.add(entry);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("seeds", seeds);
        doc.put("interval", "mean and Student t 95% interval over " + seeds.size() + " seeds");
        doc.put("models", models);
        doc.put("comparisons", comparisons);
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("table", out.resolve(TABLE).toString());
        files.put("json", out.resolve(JSON_FILE).toString());
        files.put("plot", out.resolve(PLOT).toString());
        doc.put("files", files);
        return doc;
    }

    private JsonNode model(JsonNode document, String name) {
        for (JsonNode model : document.path("models")) {
            if (model.path("name").asText().equals(name)) {
                return model;
            }
        }
        throw EvomergeException.input(out + ": a seed's " + SEED_DOCUMENT + " has no model " + name
                + ": the seeds were run by different versions of the demo; delete the older seed folders", null);
    }

    private JsonNode comparison(JsonNode document, String evolved, String against) {
        for (JsonNode comparison : document.path("comparisons")) {
            if (comparison.path("model").asText().equals(evolved)
                    && comparison.path("against").asText().equals(against)) {
                return comparison;
            }
        }
        throw EvomergeException.input(out + ": a seed's " + SEED_DOCUMENT + " has no comparison of " + evolved
                + " with " + against + ": the seeds were run by different versions of the demo; delete the older"
                + " seed folders", null);
    }

    private Map<String, Object> cell(List<JsonNode> documents, Function<JsonNode, JsonNode> value) {
        double[] values = new double[documents.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = value.apply(documents.get(i));
            if (!v.isNumber()) {
                throw EvomergeException.input(seedFolder(out, seeds.get(i)).resolve(SEED_DOCUMENT)
                        + ": a score is missing or not a number", null);
            }
            values[i] = v.asDouble();
        }
        Interval interval = StudentT.overSeeds(values);
        Map<String, Object> cell = new LinkedHashMap<>();
        cell.put("mean", interval.estimate());
        cell.put("interval", interval.defined() ? List.of(interval.lower(), interval.upper()) : null);
        cell.put("values", Arrays.stream(values).boxed().toList());
        return cell;
    }

    @SuppressWarnings("unchecked")
    private static Interval interval(Object cell) {
        Map<String, Object> c = (Map<String, Object>) cell;
        double mean = (double) c.get("mean");
        List<Double> bounds = (List<Double>) c.get("interval");
        return bounds == null ? new Interval(mean, Double.NaN, Double.NaN)
                : new Interval(mean, bounds.get(0), bounds.get(1));
    }

    @SuppressWarnings("unchecked")
    String markdown(Map<String, Object> doc) {
        StringBuilder md = new StringBuilder();
        md.append("# evomerge demo over ").append(seeds.size()).append(" seeds (")
                .append(seeds.stream().map(String::valueOf).collect(Collectors.joining(", "))).append(")\n\n");
        int freedom = seeds.size() - 1;
        md.append("Exact match, mean over the seeds [Student t 95% interval, ").append(freedom)
                .append(freedom == 1 ? " degree" : " degrees").append(" of freedom]. Each seed ran the whole demo")
                .append(" (data, training and search) from that seed, in `seed-N/`.\n\n");
        StringBuilder header = new StringBuilder("| model | role |");
        StringBuilder rule = new StringBuilder("| --- | --- |");
        for (String task : DemoReport.TASKS) {
            header.append(' ').append(task).append(" dev | ").append(task).append(" test |");
            rule.append(" ---: | ---: |");
        }
        md.append(header).append(" combined test |\n").append(rule).append(" ---: |\n");
        for (Object m : (List<Object>) doc.get("models")) {
            Map<String, Object> model = (Map<String, Object>) m;
            md.append("| ").append(model.get("name")).append(" | ").append(model.get("role")).append(" |");
            Map<String, Object> scores = (Map<String, Object>) model.get("scores");
            for (String task : DemoReport.TASKS) {
                Map<String, Object> splits = (Map<String, Object>) scores.get(task);
                md.append(' ').append(interval(splits.get("dev")).format(3)).append(" | ")
                        .append(interval(splits.get("test")).format(3)).append(" |");
            }
            md.append(' ').append(interval(model.get("combined_test")).format(3)).append(" |\n");
        }
        List<Object> comparisons = (List<Object>) doc.get("comparisons");
        if (!comparisons.isEmpty()) {
            md.append("\n| evolved | vs | role | combined test difference | seeds where the paired interval is"
                            + " above 0 |\n")
                    .append("| --- | --- | --- | ---: | ---: |\n");
            for (Object c : comparisons) {
                Map<String, Object> comparison = (Map<String, Object>) c;
                md.append("| ").append(comparison.get("model")).append(" | ").append(comparison.get("against"))
                        .append(" | ").append(comparison.get("against_role"))
                        .append(" | ").append(interval(comparison.get("difference")).format(3)).append(" | ")
                        .append(comparison.get("seeds_beaten")).append(" of ").append(seeds.size()).append(" |\n");
            }
        }
        md.append("\n![combined test per model](").append(PLOT).append(")\n");
        return md.toString();
    }

    @SuppressWarnings("unchecked")
    private void writePlot(Map<String, Object> doc) {
        List<String> names = new ArrayList<>();
        List<Interval> estimates = new ArrayList<>();
        for (Object m : (List<Object>) doc.get("models")) {
            Map<String, Object> model = (Map<String, Object>) m;
            names.add((String) model.get("name"));
            estimates.add(interval(model.get("combined_test")));
        }
        byte[] png = IntervalChart.png("Combined test over " + seeds.size() + " seeds (mean, 95% t interval)",
                "exact match", names, estimates);
        try {
            Files.createDirectories(out);
            RunFolder.writeAtomically(out.resolve(PLOT), png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve(PLOT) + ": " + e.getMessage(), e);
        }
    }

    private static String json(Object document) {
        try {
            return JSON.writeValueAsString(document) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(Path file) {
        try {
            JsonNode document = JSON.readTree(file.toFile());
            if (document == null || !document.path("models").isArray() || document.path("models").isEmpty()) {
                throw EvomergeException.input(file + ": not a demo result (no \"models\" list): delete it to run"
                        + " the seed again", null);
            }
            return document;
        } catch (IOException e) {
            throw EvomergeException.input(file + ": not a demo result (" + e.getMessage().lines().findFirst()
                    .orElse("") + "): delete it to run the seed again", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        RunFolder.writeAtomically(file, text);
    }
}
