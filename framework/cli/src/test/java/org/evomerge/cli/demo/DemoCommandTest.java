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
        Map<String, Object> doc = DemoCommand.document(report);
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
        List<String> lines = DemoCommand.verdict(report);
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("BEATS base (parent)"), lines.get(0));
        assertTrue(lines.get(1).contains("does NOT beat expert-language (parent)"), lines.get(1));
        assertTrue(lines.get(2).contains("BEATS ties (untuned)"), lines.get(2));
        assertEquals("the evolved model beats 2 of the 3 other models on combined test", lines.get(3));
    }

    @Test
    void aTieIsNotABeat() {
        DemoReport report = new DemoReport(List.of(model("linear", "untuned", 0.25),
                model("evolved", "evolved", 0.25)), Path.of("/d/data"), Map.of());
        assertTrue(DemoCommand.verdict(report).getFirst().contains("does NOT beat linear"));
    }

    @Test
    void everyModelBeatenIsSaidPlainly() {
        DemoReport report = new DemoReport(List.of(model("base", "parent", 0.1), model("evolved", "evolved", 0.5)),
                Path.of("/d/data"), Map.of());
        assertEquals("the evolved model beats every parent and every untuned merge on combined test",
                DemoCommand.verdict(report).getLast());
    }
}
