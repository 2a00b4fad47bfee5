package org.evomerge.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.demo.DemoReport;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void jsonDocumentHasTheShapeTheIssueAsksFor() {
        Map<String, DemoReport.Score> scores = new LinkedHashMap<>();
        scores.put("arithmetic", new DemoReport.Score(0.5, 0.25));
        scores.put("language", new DemoReport.Score(1.0, 0.75));
        scores.put("composed", new DemoReport.Score(0.0, 0.5));
        DemoReport report = new DemoReport(List.of(new DemoReport.ModelResult("expert-language", "parent",
                Path.of("/d/models/expert-language"), scores, 0.1)), Path.of("/d/data"), Map.of("total", 2.0));
        Map<String, Object> doc = DemoCommand.document(report, new DemoStatistics(1));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = ((List<Map<String, Object>>) doc.get("models")).getFirst();
        assertEquals("expert-language", model.get("name"));
        assertEquals("parent", model.get("role"));
        assertEquals("/d/models/expert-language", model.get("path"));
        assertEquals(Map.of("dev", 1.0, "test", 0.75), ((Map<?, ?>) model.get("scores")).get("language"));
        assertEquals(0.5, (double) model.get("combined_test"), 1e-12);
    }

    private static DemoReport.ModelResult model(String name, String role, double test) {
        Map<String, DemoReport.Score> scores = new LinkedHashMap<>();
        for (String task : DemoReport.TASKS) {
            scores.put(task, new DemoReport.Score(test, test));
        }
        return new DemoReport.ModelResult(name, role, Path.of("/d/" + name), scores, Double.NaN);
    }

    @Test
    void verdictNamesEveryModelTheEvolvedOneDidAndDidNotBeat() {
        DemoReport report = new DemoReport(List.of(model("base", "parent", 0.1),
                model("expert-language", "parent", 0.4), model("ties", "untuned", 0.3),
                model("evolved", "evolved", 0.35)), Path.of("/d/data"), Map.of());
        List<String> lines = DemoCommand.verdict(report, new DemoStatistics(1));
        assertEquals(5, lines.size(), lines.toString());
        assertEquals("the best evolved model, chosen on dev (combined dev 0.350): evolved", lines.get(0));
        assertTrue(lines.get(1).contains("BEATS base (parent)"), lines.get(1));
        assertTrue(lines.get(2).contains("does NOT beat expert-language (parent)"), lines.get(2));
        assertTrue(lines.get(3).contains("BEATS ties (untuned)"), lines.get(3));
        assertEquals("evolved beats 2 of the 3 parents and untuned merges on combined test", lines.get(4));
    }

    @Test
    void aTieIsNotABeat() {
        DemoReport report = new DemoReport(List.of(model("linear", "untuned", 0.25),
                model("evolved", "evolved", 0.25)), Path.of("/d/data"), Map.of());
        assertTrue(DemoCommand.verdict(report, new DemoStatistics(1)).get(1).contains("does NOT beat linear"));
    }

    @Test
    void everyModelBeatenIsSaidPlainly() {
        DemoReport report = new DemoReport(List.of(model("base", "parent", 0.1), model("evolved", "evolved", 0.5)),
                Path.of("/d/data"), Map.of());
        assertEquals("evolved beats every parent and every untuned merge on combined test",
                DemoCommand.verdict(report, new DemoStatistics(1)).getLast());
    }

    @Test
    void aControlIsComparedAndSaidButNeverChosenNorCountedAsASourceOrMerge() {
        DemoReport report = new DemoReport(List.of(model("base", "parent", 0.1), model("ties", "untuned", 0.2),
                model("ga-fine-tune", "evolved", 0.5), model("ga-no-merge", "control", 0.6)), Path.of("/d/data"),
                Map.of());
        assertEquals("ga-fine-tune", DemoStatistics.bestEvolved(report).orElseThrow().name());
        List<String> lines = DemoCommand.verdict(report, new DemoStatistics(1));
        assertEquals(5, lines.size(), lines.toString());
        assertTrue(lines.get(3).startsWith("ga-fine-tune does NOT beat ga-no-merge (control) on combined test:"
                + " 0.500 vs 0.600, difference -0.100"), lines.get(3));
        assertEquals("ga-fine-tune beats every parent and every untuned merge on combined test", lines.get(4));
        Map<String, Object> doc = DemoCommand.document(report, new DemoStatistics(1));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> comparisons = (List<Map<String, Object>>) doc.get("comparisons");
        assertEquals(List.of("base", "ties", "ga-no-merge"), comparisons.stream().map(c -> c.get("against")).toList());
        assertEquals("control", comparisons.getLast().get("against_role"));
    }

    /** {@code right} ones then zeros: {@code n} outcomes. */
    private static List<Double> outcomes(int right, int n) {
        List<Double> items = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(i < right ? 1.0 : 0.0);
        }
        return items;
    }

    /** A model with the same outcomes on each task's dev and test split. */
    private static DemoReport.ModelResult scored(String name, String role, List<List<Double>> perTask) {
        Map<String, DemoReport.Score> scores = new LinkedHashMap<>();
        for (int t = 0; t < DemoReport.TASKS.size(); t++) {
            List<Double> items = perTask.get(t);
            double mean = items.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            scores.put(DemoReport.TASKS.get(t), new DemoReport.Score(mean, mean, items, items));
        }
        return new DemoReport.ModelResult(name, role, Path.of("/d/" + name), scores, Double.NaN);
    }

    private static DemoReport pairedReport() {
        List<Double> all = outcomes(10, 10);
        List<Double> half = outcomes(5, 10);
        List<Double> allButFirst = new java.util.ArrayList<>(all);
        allButFirst.set(0, 0.0);
        return new DemoReport(List.of(
                scored("ties", "untuned", List.of(half, half, half)),
                scored("linear", "untuned", List.of(allButFirst, all, all)),
                scored("evolved", "evolved", List.of(all, all, all))), Path.of("/d/data"), Map.of());
    }

    @Test
    void aHigherScoreBeatsOnlyWhenThePairedIntervalOfTheDifferenceIsAboveZero() {
        List<String> lines = DemoCommand.verdict(pairedReport(), new DemoStatistics(42));
        // 15 items right for the evolved model only, none the other way: p = 2 / 2^15
        assertTrue(lines.get(1).startsWith("evolved BEATS ties (untuned) on combined test: 1.000 vs 0.500,"
                + " difference +0.500 ["), lines.get(1));
        assertTrue(lines.get(1).endsWith("McNemar p = 6.1e-05 (15 vs 0 discordant items)"), lines.get(1));
        // one item better of 30: the point estimate is higher, but a third of the resamples miss that item
        assertTrue(lines.get(2).startsWith("evolved does NOT beat linear (untuned) on combined test: "
                + "1.000 vs 0.967, difference +0.033 [+0.000, "), lines.get(2));
        assertTrue(lines.get(2).endsWith("McNemar p = 1.000 (1 vs 0 discordant items)"), lines.get(2));
        assertEquals("evolved beats 1 of the 2 parents and untuned merges on combined test", lines.get(3));
    }

    @Test
    void theBestEvolvedModelIsChosenOnDevNeverOnTestAndEveryEvolvedRowIsCompared() {
        Map<String, DemoReport.Score> devBetter = new LinkedHashMap<>();
        Map<String, DemoReport.Score> testBetter = new LinkedHashMap<>();
        for (String task : DemoReport.TASKS) {
            devBetter.put(task, new DemoReport.Score(0.9, 0.4));
            testBetter.put(task, new DemoReport.Score(0.5, 0.8));
        }
        DemoReport report = new DemoReport(List.of(model("ties", "untuned", 0.3),
                new DemoReport.ModelResult("dfs", "evolved", Path.of("/d/dfs"), testBetter, Double.NaN)
                        .withStrategy("cma-es"),
                new DemoReport.ModelResult("ps", "evolved", Path.of("/d/ps"), devBetter, Double.NaN)
                        .withStrategy("cma-es")), Path.of("/d/data"), Map.of());
        assertEquals("ps", DemoStatistics.bestEvolved(report).orElseThrow().name());
        List<String> lines = DemoCommand.verdict(report, new DemoStatistics(1));
        assertEquals("the best evolved model, chosen on dev (combined dev 0.900): ps", lines.get(0));
        assertTrue(lines.get(1).startsWith("ps BEATS ties (untuned)"), lines.get(1));
        assertTrue(lines.get(3).startsWith("dfs beats every parent and every untuned merge on combined test"
                + " (closest: ties, difference +0.500"), lines.get(3));
        Map<String, Object> doc = DemoCommand.document(report, new DemoStatistics(1));
        assertEquals("ps", doc.get("best_evolved"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> comparisons = (List<Map<String, Object>>) doc.get("comparisons");
        assertEquals(List.of("ps", "dfs"), comparisons.stream().map(c -> c.get("model")).toList());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> models = (List<Map<String, Object>>) doc.get("models");
        assertEquals("cma-es", models.get(1).get("strategy"));
        assertEquals(false, models.getFirst().containsKey("strategy"));
    }

    @Test
    void jsonAddsIntervalsAndComparisonsAndRenamesNothing() {
        Map<String, Object> doc = DemoCommand.document(pairedReport(), new DemoStatistics(42));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> models = (List<Map<String, Object>>) doc.get("models");
        Map<?, ?> ties = (Map<?, ?>) ((Map<?, ?>) models.getFirst().get("scores")).get("arithmetic");
        assertEquals(0.5, (double) ties.get("dev"), 0);
        assertEquals(0.5, (double) ties.get("test"), 0);
        // 5 of 10: the bootstrap distribution is Binomial(10, 1/2) / 10, whose 2.5% and 97.5% quantiles are 0.2, 0.8
        assertEquals(List.of(0.2, 0.8), ties.get("test_interval"));
        assertEquals(List.of(0.2, 0.8), ties.get("dev_interval"));
        List<?> combined = (List<?>) models.getFirst().get("combined_test_interval");
        assertTrue((double) combined.get(0) < 0.5 && (double) combined.get(1) > 0.5, combined.toString());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> comparisons = (List<Map<String, Object>>) doc.get("comparisons");
        assertEquals(2, comparisons.size());
        Map<String, Object> first = comparisons.getFirst();
        assertEquals("evolved", first.get("model"));
        assertEquals("ties", first.get("against"));
        assertEquals("untuned", first.get("against_role"));
        assertEquals(0.5, (double) first.get("difference"), 1e-15);
        assertEquals(2 / Math.pow(2, 15), (double) first.get("mcnemar_p"), 0);
        assertEquals(15, first.get("only_model"));
        assertEquals(0, first.get("only_against"));
        assertEquals(Boolean.TRUE, first.get("beats"));
        assertEquals(Boolean.FALSE, comparisons.get(1).get("beats"));
        assertEquals(2000, ((Map<?, ?>) doc.get("statistics")).get("resamples"));
    }

    @Test
    void theSameModelsGiveTheSameIntervals() {
        assertEquals(DemoCommand.document(pairedReport(), new DemoStatistics(7)).toString(),
                DemoCommand.document(pairedReport(), new DemoStatistics(7)).toString());
    }
}
