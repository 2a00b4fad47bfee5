package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.model.Model;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.runfolder.RunFolder;
import org.evomerge.statistics.irt.AnchorSet;
import org.evomerge.statistics.irt.IrtPriors;
import org.evomerge.statistics.irt.SubsetEstimator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code subset_estimate} on the toy models: the sources scored in full once, the anchors written to the run folder,
 * every candidate scored on the anchors only with the IRT estimate as its fitness, and a crashed run resumed with the
 * same anchors and nothing evaluated twice.
 */
class SubsetEstimateRunTest {

    @TempDir
    Path temp;

    /** 40 items whose thresholds spread over five decades of the distance to the target, so the items differ. */
    private static final int ITEMS = 40;

    private static final String RUN = """
            models: [$A, $B]
            genome:
              kind: recipe
              merge_method: linear
              layer_groups: 2
              filters: [self_attn, mlp]
              dtype: float32
            strategy:
              id: test-es
              parameters: {lambda: 4, sigma: 0.15}
            evaluators:
              - name: items
                evaluator: threshold-items
                data: items.jsonl
                parameters: {target: $TARGET}
            subset_estimate: {fraction: 0.25, seed: 7}
            budget:
              evaluations: 16
            seed: 11
            """;

    @AfterEach
    void noCrash() {
        TestExtensions.ThresholdItems.CRASH_AFTER.set(Long.MAX_VALUE);
    }

    private Path runFile(EvolutionFixture f, String body) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            lines.add(String.format(Locale.ROOT, "{\"threshold\": %.6g}", Math.pow(10, -3 + 5.0 * i / (ITEMS - 1))));
        }
        Files.write(temp.resolve("items.jsonl"), lines);
        return f.runFile("run.yml", body);
    }

    private static Evaluator fullEvaluator(EvolutionFixture f) {
        TestExtensions.ThresholdItems items = new TestExtensions.ThresholdItems(false);
        return items.create(ParameterValidator.validate(items.descriptor(), Map.of("target", f.target.toString(),
                "data", f.dir.resolve("items.jsonl").toString())), EvolutionFixture.context(f.dir, 1));
    }

    private static double[] itemScores(Evaluator evaluator, Path model) {
        try (Model m = ToyFormat.open(model)) {
            return evaluator.evaluate(m).itemScores().stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    @Test
    void candidatesAreScoredOnTheAnchorsWithTheEstimateAsFitness() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, RUN);
        Path runDir = temp.resolve("run");
        long before = TestExtensions.ThresholdItems.CALLS.get();
        EvolutionJob.Result result = EvolutionFixture.run(file, runDir, false, 1);
        long calls = TestExtensions.ThresholdItems.CALLS.get() - before;

        // The estimator chosen independently: the sources scored in full, SubsetEstimator.select with the run's
        // settings (10 of 40 items, the seed plus the task's index).
        SubsetEstimator expected;
        double[] bestItems;
        try (Evaluator full = fullEvaluator(f)) {
            double[][] responses = {itemScores(full, f.a), itemScores(full, f.b)};
            assertFalse(java.util.Arrays.equals(responses[0], responses[1]), "the sources answer alike");
            expected = SubsetEstimator.select(responses, 10, AnchorSet.Embedding.CORRECTNESS, 7, IrtPriors.DEFAULT);
            bestItems = itemScores(full, result.best());
        }
        JsonNode anchors = new ObjectMapper().readTree(runDir.resolve(SubsetEstimateScoring.FILE).toFile());
        JsonNode task = anchors.get("tasks").get(0);
        assertEquals("{\"fraction\":0.25,\"seed\":7,\"estimator\":\"gp-irt\"}", anchors.get("settings").toString());
        assertEquals(ITEMS, task.get("items").asInt());
        int[] items = new int[task.get("anchors").size()];
        for (int k = 0; k < items.length; k++) {
            items[k] = task.get("anchors").get(k).get("item").asInt();
        }
        assertArrayEquals(expected.anchors().items(), items);
        assertEquals(expected.lambda(), task.get("lambda").asDouble());
        assertEquals(10, Files.readAllLines(runDir.resolve(SubsetEstimateScoring.FOLDER).resolve("0-items.jsonl"))
                .size());

        // The best candidate's fitness is the gp-IRT estimate from its answers to the anchors.
        double[] answers = new double[items.length];
        for (int k = 0; k < items.length; k++) {
            answers[k] = bestItems[items[k]];
        }
        assertEquals(expected.estimate(answers).gpIrt(), result.outcome().best().fitness().primary());

        // The sources once in full, then each candidate once on its anchors; none in full.
        long evaluated = EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals("evaluation") && !l.path("cached").asBoolean()).count();
        assertEquals(2 + evaluated, calls);
    }

    @Test
    void anEvaluatorThatTakesTheItemsScoresTheAnchorsOnItsOwnDataAlike() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path cut = temp.resolve("cut");
        EvolutionJob.Result byCut = EvolutionFixture.run(runFile(f, RUN), cut, false, 1);
        Path listed = temp.resolve("listed");
        EvolutionJob.Result byItems = EvolutionFixture.run(runFile(f, RUN.replace("evaluator: threshold-items",
                "evaluator: threshold-items-listed")), listed, false, 1);
        // No dataset is cut: the evaluator gets the anchors' indices and scores them on the whole file.
        assertFalse(Files.exists(listed.resolve(SubsetEstimateScoring.FOLDER).resolve("0-items.jsonl")));
        assertEquals(EvolutionJobTest.evaluations(cut), EvolutionJobTest.evaluations(listed));
        assertEquals(byCut.outcome().best().fitness().primary(), byItems.outcome().best().fitness().primary());
    }

    @Test
    void aCrashedRunResumesWithTheSameAnchorsAndEvaluatesNothingTwice() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, RUN);
        Path complete = temp.resolve("complete");
        EvolutionFixture.run(file, complete, false, 1);

        Path runDir = temp.resolve("run");
        // 2 source evaluations, then 5 candidates, then the crash.
        runUntilCrash(file, runDir, 7);
        String journaledAnchors = Files.readString(runDir.resolve(SubsetEstimateScoring.FILE));
        assertEquals(Files.readString(complete.resolve(SubsetEstimateScoring.FILE)), journaledAnchors);
        long journaled = EvolutionJobTest.evaluations(runDir).size();
        assertTrue(journaled >= 5 && journaled < 16, journaled + " journaled");

        long before = TestExtensions.ThresholdItems.CALLS.get();
        EvolutionFixture.run(file, runDir, true, 1);
        long resumedCalls = TestExtensions.ThresholdItems.CALLS.get() - before;
        long newEvaluations = EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals("evaluation") && !l.path("cached").asBoolean())
                .count() - journaled;
        // No source is scored again and no journaled candidate is evaluated again.
        assertEquals(newEvaluations, resumedCalls);
        assertEquals(journaledAnchors, Files.readString(runDir.resolve(SubsetEstimateScoring.FILE)));
        assertEquals(EvolutionJobTest.evaluations(complete), EvolutionJobTest.evaluations(runDir));
    }

    private static final String REFIT_RUN = RUN.replace("subset_estimate: {fraction: 0.25, seed: 7}",
            "subset_estimate: {fraction: 0.25, seed: 7, refit_every: 1}");

    /** The journal's evaluation lines by id. */
    private static Map<String, JsonNode> evaluationsById(Path runDir) {
        Map<String, JsonNode> byId = new java.util.TreeMap<>();
        for (JsonNode l : EvolutionFixture.journalLines(runDir)) {
            if (l.path("type").asText().equals("evaluation")) {
                byId.put(l.get("id").asText(), l);
            }
        }
        return byId;
    }

    @Test
    void calibrationEvaluationsAreScoredInFullAndLaterGenerationsEstimatedWithTheRefit() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, REFIT_RUN);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(file, runDir, false, 1);

        // The first candidate of each of the 4 generations is a calibration evaluation: scored in full, its fitness
        // the mean of its 40 item scores, which the calibration file holds.
        Map<String, JsonNode> evaluations = evaluationsById(runDir);
        List<String> lines = Files.readAllLines(runDir.resolve(SubsetEstimateScoring.CALIBRATION_FILE));
        ObjectMapper json = new ObjectMapper();
        Map<String, double[]> calibrated = new java.util.LinkedHashMap<>();
        for (String line : lines) {
            JsonNode node = json.readTree(line);
            double[] items = new double[ITEMS];
            for (int i = 0; i < ITEMS; i++) {
                items[i] = node.get("tasks").get(0).get(i).asDouble();
            }
            calibrated.put(node.get("id").asText(), items);
        }
        assertEquals(List.of("g1-0", "g2-0", "g3-0", "g4-0"), List.copyOf(calibrated.keySet()));
        for (var e : calibrated.entrySet()) {
            JsonNode evaluation = evaluations.get(e.getKey());
            assertEquals(1.0, evaluation.get("metrics").get("items").get("calibration").asDouble());
            assertEquals(java.util.Arrays.stream(e.getValue()).average().orElseThrow(),
                    evaluation.get("fitness").get(0).asDouble(), 1e-15);
        }
        assertFalse(evaluations.get("g3-1").get("metrics").get("items").has("calibration"));

        // g3-1 is estimated by a 2PL refitted, with the run's anchors, on the sources and the calibrations of
        // generations 1 and 2. Its answers to the anchors follow from the anchors' plain mean: an item is answered
        // when the candidate's distance is below its threshold, and the thresholds increase with the item index.
        JsonNode task = json.readTree(runDir.resolve(SubsetEstimateScoring.FILE).toFile()).get("tasks").get(0);
        int[] anchors = new int[task.get("anchors").size()];
        double[] weights = new double[anchors.length];
        for (int k = 0; k < anchors.length; k++) {
            anchors[k] = task.get("anchors").get(k).get("item").asInt();
            weights[k] = task.get("anchors").get(k).get("weight").asDouble();
        }
        JsonNode g31 = evaluations.get("g3-1").get("metrics").get("items");
        long answered = Math.round(g31.get("anchor_mean").asDouble() * anchors.length);
        double[] answers = new double[anchors.length];
        for (int k = 0; k < anchors.length; k++) {
            answers[k] = k >= anchors.length - answered ? 1 : 0;
        }
        try (Evaluator full = fullEvaluator(f)) {
            double[][] responses = {itemScores(full, f.a), itemScores(full, f.b), calibrated.get("g1-0"),
                    calibrated.get("g2-0")};
            AnchorSet set = new AnchorSet(anchors, weights, ITEMS);
            SubsetEstimator refit = SubsetEstimator.withAnchors(responses, set, IrtPriors.DEFAULT);
            assertEquals(refit.estimate(answers).gpIrt(), evaluations.get("g3-1").get("fitness").get(0).asDouble());
            SubsetEstimator sourcesOnly = SubsetEstimator.withAnchors(
                    java.util.Arrays.copyOf(responses, 2), set, IrtPriors.DEFAULT);
            assertTrue(sourcesOnly.estimate(answers).gpIrt() != refit.estimate(answers).gpIrt(),
                    "the refit changed nothing");
            // The calibration g3-0 journals, beside its full score, what its anchors' answers would have estimated.
            double[] calibrationAnswers = new double[anchors.length];
            for (int k = 0; k < anchors.length; k++) {
                calibrationAnswers[k] = calibrated.get("g3-0")[anchors[k]];
            }
            assertEquals(refit.estimate(calibrationAnswers).gpIrt(), evaluations.get("g3-0").get("metrics")
                    .get("items").get("gp_irt").asDouble());
            // Generation 1 has no calibration before it: the first fit.
            JsonNode g11 = evaluations.get("g1-1").get("metrics").get("items");
            double[] first = new double[anchors.length];
            long firstAnswered = Math.round(g11.get("anchor_mean").asDouble() * anchors.length);
            for (int k = 0; k < anchors.length; k++) {
                first[k] = k >= anchors.length - firstAnswered ? 1 : 0;
            }
            assertEquals(sourcesOnly.estimate(first).gpIrt(), evaluations.get("g1-1").get("fitness").get(0)
                    .asDouble());
        }
    }

    @Test
    void aCrashedRunWithRefitsResumesToTheSameJournalAndCalibrations() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, REFIT_RUN);
        Path complete = temp.resolve("complete");
        EvolutionFixture.run(file, complete, false, 1);

        Path runDir = temp.resolve("run");
        // 2 source evaluations, generation 1 (its calibration first), generation 2's calibration and one more: crash.
        runUntilCrash(file, runDir, 8);
        Path calibrations = runDir.resolve(SubsetEstimateScoring.CALIBRATION_FILE);
        assertEquals(2, Files.readAllLines(calibrations).size());
        // A line cut short as the process died is cut off on resume.
        Files.writeString(calibrations, "{\"id\":\"g2-1\",\"genera", java.nio.file.StandardOpenOption.APPEND);

        long journaled = EvolutionJobTest.evaluations(runDir).size();
        assertEquals(6, journaled);
        long before = TestExtensions.ThresholdItems.CALLS.get();
        EvolutionFixture.run(file, runDir, true, 1);
        long resumedCalls = TestExtensions.ThresholdItems.CALLS.get() - before;
        long newEvaluations = EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals("evaluation") && !l.path("cached").asBoolean())
                .count() - journaled;
        assertEquals(newEvaluations, resumedCalls, "only the candidates the journal did not have are scored");
        assertEquals(EvolutionJobTest.evaluations(complete), EvolutionJobTest.evaluations(runDir));
        assertEquals(Files.readString(complete.resolve(SubsetEstimateScoring.CALIBRATION_FILE)),
                Files.readString(calibrations));
    }

    @Test
    void refitsDoNotDependOnHowManyWorkersScoreAGeneration() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        String twoCalibrations = REFIT_RUN.replace("refit_every: 1}", "refit_every: 1, refit_candidates: 2}");
        Path one = temp.resolve("one");
        EvolutionFixture.run(runFile(f, twoCalibrations), one, false, 1);
        Path two = temp.resolve("two");
        EvolutionFixture.run(runFile(f, twoCalibrations.replace("seed: 11", "seed: 11\nworkers: 2")), two, false, 2);
        assertEquals(EvolutionJobTest.evaluations(one), EvolutionJobTest.evaluations(two));
        // Two workers may append a generation's two calibrations in either order; the lines are the same.
        List<String> a = new ArrayList<>(Files.readAllLines(one.resolve(SubsetEstimateScoring.CALIBRATION_FILE)));
        List<String> b = new ArrayList<>(Files.readAllLines(two.resolve(SubsetEstimateScoring.CALIBRATION_FILE)));
        a.sort(null);
        b.sort(null);
        assertEquals(8, a.size());
        assertEquals(a, b);
    }

    @Test
    void aMalformedCalibrationLineIsRefusedWithItsLine() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, REFIT_RUN);
        Path runDir = temp.resolve("run");
        runUntilCrash(file, runDir, 8);
        Path calibrations = runDir.resolve(SubsetEstimateScoring.CALIBRATION_FILE);
        List<String> lines = Files.readAllLines(calibrations);
        Files.writeString(calibrations, lines.get(0) + "\n" + lines.get(1).replace("[[", "[[0.5,") + "\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(file, runDir, true,
                1));
        assertEquals(calibrations + ":2: not a calibration line: task 1 has 41 item scores, but its anchors were"
                + " chosen from 40 items", e.getMessage());
    }

    @Test
    void resumingWithOtherSubsetSettingsIsRefused() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, RUN);
        Path runDir = temp.resolve("run");
        runUntilCrash(file, runDir, 4);

        // A changed run file is refused by the run folder's check.
        Path changed = f.runFile("run.yml", RUN.replace("seed: 7", "seed: 8"));
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> EvolutionFixture.run(changed, runDir, true, 1));
        assertTrue(e.getMessage().contains("differs from the run file the run in"), e.getMessage());

        // Anchors whose settings are not the run file's (an edited anchors file) are refused in one line.
        f.runFile("run.yml", RUN);
        Path anchors = runDir.resolve(SubsetEstimateScoring.FILE);
        Files.writeString(anchors, Files.readString(anchors).replace("\"fraction\" : 0.25", "\"fraction\" : 0.5"));
        e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(file, runDir, true, 1));
        assertEquals(anchors + ": anchors chosen with subset_estimate {\"fraction\":0.5,\"seed\":7,"
                + "\"estimator\":\"gp-irt\"}, but the run file sets {\"fraction\":0.25,\"seed\":7,"
                + "\"estimator\":\"gp-irt\"}; resume with the settings the run started with", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        // A dataset with other items than the anchors were chosen from is refused too.
        Files.writeString(anchors, Files.readString(anchors).replace("\"fraction\" : 0.5", "\"fraction\" : 0.25"));
        Files.writeString(temp.resolve("items.jsonl"), "{\"threshold\": 1}\n", java.nio.file.StandardOpenOption.APPEND);
        e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(file, runDir, true, 1));
        assertEquals(anchors + ": task 'items' had 40 items when its anchors were chosen, but "
                + temp.resolve("items.jsonl") + " now holds 41; resume with the data the run started with",
                e.getMessage());
    }

    @Test
    void anEvaluatorWithoutItemDataIsRefusedByName() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN + "subset_estimate: {anchors: 5}\n");
        Path runDir = temp.resolve("run");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> EvolutionFixture.run(file, runDir, false, 1));
        assertTrue(e.getMessage().contains("'subset_estimate' cannot score evaluator 'distance' on a subset"),
                e.getMessage());
        assertFalse(Files.exists(runDir.resolve(RunFolder.JOURNAL)));
    }

    @Test
    void anEvaluatorThatReportsNoItemScoresIsRefusedByNameAndLeavesNoFolder() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, RUN.replace("{target: $TARGET}", "{target: $TARGET, report_items: false}"));
        Path runDir = temp.resolve("run");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> EvolutionFixture.run(file, runDir, false, 1));
        assertTrue(e.getMessage().endsWith("'subset_estimate' needs one item score per record of "
                + temp.resolve("items.jsonl") + " (40), but evaluator 'threshold-items' reported 0"), e.getMessage());
        assertFalse(Files.exists(runDir.resolve(RunFolder.RUN_FILE)));
    }

    /**
     * Runs {@code file} in {@code runDir} and kills it, as a crashed process, when the evaluator has been called
     * {@code calls} more times.
     */
    private static void runUntilCrash(Path file, Path runDir, int calls) {
        TestExtensions.ThresholdItems.CRASH_AFTER.set(TestExtensions.ThresholdItems.CALLS.get() + calls);
        try {
            assertThrows(IllegalStateException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        } finally {
            TestExtensions.ThresholdItems.CRASH_AFTER.set(Long.MAX_VALUE);
        }
    }
}
