package org.evomerge.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.evomerge.api.EvomergeException;
import org.evomerge.demo.DemoReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep over seeds with a stand-in for the demo (the demo's own --json documents of made-up models), so it runs
 * in well under a second: what it writes, the t intervals by hand, and resuming.
 */
class DemoSeedSweepTest {

    @TempDir
    Path out;

    private final List<Long> ran = new ArrayList<>();

    private static List<Double> outcomes(int right) {
        List<Double> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(i < right ? 1.0 : 0.0);
        }
        return items;
    }

    private static DemoReport.ModelResult model(String name, String role, int right, Path folder) {
        Map<String, DemoReport.Score> scores = new LinkedHashMap<>();
        for (String task : DemoReport.TASKS) {
            scores.put(task, new DemoReport.Score(right / 10.0, right / 10.0, outcomes(right), outcomes(right)));
        }
        return new DemoReport.ModelResult(name, role, folder.resolve("models").resolve(name), scores, Double.NaN);
    }

    /** Seed s: the untuned merge gets 3 of 10 items of every task right, the evolved model 3 + s. */
    private Map<String, Object> demo(long seed, Path folder) {
        ran.add(seed);
        DemoReport report = new DemoReport(List.of(model("ties", "untuned", 3, folder),
                model("evolved", "evolved", 3 + (int) (seed <= 3 ? seed : 2), folder)), folder.resolve("data"),
                Map.of("total", 1.0));
        return DemoCommand.document(report, new DemoStatistics(seed));
    }

    @Test
    void writesTheTableOverSeedsWithTIntervalsAndResumesFinishedSeeds() throws IOException {
        DemoSeedSweep.Result first = new DemoSeedSweep(out, List.of(1L, 2L, 3L), line -> { }).run(this::demo);
        assertEquals(List.of(1L, 2L, 3L), first.ran());
        for (long seed = 1; seed <= 3; seed++) {
            assertTrue(Files.isRegularFile(out.resolve("seed-" + seed).resolve("demo.json")));
        }
        // evolved combined test 0.4, 0.5, 0.6: mean 0.5, s = 0.1, t(0.975, 2) 0.1 / sqrt(3) = 0.24841
        String table = Files.readString(out.resolve("sweep.md"));
        assertEquals(first.markdown(), table);
        assertTrue(table.contains("| evolved | evolved | 0.500 [0.252, 0.748] | 0.500 [0.252, 0.748] |"), table);
        assertTrue(table.contains("[Student t 95% interval, 2 degrees of freedom]"), table);
        assertTrue(table.endsWith("\n![combined test per model](sweep-combined-test.png)\n"), table);
        // the difference to the untuned merge: 0.1, 0.2, 0.3, so 0.2 +- 0.24841; the paired interval of each seed
        // is above 0 for 3 and 4 more items of 30 right (and only those) but not for 1
        assertTrue(table.contains("| evolved | ties | untuned | 0.200 [-0.048, 0.448] | "), table);
        JsonNode json = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
        JsonNode evolved = json.path("models").get(1);
        assertEquals("evolved", evolved.path("name").asText());
        assertEquals(0.5, evolved.path("combined_test").path("mean").asDouble(), 1e-12);
        assertEquals(0.5 - 0.248413771175033, evolved.path("combined_test").path("interval").get(0).asDouble(),
                1e-9);
        JsonNode values = evolved.path("combined_test").path("values");
        assertEquals(3, values.size());
        for (int s = 0; s < 3; s++) {
            assertEquals(0.4 + 0.1 * s, values.get(s).asDouble(), 1e-12);
        }
        assertEquals(List.of(1, 2, 3), new ObjectMapper().convertValue(json.path("seeds"), List.class));
        assertTrue(ImageIO.read(out.resolve("sweep-combined-test.png").toFile()).getWidth() > 0);

        ran.clear();
        DemoSeedSweep.Result more = new DemoSeedSweep(out, List.of(1L, 2L, 3L, 4L), line -> { }).run(this::demo);
        assertEquals(List.of(4L), ran, "finished seeds are not run again");
        assertEquals(List.of(4L), more.ran());
        assertTrue(more.markdown().contains("# evomerge demo over 4 seeds (1, 2, 3, 4)"), more.markdown());
    }

    @Test
    void oneSeedHasNoIntervalAndSaysSo() throws IOException {
        new DemoSeedSweep(out, List.of(2L), line -> { }).run(this::demo);
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("| 0.500 [n/a] |"));
        JsonNode json = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
        assertNull(json.path("models").get(1).path("combined_test").get("interval").textValue());
    }

    @Test
    void aDamagedSeedResultIsNamedAndNotOverwritten() throws IOException {
        Files.createDirectories(out.resolve("seed-5"));
        Files.writeString(out.resolve("seed-5/demo.json"), "{\"models\": ");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> new DemoSeedSweep(out, List.of(5L), line -> { }).run(this::demo));
        assertTrue(e.getMessage().startsWith(out.resolve("seed-5/demo.json") + ": not a demo result"), e.getMessage());
        assertTrue(e.getMessage().endsWith("delete it to run the seed again"), e.getMessage());
        assertEquals(List.of(), ran);
        assertThrows(EvomergeException.class, () -> new DemoSeedSweep(out, List.of(1L, 1L), line -> { }));
    }
}
