package org.evomerge.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
