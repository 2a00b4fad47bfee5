package org.evomerge.engine.evolution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.model.Model;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.statistics.irt.AnchorSet;
import org.evomerge.statistics.irt.IrtPriors;
import org.evomerge.statistics.irt.SubsetEstimator;
import org.evomerge.statistics.irt.TwoParameterLogistic;

/**
 * A run's {@code subset_estimate}: every task's candidates are scored on a few of its items (anchors) and their
 * full-task score estimated with item response theory (ALGORITHMS.md B.22, {@link SubsetEstimator}).
 *
 * <p>At the start of a run the source models are scored in full, item by item; per task a 2PL model is fitted on
 * their item scores and the anchors chosen by seeded k-means over the items' correctness vectors. The anchors and the
 * fitted item parameters are written to {@value #FILE} in the run folder before any candidate is scored, so a resumed
 * run estimates with the very same subset and model (its candidates' fitness is bit-identical to an uninterrupted
 * run's); a file whose settings are not the run file's is refused. Each task's evaluator is opened on its anchors
 * only: its dataset cut to the anchors' records (in item order, under {@value #FOLDER}/), or the anchors' indices as
 * its {@value #ITEMS} parameter.
 *
 * <p>Only evaluators that report one item score in [0, 1] per item can be used, and of those the ones whose subset
 * can be given: a JSONL {@code data} file (cut to the anchors' records) or an {@value #ITEMS} parameter (the anchors'
 * indices, lm-eval); others are refused by name.
 *
 * <p><b>Refits.</b> With {@code refit_every: G}, the first {@code refit_candidates} candidates of every G-th generation
 * are calibration evaluations: scored in full (their fitness is their full score, metric {@code calibration} 1 in the
 * journal), their item scores appended to {@value #CALIBRATION_FILE} (forced to disk before the evaluation is
 * journaled), and every candidate of a later generation is estimated by an item model refitted on the sources and
 * every calibration of the generations before its own, in id order, with the anchors kept. What a candidate is
 * estimated with depends only on its generation and the calibrations' item scores, never on which worker finished
 * first, so a resumed run (which reads the file back) refits the same way and journals the same bits.
 */
final class SubsetEstimateScoring implements AutoCloseable {

    /** The anchors and the fitted item parameters, in the run folder. */
    static final String FILE = "subset-anchors.json";
    /** The folder of the datasets cut to their anchors, in the run folder. */
    static final String FOLDER = "subset";
    /** The calibration evaluations' item scores, one JSON line each, in the run folder. */
    static final String CALIBRATION_FILE = "subset-calibration.jsonl";
    /** The journaled metric that marks a calibration evaluation (scored in full, its fitness exact). */
    static final String CALIBRATION_METRIC = "calibration";

    /** The evaluator parameter of the item indices to score, for evaluators that take it (lm-eval). */
    static final String ITEMS = "items";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunFile.SubsetEstimate settings;
    private final List<String> tasks;
    private final List<SubsetEstimator> estimators;
    private final TaskEvaluators anchorEvaluators;
    /** Per task, the sources' item scores (sources × items) the first fit was made on. */
    private final double[][][] sourceResponses;
    private final CandidateScoring fullScoring;
    private final Path calibrationFile;
    /** Calibrations by (generation, index), each task's item scores; guarded by {@code this}. */
    private final TreeMap<Calibration, double[][]> calibrations;
    /** The generation the refitted estimators were last made for, and those estimators; guarded by {@code this}. */
    private int refittedFor = -1;
    private List<SubsetEstimator> refitted;

    /** A calibration evaluation's place in the run: its generation and index in it, ordered as the ids are. */
    private record Calibration(int generation, int index) implements Comparable<Calibration> {
        @Override
        public int compareTo(Calibration o) {
            return generation != o.generation ? Integer.compare(generation, o.generation)
                    : Integer.compare(index, o.index);
        }

        String id() {
            return JournalRecord.Evaluation.id(generation, index);
        }
    }

    private SubsetEstimateScoring(RunFile.SubsetEstimate settings, List<String> tasks,
                                  List<SubsetEstimator> estimators, TaskEvaluators anchorEvaluators,
                                  double[][][] sourceResponses, CandidateScoring fullScoring, Path calibrationFile,
                                  TreeMap<Calibration, double[][]> calibrations) {
        this.settings = settings;
        this.tasks = tasks;
        this.estimators = estimators;
        this.anchorEvaluators = anchorEvaluators;
        this.sourceResponses = sourceResponses;
        this.fullScoring = fullScoring;
        this.calibrationFile = calibrationFile;
        this.calibrations = calibrations;
    }

    /** The anchors' estimators and the sources' item scores they were fitted on, per task. */
    private record Chosen(List<SubsetEstimator> estimators, double[][][] sourceResponses) {
    }

    /**
     * Reads the run folder's anchors, or (a new run, or one stopped before they were written) scores the sources in
     * full, fits the item model, chooses the anchors and writes them; then opens every task's evaluator on its
     * anchors.
     *
     * @param extensions each task's evaluator extension, in task order
     * @param scoring    the run's full-data scoring (its evaluators score the sources)
     */
    static SubsetEstimateScoring open(RunFile run, List<RegisteredExtension> extensions, CandidateScoring scoring,
                                      Path runDir, RunContext context) {
        RunFile.SubsetEstimate settings = run.subsetEstimate().orElseThrow();
        check(run, extensions);
        Path file = runDir.resolve(FILE);
        Chosen chosen = Files.exists(file) ? read(file, run, settings)
                : choose(run, settings, extensions, scoring, file);
        List<SubsetEstimator> estimators = chosen.estimators();
        Path calibrationFile = runDir.resolve(CALIBRATION_FILE);
        TreeMap<Calibration, double[][]> calibrations = readCalibrations(calibrationFile, estimators);
        Path folder = runDir.resolve(FOLDER);
        List<RunFile.Task> cut = new ArrayList<>();
        try {
            for (int t = 0; t < run.tasks().size(); t++) {
                RunFile.Task task = run.tasks().get(t);
                if (takesItems(extensions.get(t))) {
                    // The evaluator picks the anchors' documents itself (lm-eval: by index after its filters).
                    Map<String, Object> parameters = new LinkedHashMap<>(task.parameters());
                    parameters.put(ITEMS, itemList(estimators.get(t).anchors().items()));
                    cut.add(new RunFile.Task(task.name(), task.evaluator(), task.data(), parameters, task.weight(),
                            task.weightGiven(), task.key()));
                    continue;
                }
                Path data = task.data().orElseThrow();
                List<String> records = records(data);
                if (records.size() != estimators.get(t).anchors().total()) {
                    throw EvomergeException.configuration(file + ": task '" + task.name() + "' had "
                            + estimators.get(t).anchors().total() + " items when its anchors were chosen, but " + data
                            + " now holds " + records.size() + "; resume with the data the run started with");
                }
                int[] items = estimators.get(t).anchors().items();
                List<String> kept = new ArrayList<>();
                for (int i : items) {
                    kept.add(records.get(i));
                }
                Files.createDirectories(folder);
                Path written = folder.resolve(t + "-" + data.getFileName());
                writeReplacing(written, String.join("\n", kept) + "\n");
                cut.add(new RunFile.Task(task.name(), task.evaluator(), Optional.of(written), task.parameters(),
                        task.weight(), task.weightGiven(), task.key()));
            }
        } catch (IOException e) {
            throw EvomergeException.input(folder + ": cannot write the anchors' datasets: " + e.getMessage(), e);
        }
        RunFile onAnchors = new RunFile(run.file(), run.text(), run.models(), run.baseModel(), run.genome(),
                run.strategy(), run.selection(), run.mutation(), cut, run.objectives(), run.budget(), run.seed(),
                run.workers(), Optional.empty(), run.kinship(), run.execution(), run.stage(), List.of());
        TaskEvaluators evaluators = TaskEvaluators.create(onAnchors, extensions, context);
        return new SubsetEstimateScoring(settings, run.tasks().stream().map(RunFile.Task::name).toList(), estimators,
                evaluators, chosen.sourceResponses(), scoring, calibrationFile, calibrations);
    }

    /** Whether the task's evaluator scores a list of item indices itself ({@value #ITEMS}), as lm-eval does. */
    private static boolean takesItems(RegisteredExtension extension) {
        return extension.descriptor().parameters().find(ITEMS).isPresent();
    }

    /** Item indices as the {@value #ITEMS} parameter takes them: comma-separated, increasing. */
    private static String itemList(int[] items) {
        StringBuilder text = new StringBuilder();
        for (int i : items) {
            text.append(text.isEmpty() ? "" : ",").append(i);
        }
        return text.toString();
    }

    /**
     * Scores a candidate: builds its model with {@code builder} and estimates every task from the anchors, with the
     * item model of the candidate's generation; or, a calibration evaluation, scores it in full and keeps its item
     * scores for the next generations' refit.
     */
    CandidateEvaluator evaluator(CandidateBuilder builder) {
        return task -> {
            try (Model model = builder.build(task.genome())) {
                if (isCalibration(task)) {
                    return calibrate(task, model);
                }
                return evaluate(model, estimatorsFor(task.generation()));
            }
        };
    }

    /** Whether {@code task} is one of the first {@code refit_candidates} of a {@code refit_every}-th generation. */
    private boolean isCalibration(EvaluationTask task) {
        return settings.refitEvery().isPresent() && task.generation() % settings.refitEvery().getAsInt() == 0
                && JournalRecord.Evaluation.index(task.candidateId()) < settings.refitCandidates();
    }

    /**
     * Scores {@code model} in full, writes its item scores to the calibration file and returns its full results, with
     * the estimates its anchors' answers would have given beside them (the per-run check of the estimator that
     * ALGORITHMS.md B.22 asks for: estimated against full on candidates scored both ways).
     */
    private Map<String, EvaluationResult> calibrate(EvaluationTask task, Model model) {
        Map<String, EvaluationResult> full = fullScoring.evaluateInFull(model);
        List<SubsetEstimator> current = estimatorsFor(task.generation());
        double[][] items = new double[tasks.size()][];
        Map<String, EvaluationResult> results = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            String name = tasks.get(t);
            EvaluationResult r = full.get(name);
            items[t] = r.itemScores().stream().mapToDouble(Double::doubleValue).toArray();
            int total = estimators.get(t).anchors().total();
            if (items[t].length != total) {
                throw EvomergeException.input("task '" + name + "': its evaluator reported " + items[t].length
                        + " item scores for a calibration evaluation of the " + total + " items; subset_estimate"
                        + " needs one per item", null);
            }
            Map<String, Double> metrics = new LinkedHashMap<>(r.metrics());
            int[] anchors = current.get(t).anchors().items();
            double[] answers = new double[anchors.length];
            double answered = 0;
            for (int k = 0; k < anchors.length; k++) {
                answers[k] = items[t][anchors[k]];
                answered += answers[k];
            }
            SubsetEstimator.Estimate e = current.get(t).estimate(answers);
            metrics.put("gp_irt", e.gpIrt());
            metrics.put("p_irt", e.pIrt());
            metrics.put("anchor", e.anchor());
            metrics.put("ability", e.ability());
            metrics.put("anchor_mean", answered / anchors.length);
            metrics.put(CALIBRATION_METRIC, 1.0);
            results.put(name, new EvaluationResult(metrics, r.score()));
        }
        Calibration key = new Calibration(task.generation(), JournalRecord.Evaluation.index(task.candidateId()));
        synchronized (this) {
            appendCalibration(key, items);
            calibrations.put(key, items);
        }
        return results;
    }

    /**
     * The estimators a candidate of {@code generation} is scored with: the first fit without calibrations before it,
     * else a refit on the sources and the calibrations of the earlier generations, in id order. Every evaluation of
     * an earlier generation has finished before one of {@code generation} starts (generations are scored one after
     * the other), so the set is the same however the workers interleave.
     */
    synchronized List<SubsetEstimator> estimatorsFor(int generation) {
        List<double[][]> before = new ArrayList<>(calibrations.headMap(new Calibration(generation, 0)).values());
        if (before.isEmpty()) {
            return estimators;
        }
        if (refittedFor != generation) {
            List<SubsetEstimator> fits = new ArrayList<>();
            for (int t = 0; t < tasks.size(); t++) {
                double[][] responses = new double[sourceResponses[t].length + before.size()][];
                int m = 0;
                for (double[] row : sourceResponses[t]) {
                    responses[m++] = row;
                }
                for (double[][] calibration : before) {
                    responses[m++] = calibration[t];
                }
                fits.add(SubsetEstimator.withAnchors(responses, estimators.get(t).anchors(), IrtPriors.DEFAULT));
            }
            refitted = fits;
            refittedFor = generation;
        }
        return refitted;
    }

    /**
     * Checks, before the run folder is touched, that every task can be scored on a subset: its evaluator reads a
     * {@code data} file whose records are the items or takes the items to score, none cut by the task's own
     * {@code sample}, {@code limit} or {@code items}.
     */
    static void check(RunFile run, List<RegisteredExtension> extensions) {
        for (int t = 0; t < run.tasks().size(); t++) {
            RunFile.Task task = run.tasks().get(t);
            String id = extensions.get(t).descriptor().id();
            boolean dataFile = task.data().isPresent()
                    && extensions.get(t).descriptor().parameters().find("data").isPresent();
            if (!dataFile && !takesItems(extensions.get(t))) {
                throw EvomergeException.configuration(task.key() + ": 'subset_estimate' cannot score evaluator '"
                        + id + "' on a subset: it needs an evaluator that reports item scores and reads a JSONL"
                        + " 'data' file (generation) or takes the items to score (lm-eval)");
            }
            for (String cut : List.of("sample", "limit", ITEMS)) {
                if (task.parameters().containsKey(cut)) {
                    throw EvomergeException.configuration(task.key() + ": 'subset_estimate' chooses the items itself;"
                            + " remove the task's '" + cut + "' parameter");
                }
            }
        }
    }

    /** Each task's estimator, in task order. */
    List<SubsetEstimator> estimators() {
        return estimators;
    }

    /**
     * Scores {@code model} on every task's anchors: each task's result has the chosen estimate as its score, and
     * the three estimates, the IRT ability and the anchors' plain mean as metrics.
     */
    Map<String, EvaluationResult> evaluate(Model model, List<SubsetEstimator> estimators) {
        Map<String, EvaluationResult> onAnchors = anchorEvaluators.evaluate(model, true);
        Map<String, EvaluationResult> results = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            String name = tasks.get(t);
            SubsetEstimator estimator = estimators.get(t);
            List<Double> items = onAnchors.get(name).itemScores();
            if (items.size() != estimator.anchors().size()) {
                throw EvomergeException.input("task '" + name + "': its evaluator reported " + items.size()
                        + " item scores for the " + estimator.anchors().size() + " anchors; subset_estimate needs"
                        + " one per item", null);
            }
            double[] answers = items.stream().mapToDouble(Double::doubleValue).toArray();
            SubsetEstimator.Estimate e = estimator.estimate(answers);
            double score = switch (settings.estimator()) {
                case "anchor" -> e.anchor();
                case "p-irt" -> e.pIrt();
                default -> e.gpIrt();
            };
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("gp_irt", e.gpIrt());
            metrics.put("p_irt", e.pIrt());
            metrics.put("anchor", e.anchor());
            metrics.put("ability", e.ability());
            metrics.put("anchor_mean", onAnchors.get(name).score());
            results.put(name, new EvaluationResult(metrics, score));
        }
        return results;
    }

    /** Scores the sources in full, fits each task's item model, chooses its anchors and writes them to {@code file}. */
    private static Chosen choose(RunFile run, RunFile.SubsetEstimate settings,
                                                List<RegisteredExtension> extensions, CandidateScoring scoring,
                                                Path file) {
        List<String> sources = new ArrayList<>(scoring.models().keySet());
        int tasks = run.tasks().size();
        double[][][] responses = new double[tasks][sources.size()][];
        for (int m = 0; m < sources.size(); m++) {
            Map<String, EvaluationResult> results = scoring.evaluateInFull(scoring.models().get(sources.get(m)));
            for (int t = 0; t < tasks; t++) {
                RunFile.Task task = run.tasks().get(t);
                List<Double> items = results.get(task.name()).itemScores();
                if (takesItems(extensions.get(t))) {
                    if (items.isEmpty() || (m > 0 && items.size() != responses[t][0].length)) {
                        throw EvomergeException.configuration(task.key() + ": 'subset_estimate' needs the item"
                                + " scores of every document, but evaluator '" + extensions.get(t).descriptor().id()
                                + "' reported " + items.size() + (m > 0 ? " (" + responses[t][0].length + " for the"
                                + " first source)" : "") + " (its metric must be a mean over documents)");
                    }
                }
                int records = takesItems(extensions.get(t)) ? items.size()
                        : records(task.data().orElseThrow()).size();
                if (items.size() != records) {
                    throw EvomergeException.configuration(task.key() + ": 'subset_estimate' needs one item score per"
                            + " record of " + task.data().get() + " (" + records + "), but evaluator '"
                            + extensions.get(t).descriptor().id() + "' reported " + items.size());
                }
                for (double y : items) {
                    if (!(y >= 0 && y <= 1)) {
                        throw EvomergeException.configuration(task.key() + ": 'subset_estimate' needs item scores in"
                                + " [0, 1], but evaluator '" + extensions.get(t).descriptor().id() + "' reported " + y);
                    }
                }
                responses[t][m] = items.stream().mapToDouble(Double::doubleValue).toArray();
            }
        }
        List<SubsetEstimator> estimators = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            int items = responses[t][0].length;
            int k = settings.fraction().isPresent()
                    ? Math.max(1, (int) Math.round(settings.fraction().getAsDouble() * items))
                    : Math.min(items, settings.anchors().getAsInt());
            // Each task's anchors from its own stream of the seed, so adding a task changes no other task's.
            estimators.add(SubsetEstimator.select(responses[t], k, AnchorSet.Embedding.CORRECTNESS,
                    settings.seed() + t, IrtPriors.DEFAULT));
        }
        write(file, run, settings, sources, responses, estimators);
        return new Chosen(estimators, responses);
    }

    private static void write(Path file, RunFile run, RunFile.SubsetEstimate settings, List<String> sources,
                              double[][][] responses, List<SubsetEstimator> estimators) {
        ObjectNode root = JSON.createObjectNode();
        root.set("settings", settingsNode(settings));
        ArrayNode sourceNames = root.putArray("sources");
        sources.forEach(sourceNames::add);
        ArrayNode taskNodes = root.putArray("tasks");
        for (int t = 0; t < estimators.size(); t++) {
            SubsetEstimator e = estimators.get(t);
            ObjectNode node = taskNodes.addObject();
            node.put("name", run.tasks().get(t).name());
            run.tasks().get(t).data().ifPresent(data -> node.put("data", data.toString()));
            node.put("items", e.anchors().total());
            ArrayNode anchors = node.putArray("anchors");
            int[] items = e.anchors().items();
            double[] weights = e.anchors().weights();
            for (int k = 0; k < items.length; k++) {
                anchors.addObject().put("item", items[k]).put("weight", weights[k]);
            }
            node.put("lambda", e.lambda());
            ArrayNode a = node.putArray("discrimination");
            ArrayNode b = node.putArray("difficulty");
            for (int i = 0; i < e.model().items(); i++) {
                a.add(e.model().discrimination(i));
                b.add(e.model().difficulty(i));
            }
            ArrayNode scores = node.putArray("source_item_scores");
            for (double[] row : responses[t]) {
                ArrayNode r = scores.addArray();
                for (double y : row) {
                    r.add(y);
                }
            }
        }
        try {
            writeReplacing(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot write the anchors: " + e.getMessage(), e);
        }
    }

    private static ObjectNode settingsNode(RunFile.SubsetEstimate settings) {
        ObjectNode node = JSON.createObjectNode();
        if (settings.fraction().isPresent()) {
            node.put("fraction", settings.fraction().getAsDouble());
        } else {
            node.put("anchors", settings.anchors().getAsInt());
        }
        node.put("seed", settings.seed());
        node.put("estimator", settings.estimator());
        if (settings.refitEvery().isPresent()) {
            node.put("refit_every", settings.refitEvery().getAsInt());
            node.put("refit_candidates", settings.refitCandidates());
        }
        return node;
    }

    /** The estimators journaled in {@code file}, checked against the run file's settings and tasks. */
    private static Chosen read(Path file, RunFile run, RunFile.SubsetEstimate settings) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the anchors: " + e.getMessage(), e);
        }
        if (root == null || !settingsNode(settings).toString().equals(String.valueOf(root.get("settings")))) {
            throw EvomergeException.configuration(file + ": anchors chosen with subset_estimate "
                    + (root == null ? "(none)" : root.get("settings")) + ", but the run file sets "
                    + settingsNode(settings) + "; resume with the settings the run started with");
        }
        JsonNode taskNodes = root.get("tasks");
        List<String> names = run.tasks().stream().map(RunFile.Task::name).toList();
        List<String> journaled = new ArrayList<>();
        taskNodes.forEach(n -> journaled.add(n.get("name").asText()));
        if (!names.equals(journaled)) {
            throw EvomergeException.configuration(file + ": anchors of tasks " + journaled + ", but the run file's"
                    + " tasks are " + names + "; resume with the tasks the run started with");
        }
        List<SubsetEstimator> estimators = new ArrayList<>();
        double[][][] responses = new double[taskNodes.size()][][];
        for (JsonNode n : taskNodes) {
            int total = n.get("items").asInt();
            JsonNode rows = n.get("source_item_scores");
            double[][] sourceRows = new double[rows.size()][total];
            for (int m = 0; m < sourceRows.length; m++) {
                for (int i = 0; i < total; i++) {
                    sourceRows[m][i] = rows.get(m).get(i).asDouble();
                }
            }
            responses[estimators.size()] = sourceRows;
            JsonNode anchorNodes = n.get("anchors");
            int[] items = new int[anchorNodes.size()];
            double[] weights = new double[anchorNodes.size()];
            for (int k = 0; k < items.length; k++) {
                items[k] = anchorNodes.get(k).get("item").asInt();
                weights[k] = anchorNodes.get(k).get("weight").asDouble();
            }
            double[] a = new double[total];
            double[] b = new double[total];
            for (int i = 0; i < total; i++) {
                a[i] = n.get("discrimination").get(i).asDouble();
                b[i] = n.get("difficulty").get(i).asDouble();
            }
            try {
                estimators.add(SubsetEstimator.of(new TwoParameterLogistic(a, b, IrtPriors.DEFAULT),
                        new AnchorSet(items, weights, total), n.get("lambda").asDouble()));
            } catch (IllegalArgumentException e) {
                throw EvomergeException.input(file + ": task '" + n.get("name").asText() + "': " + e.getMessage(), e);
            }
        }
        return new Chosen(estimators, responses);
    }

    /**
     * The calibrations written to {@code file} by the runs before this one (none for a new run). A last line cut short
     * by a crash is ignored (its evaluation was not journaled and is scored again); a calibration written twice (its
     * evaluation scored again after a crash) keeps one copy, the bits being the same.
     */
    private static TreeMap<Calibration, double[][]> readCalibrations(Path file, List<SubsetEstimator> estimators) {
        TreeMap<Calibration, double[][]> calibrations = new TreeMap<>();
        if (!Files.exists(file)) {
            return calibrations;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the calibrations: " + e.getMessage(), e);
        }
        int end = text.lastIndexOf('\n') + 1;
        if (end < text.length()) {
            // Cut the torn line off, so the next calibration starts a line of its own.
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(text.substring(0, end).getBytes(StandardCharsets.UTF_8).length);
                channel.force(true);
            } catch (IOException e) {
                throw EvomergeException.input(file + ": cannot cut its torn last line: " + e.getMessage(), e);
            }
        }
        String[] lines = text.substring(0, end).split("\n", -1);
        for (int l = 0; l < lines.length - 1; l++) {
            if (lines[l].isBlank()) {
                continue;
            }
            try {
                JsonNode node = JSON.readTree(lines[l]);
                int generation = node.get("generation").asInt();
                int index = JournalRecord.Evaluation.index(node.get("id").asText());
                JsonNode taskNodes = node.get("tasks");
                if (taskNodes.size() != estimators.size()) {
                    throw new IllegalArgumentException(taskNodes.size() + " tasks, but the run has "
                            + estimators.size());
                }
                double[][] items = new double[estimators.size()][];
                for (int t = 0; t < items.length; t++) {
                    JsonNode row = taskNodes.get(t);
                    int total = estimators.get(t).anchors().total();
                    if (row.size() != total) {
                        throw new IllegalArgumentException("task " + (t + 1) + " has " + row.size()
                                + " item scores, but its anchors were chosen from " + total + " items");
                    }
                    items[t] = new double[total];
                    for (int i = 0; i < total; i++) {
                        items[t][i] = row.get(i).asDouble();
                    }
                }
                calibrations.put(new Calibration(generation, index), items);
            } catch (IOException | RuntimeException e) {
                throw EvomergeException.input(file + ":" + (l + 1) + ": not a calibration line: " + e.getMessage(),
                        e);
            }
        }
        return calibrations;
    }

    /** Appends one calibration line and forces it to disk (before its evaluation is journaled). */
    private void appendCalibration(Calibration key, double[][] items) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", key.id());
        node.put("generation", key.generation());
        ArrayNode taskNodes = node.putArray("tasks");
        for (double[] row : items) {
            ArrayNode r = taskNodes.addArray();
            for (double y : row) {
                r.add(y);
            }
        }
        try (FileChannel channel = FileChannel.open(calibrationFile, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(node) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        } catch (IOException e) {
            throw EvomergeException.input(calibrationFile + ": cannot write the calibration of " + key.id() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The non-blank lines of a JSONL dataset: its items, in order. */
    private static List<String> records(Path data) {
        try {
            return Files.readAllLines(data, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw EvomergeException.input(data + ": cannot read the dataset: " + e.getMessage(), e);
        }
    }

    private static void writeReplacing(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        anchorEvaluators.close();
    }
}
