package org.evomerge.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.runfolder.BestScores;
import org.evomerge.runfolder.HistoryFile;
import org.evomerge.runfolder.HistoryRow;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.RunFolder;

/**
 * Writes the report of an evolution run directory: {@code plots/fitness.png}, {@code plots/kinship.png} (when the
 * journal has kinship lines), {@code plots/lineage.png} and a self-contained {@code report.html} with the plots
 * embedded. Reads {@code journal.jsonl} (required), {@code history.csv}, {@code run.yml}, {@code best/recipe.yml}
 * and {@code best-scores.json} (each optional; the last gives the best model's scores after the run their 95%
 * bootstrap intervals). Every file is written under a temporary name and renamed, so a reader never sees half a file.
 * Safe to run while the run is going on: it reports what the journal holds so far. A staged run's folder (no journal,
 * {@code stages/<number>-<name>/} run folders) gets each stage's report and a page of the stages.
 */
public final class RunReport {

    static {
        // Charts are drawn off screen; without this AWT looks for a display on Linux servers.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * What {@link #write} produced.
     *
     * @param html  the report page
     * @param plots the PNG files, in page order
     * @param journal the journal the report was made from; of a staged run, the journal of its last stage that has
     *                one
     * @param stages  a staged run's stages, in order (each stage's own report is written too); empty otherwise
     */
    public record Written(Path html, List<Path> plots, Journal journal, List<StageSummary> stages) {

        public Written {
            plots = List.copyOf(plots);
            stages = List.copyOf(stages);
        }

        public List<Path> files() {
            List<Path> all = new ArrayList<>(plots);
            all.add(html);
            return List.copyOf(all);
        }
    }

    /**
     * One stage of a staged run, as its run folder shows it.
     *
     * @param number      the stage's number, from 1
     * @param name        the stage's name
     * @param folder      its run folder
     * @param evaluations its journal's evaluation lines
     * @param best        its best candidate so far
     * @param state       {@code finished (REASON)}, {@code not finished} or {@code not started}
     * @param model       its {@code best/} folder, once written
     * @param report      its own {@code report.html}, when it has a journal
     * @param fitnessPlot its fitness plot (PNG), when it has a journal
     */
    public record StageSummary(int number, String name, Path folder, int evaluations,
                               Optional<JournalRecord.Evaluation> best, String state, Optional<Path> model,
                               Optional<Path> report, Optional<byte[]> fitnessPlot) {
    }

    private RunReport() {
    }

    /**
     * Writes the plots and the page of {@code runDir}.
     *
     * @throws EvomergeException (input) when {@code runDir} is not a run directory (no {@code journal.jsonl}) or a
     *                           file in it is unreadable, naming the file and line
     */
    public static Written write(Path runDir) {
        Path dir = runDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw EvomergeException.input(runDir + ": no such run directory", null);
        }
        RunFolder folder = new RunFolder(dir);
        if (!Files.isRegularFile(folder.journal()) && !folder.stages().isEmpty()) {
            return writeStages(folder);
        }
        if (!Files.isRegularFile(folder.journal())) {
            throw EvomergeException.input(runDir + ": not a run directory (no " + RunFolder.JOURNAL + ")", null);
        }
        Journal journal = Journal.read(folder.journal());
        journal.start();
        List<HistoryRow> rows = Files.isRegularFile(folder.history()) ? HistoryFile.read(folder.history()) : List.of();
        String rowsSource = RunFolder.HISTORY;
        if (rows.isEmpty()) {
            rows = HistoryFile.rows(journal);
            rowsSource = RunFolder.JOURNAL;
        }
        Optional<String> runFile = readOptional(folder.runFile());
        Optional<String> recipe = readOptional(folder.best().resolve("recipe.yml"));
        Optional<JournalRecord.Evaluation> best = bestEvaluation(journal);
        Optional<BestScores> bestScores = BestScores.read(dir);

        Path plots = dir.resolve(RunFolder.PLOTS);
        Map<String, byte[]> images = new LinkedHashMap<>();
        String objective = journal.start().objectives().isEmpty() ? "" : journal.start().objectives().getFirst();
        images.put("fitness.png", RunCharts.png(RunCharts.fitness(rows, objective), RunCharts.WIDTH,
                RunCharts.HEIGHT));
        Optional<JournalRecord.Kinship> kinship = journal.kinships().reversed().stream()
                .filter(k -> !k.ids().isEmpty()).findFirst();
        kinship.ifPresent(k -> {
            int side = Math.max(RunCharts.HEIGHT, Math.min(1400, 220 + 48 * k.ids().size()));
            images.put("kinship.png", RunCharts.png(RunCharts.kinship(k), side + 120, side));
        });
        Optional<RunCharts.Lineage> lineage = best.map(b -> RunCharts.lineage(journal.evaluations(), b.id()));
        lineage.ifPresent(l -> images.put("lineage.png", RunCharts.png(l.chart(), RunCharts.WIDTH,
                Math.max(RunCharts.HEIGHT, Math.min(1400, 120 + 36 * tallestColumn(journal, l))))));

        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(plots);
            for (Map.Entry<String, byte[]> image : images.entrySet()) {
                Path target = plots.resolve(image.getKey());
                RunFolder.writeAtomically(target, image.getValue());
                written.add(target);
            }
            if (kinship.isEmpty()) {
                // A stale heatmap from an earlier report of another run state would contradict the page.
                Files.deleteIfExists(plots.resolve("kinship.png"));
            }
            String html = new ReportPage(dir, journal, rows, rowsSource, best, bestScores, kinship, lineage, runFile,
                    recipe, images).html();
            Path page = dir.resolve(RunFolder.REPORT);
            RunFolder.writeAtomically(page, html.getBytes(StandardCharsets.UTF_8));
            return new Written(page, written, journal, List.of());
        } catch (IOException e) {
            throw EvomergeException.input(dir + ": cannot write the report (" + e.getMessage() + ")", e);
        } catch (UncheckedIOException e) {
            throw EvomergeException.input(dir + ": cannot write the report (" + e.getCause().getMessage() + ")", e);
        }
    }

    /** A staged run: each stage's own report, then the page of the stages. */
    private static Written writeStages(RunFolder folder) {
        Path dir = folder.dir();
        List<StageSummary> stages = new ArrayList<>();
        List<Path> plots = new ArrayList<>();
        Journal last = null;
        for (RunFolder.Stage stage : folder.stages()) {
            RunFolder f = stage.folder();
            Path best = f.best();
            Optional<Path> model = Files.isDirectory(best) ? Optional.of(best) : Optional.empty();
            if (!Files.isRegularFile(f.journal())) {
                stages.add(new StageSummary(stage.number(), stage.name(), f.dir(), 0, Optional.empty(), "not started",
                        model, Optional.empty(), Optional.empty()));
                continue;
            }
            Written written = write(f.dir());
            last = written.journal();
            plots.addAll(written.plots());
            Path fitness = f.dir().resolve(RunFolder.PLOTS).resolve("fitness.png");
            Optional<byte[]> png = written.plots().contains(fitness) ? Optional.of(read(fitness)) : Optional.empty();
            stages.add(new StageSummary(stage.number(), stage.name(), f.dir(), last.evaluations().size(),
                    bestEvaluation(last), last.finish().map(x -> "finished (" + x.reason() + ")")
                    .orElse("not finished"), model, Optional.of(written.html()), png));
        }
        if (last == null) {
            throw EvomergeException.input(dir + ": no stage of this run has a " + RunFolder.JOURNAL + " yet", null);
        }
        String html = new StagesPage(dir, stages, readOptional(folder.runFile())).html();
        Path page = dir.resolve(RunFolder.REPORT);
        try {
            RunFolder.writeAtomically(page, html.getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            throw EvomergeException.input(dir + ": cannot write the report (" + e.getCause().getMessage() + ")", e);
        }
        return new Written(page, plots, last, stages);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The best candidate: the finish line's, else the last generation line's, else the evaluation with the highest
     * primary fitness (the first of equals).
     */
    static Optional<JournalRecord.Evaluation> bestEvaluation(Journal journal) {
        List<String> named = new ArrayList<>();
        journal.finish().ifPresent(f -> named.add(f.bestId()));
        if (!journal.generations().isEmpty()) {
            named.add(journal.generations().getLast().bestId());
        }
        for (String id : named) {
            for (JournalRecord.Evaluation e : journal.evaluations()) {
                if (e.id().equals(id)) {
                    return Optional.of(e);
                }
            }
        }
        return journal.evaluations().stream()
                .max(Comparator.comparingDouble((JournalRecord.Evaluation e) -> e.fitness().primary()));
    }

    private static int tallestColumn(Journal journal, RunCharts.Lineage lineage) {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (JournalRecord.Evaluation e : journal.evaluations()) {
            if (lineage.ancestors().contains(e.id())) {
                counts.merge(e.generation(), 1, Integer::sum);
            }
        }
        return counts.values().stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    private static Optional<String> readOptional(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
