package org.evomerge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SplittableRandom;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.execution.EvaluationWorkerHost;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.statistics.irt.AnchorSet;
import org.evomerge.statistics.irt.IrtPriors;
import org.evomerge.statistics.irt.SpearmanCorrelation;
import org.evomerge.statistics.irt.SubsetEstimator;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * How well item response theory estimates a candidate's fitness from a small subset of each task's items
 * (ALGORITHMS.md B.22, {@code org.evomerge.statistics.irt}), over every candidate of a run.
 *
 * <p>The candidates are those of a finished run's journal ({@code --run DIR/runs/evolve}, the demo's evolution by
 * default), merged again from their genomes and scored through the run file's own evaluators, in this JVM, by the
 * installation's {@link EvaluationWorkerHost} (the distribution's {@code lib/} on the class path). Two task sets:
 * (a) the run file's own tasks (the demo's three generation tasks) and (b) an lm-evaluation-harness
 * {@code multiple_choice} task written here in lm-eval's format, a few hundred questions built from the demo's dev and
 * test sets with three seeded distractors each, data in a local JSONL file.
 *
 * <p>Protocol, per task set: the first {@code --fit} candidates (default: the first generation) are scored in full;
 * the IRT model is fitted on their item scores and, for each fraction, anchors are chosen once (k-means over the
 * correctness vectors, seeded). Every later candidate is then scored in full and, by separate evaluators whose
 * datasets hold only the anchors (written beside the run), on the anchors alone; the full and subset evaluations of
 * a candidate run one after the other, so the JIT and the machine's load treat both alike. Printed per fraction:
 * Spearman's rank correlation of the estimated and full fitness (gp-IRT, p-IRT, the weighted anchors, and a seeded
 * random subset of the same size as the baseline), their mean absolute errors, and the wall time of the candidates
 * (merge included) scored in full and on the anchors.
 *
 * <p>Beside it, in the same run and on the same anchors and answers, the refit protocol of the run file's
 * {@code subset_estimate.refit_every} ({@code --refit-every G}, {@code --refit-candidates C}): the first C candidates
 * of every G-th generation are calibration evaluations (their estimate is their full fitness, their cost a full
 * evaluation) and each later generation is estimated by the item model refitted on the first fit's models and the
 * earlier calibrations. {@code --dump-items DIR} writes every model's item scores ({@code items.csv}: id, generation,
 * task, scores) for analysis elsewhere.
 */
public final class IrtBenchmark {

    private static final Yaml YAML = yaml();

    private record Task(String name, double weight, int items) {
    }

    /** A genome to score: a journaled candidate, or one standing for a source model. */
    private record Candidate(String id, int generation, Genome genome) {
    }

    /** One candidate's full item scores per task, and its full fitness. */
    private record Scored(double[][] items, double fitness) {
    }

    /**
     * The run's {@code subset_estimate} refits: the first {@code candidates} candidates of every {@code every}-th
     * generation scored in full (calibration), the item model refitted on them before the next generation.
     */
    private record Refit(int every, int candidates) {
        boolean calibrates(Candidate c) {
            return c.generation() % every == 0
                    && Integer.parseInt(c.id().substring(c.id().lastIndexOf('-') + 1)) < candidates;
        }
    }

    /** Estimate columns: the first fit's three, the random subset, then the refitted fit's three. */
    private static final int GP = 0;
    private static final int P = 1;
    private static final int ANCHOR = 2;
    private static final int RANDOM = 3;
    private static final int REFIT_GP = 4;
    private static final int REFIT_P = 5;
    private static final int REFIT_ANCHOR = 6;

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(System.getProperty("java.io.tmpdir"), "evomerge-bench-evals", "runs", "evolve");
        Path work = null;
        double[] fractions = {0.1, 0.05, 0.02};
        int fit = -1;
        int limit = Integer.MAX_VALUE;
        long seed = 7;
        boolean lmEval = true;
        boolean runTasks = true;
        AnchorSet.Embedding embedding = AnchorSet.Embedding.CORRECTNESS;
        Refit refit = new Refit(1, 1);
        Path dump = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--run" -> runDir = Path.of(args[++i]).toAbsolutePath();
                case "--work" -> work = Path.of(args[++i]).toAbsolutePath();
                case "--fractions" -> fractions = Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble)
                        .toArray();
                case "--fit" -> fit = Integer.parseInt(args[++i]);
                case "--candidates" -> limit = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--embedding" -> embedding = AnchorSet.Embedding.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--refit-every" -> refit = new Refit(Integer.parseInt(args[++i]), refit.candidates());
                case "--refit-candidates" -> refit = new Refit(refit.every(), Integer.parseInt(args[++i]));
                case "--dump-items" -> dump = Path.of(args[++i]).toAbsolutePath();
                case "--only" -> {
                    String only = args[++i];
                    lmEval = only.equals("lm-eval");
                    runTasks = only.equals("run");
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // The run file beside the run folder, where its relative paths were written against (the demo's
        // runs/evolve.yml); the folder's own copy otherwise.
        Path runFile = runDir.resolveSibling(runDir.getFileName() + ".yml");
        if (!Files.exists(runFile)) {
            runFile = runDir.resolve("run.yml");
        }
        if (work == null) {
            work = runDir.resolveSibling(runDir.getFileName() + "-irt-bench");
        }
        Files.createDirectories(work);
        List<Candidate> candidates = candidates(Journal.read(runDir.resolve("journal.jsonl")), limit);
        if (fit < 0) {
            int firstGeneration = candidates.getFirst().generation();
            fit = (int) candidates.stream().filter(c -> c.generation() == firstGeneration).count();
        }
        System.out.printf(Locale.ROOT, "run %s: %d distinct candidates; IRT fitted on the first %d, estimated on the"
                + " other %d; seed %d; anchors by k-means over %s; cores %d; load average %.1f%n", runDir,
                candidates.size(), fit, candidates.size() - fit, seed, embedding.name().toLowerCase(Locale.ROOT),
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        String runText = Files.readString(runFile);
        if (runTasks) {
            System.out.println();
            System.out.println("(a) the run's own tasks");
            measure(runFile, runText, candidates, fit, fractions, seed, embedding, refit, work.resolve("run-tasks"),
                    dump == null ? null : dump.resolve("run-tasks"));
        }
        if (lmEval) {
            System.out.println();
            System.out.println("(b) an lm-eval multiple_choice task");
            Path taskDir = work.resolve("lm-eval");
            Path task = LmEvalTaskWriter.write(runFile.getParent(), taskDir, seed);
            Map<String, Object> run = YAML.load(runText);
            run.put("evaluators", List.of(new LinkedHashMap<>(Map.of("task", task.toString(), "weight", 1))));
            measure(runFile, YAML.dump(run), candidates, fit, fractions, seed, embedding, refit,
                    work.resolve("lm-eval-subsets"), dump == null ? null : dump.resolve("lm-eval"));
        }
    }

    /** Evaluations of distinct genomes, in journal order. */
    private static List<Candidate> candidates(Journal journal, int limit) {
        Set<String> seen = new HashSet<>();
        List<Candidate> out = new ArrayList<>();
        for (JournalRecord.Evaluation e : journal.evaluations()) {
            if (out.size() < limit && seen.add(e.genome().toString())) {
                out.add(new Candidate(e.id(), e.generation(), e.genome()));
            }
        }
        return out;
    }

    /**
     * The source models as genomes of a two-model TIES recipe genome with {@code [weight, density]} per model and
     * layer group (the demo's): each expert alone at density 1 (the base plus its whole task vector: the expert) and
     * every weight 0 (the base). Empty for other genomes.
     */
    @SuppressWarnings("unchecked")
    private static List<Candidate> sources(Map<String, Object> run, int size) {
        Map<String, Object> genome = (Map<String, Object>) run.get("genome");
        List<?> models = (List<?>) run.get("models");
        if (genome == null || !"ties".equals(genome.get("merge_method")) || models == null || models.size() != 2
                || !List.of("weight", "density").equals(genome.get("parameters")) || size % 4 != 0) {
            return List.of();
        }
        List<Candidate> out = new ArrayList<>();
        String[] names = {"source-" + models.get(0), "source-" + models.get(1), "source-base"};
        double[][] weights = {{1, 0}, {0, 1}, {0, 0}};
        for (int s = 0; s < 3; s++) {
            double[] values = new double[size];
            for (int i = 0; i < size; i++) {
                values[i] = i % 2 == 1 ? 1 : weights[s][(i / 2) % 2];
            }
            out.add(new Candidate(names[s], 0, new ParameterGenome(values)));
        }
        return out;
    }

    private static void measure(Path runFile, String runText, List<Candidate> candidates, int fit,
                                double[] fractions, long seed, AnchorSet.Embedding embedding, Refit refit,
                                Path subsets, Path dump)
            throws IOException {
        Files.createDirectories(subsets);
        Map<String, Object> run = YAML.load(runText);
        // The fitness is the run's: the weighted sum of the task scores (weight 1 where none is written).
        double[] weights = ((List<?>) run.get("evaluators")).stream()
                .mapToDouble(e -> e instanceof Map<?, ?> m && m.get("weight") instanceof Number w ? w.doubleValue() : 1)
                .toArray();
        List<Task> tasks = new ArrayList<>();
        List<Scored> fitted = new ArrayList<>();
        try (CandidateEvaluator full = open(runFile, runText, seed)) {
            List<Candidate> fitSet = new ArrayList<>(sources(run,
                    ((ParameterGenome) candidates.getFirst().genome()).values().length));
            System.out.printf(Locale.ROOT, "fitted on %d source model(s) and the first %d candidates%n",
                    fitSet.size(), fit);
            int sourceCount = fitSet.size();
            fitSet.addAll(candidates.subList(0, fit));
            for (Candidate c : fitSet) {
                fitted.add(score(full, c, tasks, weights));
            }
            for (int m = 0; m < sourceCount; m++) {
                System.out.printf(Locale.ROOT, "  %s: fitness %.4f%n", fitSet.get(m).id(), fitted.get(m).fitness());
            }
            System.out.print("tasks:");
            for (Task t : tasks) {
                System.out.printf(Locale.ROOT, " %s (%d items, weight %.3g)", t.name(), t.items(), t.weight());
            }
            System.out.println();
            // Anchors per fraction and task, chosen once on the fitted candidates.
            int f = fractions.length;
            SubsetEstimator[][] estimators = new SubsetEstimator[f][tasks.size()];
            List<int[][]> random = new ArrayList<>();
            List<CandidateEvaluator> subsetEvaluators = new ArrayList<>();
            try {
                for (int q = 0; q < f; q++) {
                    int[][] randomPerTask = new int[tasks.size()][];
                    for (int t = 0; t < tasks.size(); t++) {
                        double[][] responses = new double[fitted.size()][];
                        for (int m = 0; m < fitted.size(); m++) {
                            responses[m] = fitted.get(m).items()[t];
                        }
                        int k = Math.max(1, (int) Math.round(fractions[q] * tasks.get(t).items()));
                        estimators[q][t] = SubsetEstimator.select(responses, k, embedding, seed + t,
                                IrtPriors.DEFAULT);
                        randomPerTask[t] = randomSubset(tasks.get(t).items(), k, seed + 1000L * (q + 1) + t);
                    }
                    random.add(randomPerTask);
                    int[][] anchors = new int[tasks.size()][];
                    for (int t = 0; t < tasks.size(); t++) {
                        anchors[t] = estimators[q][t].anchors().items();
                    }
                    subsetEvaluators.add(open(runFile, subsetRunText(run, anchors, runFile.getParent(),
                            subsets.resolve("fraction-" + fractions[q])), seed));
                }
                // One item per task: the merge and the fixed cost of an evaluation, which no subset saves.
                int[][] first = new int[tasks.size()][];
                Arrays.fill(first, new int[] {0});
                subsetEvaluators.add(open(runFile, subsetRunText(run, first, runFile.getParent(),
                        subsets.resolve("one-item")), seed));
                double[] truth = new double[candidates.size() - fit];
                double[][][] estimates = new double[f][7][truth.length];
                double fullSeconds = 0;
                double[] subsetSeconds = new double[f + 1];
                // The refit protocol's time: calibrations in full, the others on the anchors.
                double[] refitSeconds = new double[f];
                int calibrationCount = 0;
                // Refitted estimators per fraction and task, for the generation they were last made for.
                List<double[][]> calibrations = new ArrayList<>();
                List<Integer> calibrationGenerations = new ArrayList<>();
                SubsetEstimator[][] refitted = estimators;
                int refittedFor = -1;
                int mismatches = 0;
                for (int c = fit; c < candidates.size(); c++) {
                    Candidate candidate = candidates.get(c);
                    long start = System.nanoTime();
                    Scored s = score(full, candidate, tasks, weights);
                    if (dump != null) {
                        if (c == fit) {
                            Files.deleteIfExists(dump.resolve("items.csv"));
                            for (int m = 0; m < fitted.size(); m++) {
                                dumpItems(dump, "fit-" + m, 0, fitted.get(m), tasks);
                            }
                        }
                        dumpItems(dump, candidate.id(), candidate.generation(), s, tasks);
                    }
                    double candidateFullSeconds = (System.nanoTime() - start) / 1e9;
                    fullSeconds += candidateFullSeconds;
                    truth[c - fit] = s.fitness();
                    boolean calibration = refit.calibrates(candidate);
                    if (!calibration && refittedFor != candidate.generation()) {
                        refitted = refit(fitted, calibrations, calibrationGenerations, candidate.generation(),
                                estimators, tasks.size());
                        refittedFor = candidate.generation();
                    }
                    start = System.nanoTime();
                    subsetEvaluators.get(f).evaluate(
                            new EvaluationTask(candidate.id(), candidate.generation(), candidate.genome(), true));
                    subsetSeconds[f] += (System.nanoTime() - start) / 1e9;
                    for (int q = 0; q < f; q++) {
                        start = System.nanoTime();
                        Map<String, EvaluationResult> results = subsetEvaluators.get(q).evaluate(
                                new EvaluationTask(candidate.id(), candidate.generation(), candidate.genome(), true));
                        double candidateSubsetSeconds = (System.nanoTime() - start) / 1e9;
                        subsetSeconds[q] += candidateSubsetSeconds;
                        refitSeconds[q] += calibration ? candidateFullSeconds : candidateSubsetSeconds;
                        double gp = 0;
                        double p = 0;
                        double anchor = 0;
                        double rnd = 0;
                        double refitGp = 0;
                        double refitP = 0;
                        for (int t = 0; t < tasks.size(); t++) {
                            Task task = tasks.get(t);
                            double[] answers = toArray(results.get(task.name()).itemScores());
                            int[] items = estimators[q][t].anchors().items();
                            for (int k = 0; k < items.length; k++) {
                                if (answers[k] != s.items()[t][items[k]]) {
                                    mismatches++;
                                }
                            }
                            SubsetEstimator.Estimate e = estimators[q][t].estimate(answers);
                            gp += task.weight() * e.gpIrt();
                            p += task.weight() * e.pIrt();
                            SubsetEstimator.Estimate r = refitted[q][t].estimate(answers);
                            refitGp += task.weight() * r.gpIrt();
                            refitP += task.weight() * r.pIrt();
                            anchor += task.weight() * e.anchor();
                            double sum = 0;
                            for (int i : random.get(q)[t]) {
                                sum += s.items()[t][i];
                            }
                            rnd += task.weight() * sum / random.get(q)[t].length;
                        }
                        estimates[q][GP][c - fit] = gp;
                        estimates[q][P][c - fit] = p;
                        estimates[q][ANCHOR][c - fit] = anchor;
                        estimates[q][RANDOM][c - fit] = rnd;
                        // A calibration's fitness is its full score, as in the run.
                        estimates[q][REFIT_GP][c - fit] = calibration ? s.fitness() : refitGp;
                        estimates[q][REFIT_P][c - fit] = calibration ? s.fitness() : refitP;
                        estimates[q][REFIT_ANCHOR][c - fit] = calibration ? s.fitness() : anchor;
                    }
                    if (calibration) {
                        calibrations.add(s.items());
                        calibrationGenerations.add(candidate.generation());
                        calibrationCount++;
                    }
                }
                print(tasks, fractions, estimators, truth, estimates, fullSeconds, subsetSeconds, mismatches);
                printRefit(fractions, truth, estimates, fullSeconds, refitSeconds, refit, calibrationCount);
            } finally {
                subsetEvaluators.forEach(CandidateEvaluator::close);
            }
        }
    }

    private static void print(List<Task> tasks, double[] fractions, SubsetEstimator[][] estimators, double[] truth,
                              double[][][] estimates, double fullSeconds, double[] subsetSeconds, int mismatches) {
        double spread = Arrays.stream(truth).max().orElse(0) - Arrays.stream(truth).min().orElse(0);
        double floor = subsetSeconds[fractions.length];
        System.out.printf(Locale.ROOT, "%d estimated candidates, full fitness %.4f to %.4f (range %.4f)%n",
                truth.length, Arrays.stream(truth).min().orElse(0), Arrays.stream(truth).max().orElse(0), spread);
        System.out.println("fraction anchors   spearman: gp-irt  p-irt anchor random     MAE: gp-irt  p-irt"
                + " anchor random   full s  subset s speed-up  eval-only");
        for (int q = 0; q < fractions.length; q++) {
            int anchors = 0;
            int items = 0;
            for (int t = 0; t < tasks.size(); t++) {
                anchors += estimators[q][t].anchors().size();
                items += tasks.get(t).items();
            }
            System.out.printf(Locale.ROOT, "%8.3f %3d/%-4d          %6.3f %6.3f %6.3f %6.3f          %6.4f %6.4f"
                            + " %6.4f %6.4f %8.1f %9.1f %7.2fx %9.2fx%n", fractions[q], anchors, items,
                    SpearmanCorrelation.of(truth, estimates[q][0]), SpearmanCorrelation.of(truth, estimates[q][1]),
                    SpearmanCorrelation.of(truth, estimates[q][2]), SpearmanCorrelation.of(truth, estimates[q][3]),
                    mae(truth, estimates[q][0]), mae(truth, estimates[q][1]), mae(truth, estimates[q][2]),
                    mae(truth, estimates[q][3]), fullSeconds, subsetSeconds[q], fullSeconds / subsetSeconds[q],
                    (fullSeconds - floor) / (subsetSeconds[q] - floor));
        }
        StringBuilder lambdas = new StringBuilder("gp-IRT lambda per task and fraction:");
        for (int q = 0; q < fractions.length; q++) {
            for (int t = 0; t < tasks.size(); t++) {
                lambdas.append(String.format(Locale.ROOT, " %.3f", estimators[q][t].lambda()));
            }
            lambdas.append(q + 1 < fractions.length ? " |" : "");
        }
        System.out.println(lambdas);
        System.out.printf(Locale.ROOT, "one item per task (merge and fixed costs): %.1f s; eval-only = (full - that)"
                + " / (subset - that)%n", floor);
        System.out.println("anchor answers scored on the subset that differ from the full evaluation's: " + mismatches);
    }

    /**
     * The estimators of a candidate of {@code generation}: refitted, with each fraction's anchors, on the first fit's
     * candidates and the calibrations of the generations before it (the first fit's when there are none).
     */
    private static SubsetEstimator[][] refit(List<Scored> fitted, List<double[][]> calibrations,
                                             List<Integer> generations, int generation,
                                             SubsetEstimator[][] estimators, int tasks) {
        List<double[][]> before = new ArrayList<>();
        for (int k = 0; k < calibrations.size(); k++) {
            if (generations.get(k) < generation) {
                before.add(calibrations.get(k));
            }
        }
        if (before.isEmpty()) {
            return estimators;
        }
        SubsetEstimator[][] out = new SubsetEstimator[estimators.length][tasks];
        for (int t = 0; t < tasks; t++) {
            double[][] responses = new double[fitted.size() + before.size()][];
            for (int m = 0; m < fitted.size(); m++) {
                responses[m] = fitted.get(m).items()[t];
            }
            for (int k = 0; k < before.size(); k++) {
                responses[fitted.size() + k] = before.get(k)[t];
            }
            for (int q = 0; q < estimators.length; q++) {
                out[q][t] = SubsetEstimator.withAnchors(responses, estimators[q][t].anchors(), IrtPriors.DEFAULT);
            }
        }
        return out;
    }

    private static void printRefit(double[] fractions, double[] truth, double[][][] estimates, double fullSeconds,
                                   double[] refitSeconds, Refit refit, int calibrations) {
        System.out.printf(Locale.ROOT, "refitted: the first %d candidate(s) of every %d-th generation scored in full"
                + " (%d calibrations among the %d, their fitness exact), the item model refitted before each later"
                + " generation%n", refit.candidates(), refit.every(), calibrations, truth.length);
        System.out.println("fraction            spearman: gp-irt  p-irt anchor            MAE: gp-irt  p-irt anchor"
                + "          full s  subset+calibration s speed-up");
        for (int q = 0; q < fractions.length; q++) {
            System.out.printf(Locale.ROOT, "%8.3f                      %6.3f %6.3f %6.3f                 %6.4f %6.4f"
                            + " %6.4f        %8.1f %21.1f %7.2fx%n", fractions[q],
                    SpearmanCorrelation.of(truth, estimates[q][REFIT_GP]),
                    SpearmanCorrelation.of(truth, estimates[q][REFIT_P]),
                    SpearmanCorrelation.of(truth, estimates[q][REFIT_ANCHOR]),
                    mae(truth, estimates[q][REFIT_GP]), mae(truth, estimates[q][REFIT_P]),
                    mae(truth, estimates[q][REFIT_ANCHOR]), fullSeconds, refitSeconds[q],
                    fullSeconds / refitSeconds[q]);
        }
    }

    /** Appends a candidate's item scores, one line per task: {@code id,generation,task,y_0,y_1,...}. */
    private static void dumpItems(Path dump, String id, int generation, Scored s, List<Task> tasks)
            throws IOException {
        Files.createDirectories(dump);
        StringBuilder lines = new StringBuilder();
        for (int t = 0; t < tasks.size(); t++) {
            lines.append(id).append(',').append(generation).append(',').append(tasks.get(t).name());
            for (double y : s.items()[t]) {
                lines.append(',').append(y);
            }
            lines.append('\n');
        }
        Files.writeString(dump.resolve("items.csv"), lines, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    private static double mae(double[] truth, double[] estimate) {
        double sum = 0;
        for (int i = 0; i < truth.length; i++) {
            sum += Math.abs(truth[i] - estimate[i]);
        }
        return sum / truth.length;
    }

    private static Scored score(CandidateEvaluator evaluator, Candidate candidate, List<Task> tasks,
                                double[] weights) {
        Map<String, EvaluationResult> results = evaluator.evaluate(
                new EvaluationTask(candidate.id(), candidate.generation(), candidate.genome(), true));
        boolean first = tasks.isEmpty();
        double[][] items = new double[results.size()][];
        int t = 0;
        double fitness = 0;
        for (Map.Entry<String, EvaluationResult> e : results.entrySet()) {
            items[t] = toArray(e.getValue().itemScores());
            if (items[t].length == 0) {
                throw new IllegalStateException("task " + e.getKey() + " reports no per-item scores");
            }
            if (first) {
                tasks.add(new Task(e.getKey(), weights[t], items[t].length));
            }
            t++;
        }
        for (int k = 0; k < tasks.size(); k++) {
            fitness += tasks.get(k).weight() * mean(items[k]);
        }
        return new Scored(items, fitness);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static double[] toArray(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static int[] randomSubset(int n, int k, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return Arrays.copyOf(order, k);
    }

    /**
     * The run file with each task's dataset cut to its anchors: a {@code data} JSONL keeps the anchors' records in
     * file order; an lm-eval task file is copied with its {@code data_files} pointing at such a cut.
     */
    @SuppressWarnings("unchecked")
    private static String subsetRunText(Map<String, Object> run, int[][] subsets, Path base, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> copy = YAML.load(YAML.dump(run));
        List<Map<String, Object>> evaluators = (List<Map<String, Object>>) copy.get("evaluators");
        for (int t = 0; t < evaluators.size(); t++) {
            Map<String, Object> entry = evaluators.get(t);
            int[] anchors = subsets[t];
            if (entry.containsKey("data")) {
                Path data = base.resolve(entry.get("data").toString()).normalize();
                Path cut = dir.resolve(t + "-" + data.getFileName());
                Files.write(cut, select(data, anchors));
                entry.put("data", cut.toString());
            } else {
                Path taskFile = base.resolve(entry.get("task").toString()).normalize();
                Map<String, Object> task = YAML.load(Files.readString(taskFile));
                Map<String, Object> kwargs = (Map<String, Object>) task.get("dataset_kwargs");
                Map<String, Object> files = (Map<String, Object>) kwargs.get("data_files");
                String split = task.get("test_split").toString();
                Path data = taskFile.getParent().resolve(files.get(split).toString());
                Path cut = dir.resolve(t + "-" + data.getFileName());
                Files.write(cut, select(data, anchors));
                files.put(split, cut.toString());
                Path cutTask = dir.resolve(t + "-" + taskFile.getFileName());
                Files.writeString(cutTask, YAML.dump(task));
                entry.put("task", cutTask.toString());
            }
        }
        return YAML.dump(copy);
    }

    /** The non-blank lines at {@code items}, in file order. */
    private static List<String> select(Path data, int[] items) throws IOException {
        List<String> records = Files.readAllLines(data, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).toList();
        List<String> out = new ArrayList<>();
        for (int i : items) {
            out.add(records.get(i));
        }
        return out;
    }

    private static CandidateEvaluator open(Path runFile, String text, long seed) {
        EvaluationWorkerHost host = ServiceLoader.load(EvaluationWorkerHost.class).findFirst().orElseThrow(
                () -> new IllegalStateException("no evomerge installation on the class path (bench irt puts the"
                        + " distribution's lib/ there)"));
        return host.open(new EvaluationRun(runFile, text, Map.of(), List.of(), seed,
                Runtime.getRuntime().availableProcessors()));
    }

    private static Yaml yaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options);
    }
}
