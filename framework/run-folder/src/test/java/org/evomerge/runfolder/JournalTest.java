package org.evomerge.runfolder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.selection.Fitness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir
    Path temp;

    /** One record of every type, with the values that are easy to lose: NaN, -0.0, subnormals, optional keys. */
    private List<JournalRecord> everyType() {
        List<ExtensionVersion> extensions = List.of(
                new ExtensionVersion(ExtensionKind.SEARCH_STRATEGY, "cma-es", "1.0.0"),
                new ExtensionVersion(ExtensionKind.EVALUATOR, "perplexity", "1.2.0"),
                new ExtensionVersion(ExtensionKind.MODEL_FORMAT, "safetensors", "1.0.0"));
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        metrics.put("qa", Map.of("score", -1.5));
        metrics.put("ppl", new LinkedHashMap<>(Map.of("tokens", 12.0)));
        metrics.get("ppl").put("odd", Double.NaN);
        List<JournalRecord> records = new ArrayList<>();
        records.add(new JournalRecord.Start(Journal.FORMAT_VERSION, -7, "cma-es", List.of("qa", "ppl"), extensions,
                "2026-01-01T00:00:00Z"));
        records.add(new JournalRecord.Evaluation("g1-0", 1,
                new ParameterGenome(new double[] {0.1, 1.0 / 3, -0.0, 1e-310, Math.nextUp(0.5)}), List.of(),
                Fitness.of(0.1 + 0.2, -1), metrics, 1.25, false, "full"));
        records.add(new JournalRecord.Evaluation("g1-1", 1, new ModelGenome(temp.resolve("m"), "abc"),
                List.of("g1-0"), Fitness.of(2, 3), Map.of(), 0, true, "low"));
        records.add(new JournalRecord.Evaluation("g1-2", 1, new LayerPathGenome(List.of(
                new LayerPathGenome.Step(1, 3, 0.7), new LayerPathGenome.Step(0, 0, 1))), List.of("g1-0", "g1-1"),
                Fitness.of(1), Map.of(), 3, false, "full"));
        records.add(new JournalRecord.Generation(1, 3, 2, 1.0 / 3, 0.25, -1, "g1-1", 12.5, false));
        records.add(new JournalRecord.Kinship(1, List.of("g1-1", "g1-0"), "pcc",
                List.of(List.of(1.0, Double.NaN), List.of(Double.NaN, 1.0))));
        records.add(new JournalRecord.Resume("2026-01-02T00:00:00Z", extensions));
        records.add(new JournalRecord.Generation(2, 5, 2, 1.5, 0, 1, "g1-1", 20, true));
        records.add(new JournalRecord.Finish("g1-1", List.of(2.0, 3.0), "budget"));
        return records;
    }

    @Test
    void everyRecordTypeRoundTripsExactly() {
        List<JournalRecord> records = everyType();
        try (JournalWriter writer = JournalWriter.open(temp)) {
            assertTrue(writer.existing().isEmpty());
            records.forEach(writer::append);
        }
        Journal journal = Journal.read(temp.resolve(RunFolder.JOURNAL));
        assertEquals(records.size(), journal.records().size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(records.get(i), journal.records().get(i), "record " + i);
        }
        // Bit for bit, -0.0 and subnormals included (record equality compares doubles by value).
        double[] values = ((ParameterGenome) journal.evaluations().getFirst().genome()).values();
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(values[2]));
        assertEquals(1e-310, values[3]);
        assertEquals(3, journal.evaluations().size());
        assertEquals(2, journal.generations().size());
        assertEquals(1, journal.kinships().size());
        assertEquals(1, journal.resumes().size());
        assertEquals("budget", journal.finish().orElseThrow().reason());
        assertEquals(records.getFirst(), journal.start());
        assertFalse(journal.tornLastLine());
    }

    @Test
    void linesOfEarlierJournalsAreWrittenAgainByteForByte() throws Exception {
        for (String run : MainJournals.RUNS) {
            Path file = MainJournals.folder(run).resolve(RunFolder.JOURNAL);
            List<String> lines = Files.readAllLines(file);
            Journal journal = Journal.read(file);
            assertEquals(1, journal.start().version(), run);
            assertTrue(journal.extensions().isEmpty(), run);
            assertEquals(lines.size(), journal.records().size(), run);
            // The start line gains the extensions of format 2; every other line is written as it always was.
            for (int i = 1; i < lines.size(); i++) {
                assertEquals(lines.get(i), JournalCodec.line(journal.records().get(i)), run + " line " + (i + 1));
            }
        }
    }

    @Test
    void aTornLastLineIsLeftOutAndCutOffWhenTheJournalIsOpenedForWriting() throws Exception {
        List<JournalRecord> records = everyType();
        try (JournalWriter writer = JournalWriter.open(temp)) {
            writer.append(records.get(0));
            writer.append(records.get(1));
        }
        Path file = temp.resolve(RunFolder.JOURNAL);
        // What a crash inside a write leaves: the start of a line, here cut inside a multi-byte character.
        byte[] torn = "{\"type\":\"evaluation\",\"id\":\"g1-1é".getBytes(StandardCharsets.UTF_8);
        Files.write(file, java.util.Arrays.copyOf(torn, torn.length - 1), StandardOpenOption.APPEND);
        Journal read = Journal.read(file);
        assertEquals(2, read.records().size());
        assertTrue(read.tornLastLine());
        try (JournalWriter writer = JournalWriter.open(temp)) {
            assertEquals(2, writer.existing().records().size());
            writer.append(records.get(2));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertEquals(JournalCodec.line(records.get(2)), lines.get(2));
        assertFalse(Journal.read(file).tornLastLine());
    }

    @Test
    void aLineThatDoesNotReadIsAnInputErrorNamingFileAndLine() throws Exception {
        Path file = temp.resolve(RunFolder.JOURNAL);
        String start = JournalCodec.line(everyType().getFirst());
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("not json", ":2: not valid JSON");
        cases.put("[1]", ":2: not a JSON object");
        cases.put("{\"id\":\"g1-0\"}", ":2: no \"type\"");
        cases.put("{\"type\":\"evaluation\",\"generation\":1}", ":2: evaluation line without a text \"id\"");
        cases.put("{\"type\":\"evaluation\",\"id\":\"g1-0\",\"generation\":1,\"genome\":{\"kind\":\"dna\"},"
                + "\"fitness\":[1]}", ":2: evaluation line: unknown genome kind 'dna'");
        cases.put("{\"type\":\"evaluation\",\"id\":\"g1-0\",\"generation\":1,\"genome\":{\"kind\":\"parameters\","
                + "\"values\":[1]},\"fitness\":[]}", ":2: evaluation line without a \"fitness\"");
        cases.put("{\"type\":\"generation\",\"generation\":1,\"best\":\"high\",\"mean\":1}",
                ":2: generation line without a number \"best\"");
        cases.put("{\"type\":\"checkpoint\"}", ":2: unknown line type \"checkpoint\"");
        cases.put(start, ":2: a second \"start\" line");
        for (var c : cases.entrySet()) {
            Files.writeString(file, start + "\n" + c.getKey() + "\n" + start.replace("start", "x") + "\n");
            EvomergeException e = assertThrows(EvomergeException.class, () -> Journal.read(file), c.getKey());
            assertEquals(ErrorCategory.INPUT, e.category());
            assertTrue(e.getMessage().startsWith(file + c.getValue()), e.getMessage());
            // The writer reads the same way: a run does not resume over a journal it cannot read.
            assertThrows(EvomergeException.class, () -> JournalWriter.open(temp).close(), c.getKey());
        }
        Files.writeString(file, "{\"type\":\"resume\",\"at\":\"x\"}\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> Journal.read(file));
        assertTrue(e.getMessage().contains(":1: the journal must begin with a \"start\" line"), e.getMessage());
    }

    @Test
    void aJournalOfALaterFormatIsRefusedByName() throws Exception {
        Path file = temp.resolve(RunFolder.JOURNAL);
        Files.writeString(file, "{\"type\":\"start\",\"version\":3,\"seed\":1,\"strategy\":\"x\"}\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> Journal.read(file));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains(":1: journal format version 3, which this evomerge does not read (it"
                + " reads versions 1 to 2)"), e.getMessage());
    }

    @Test
    void anEmptyJournalHasNoStart() throws Exception {
        Path file = Files.writeString(temp.resolve(RunFolder.JOURNAL), "");
        Journal journal = Journal.read(file);
        assertTrue(journal.isEmpty());
        EvomergeException e = assertThrows(EvomergeException.class, journal::start);
        assertTrue(e.getMessage().contains("empty journal"), e.getMessage());
    }

    @Test
    void theLatestSessionsExtensionsAreTheOnesToCheck() {
        ExtensionVersion old = new ExtensionVersion(ExtensionKind.MUTATION, "gaussian", "1.0.0");
        ExtensionVersion now = new ExtensionVersion(ExtensionKind.MUTATION, "gaussian", "1.1.0");
        Journal journal = new Journal(temp.resolve("j"), List.of(
                new JournalRecord.Start(2, 1, "ga", List.of("w"), List.of(old), "t"),
                new JournalRecord.Resume("t1", List.of(now)),
                new JournalRecord.Resume("t2", List.of())), false);
        assertEquals(List.of(now), journal.extensions());
    }
}
