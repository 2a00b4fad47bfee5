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
        TestExtensions.ThresholdItems.CRASH_AFTER.set(TestExtensions.ThresholdItems.CALLS.get() + 7);
        assertThrows(IllegalStateException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        TestExtensions.ThresholdItems.CRASH_AFTER.set(Long.MAX_VALUE);
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

    @Test
    void resumingWithOtherSubsetSettingsIsRefused() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = runFile(f, RUN);
        Path runDir = temp.resolve("run");
        TestExtensions.ThresholdItems.CRASH_AFTER.set(TestExtensions.ThresholdItems.CALLS.get() + 4);
        assertThrows(IllegalStateException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        TestExtensions.ThresholdItems.CRASH_AFTER.set(Long.MAX_VALUE);

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
}
