package org.evomerge.runfolder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryFileTest {

    @TempDir
    Path temp;

    @Test
    void historyDerivedFromAJournalIsTheFileTheRunWrote() throws Exception {
        for (String run : MainJournals.RUNS) {
            Path folder = MainJournals.folder(run);
            Journal journal = Journal.read(folder.resolve(RunFolder.JOURNAL));
            assertEquals(Files.readString(folder.resolve(RunFolder.HISTORY)), HistoryFile.text(journal.generations()),
                    run);
            HistoryFile.write(temp, journal.generations());
            assertEquals(Files.readString(folder.resolve(RunFolder.HISTORY)),
                    Files.readString(temp.resolve(RunFolder.HISTORY)), run);
            // Reading the file gives the rows derived from the journal.
            List<HistoryRow> read = HistoryFile.read(folder.resolve(RunFolder.HISTORY));
            List<HistoryRow> derived = HistoryFile.rows(journal);
            assertEquals(derived.size(), read.size(), run);
            for (int i = 0; i < read.size(); i++) {
                HistoryRow a = read.get(i);
                HistoryRow b = derived.get(i);
                assertEquals(new HistoryRow(b.generation(), b.evaluations(), b.best(), b.mean(), b.std(), b.worst(),
                        a.elapsedSeconds()), a, run + " row " + i);
                // elapsed is written with 3 decimals.
                assertEquals(b.elapsedSeconds(), a.elapsedSeconds(), 5e-4, run);
            }
        }
    }

    @Test
    void withoutGenerationLinesRowsSummariseTheEvaluations() throws Exception {
        Path file = temp.resolve(RunFolder.JOURNAL);
        Files.writeString(file, """
                {"type":"start","version":1,"seed":1,"strategy":"random","objectives":["t"],"started":"x"}
                {"type":"evaluation","id":"a","generation":0,"genome":{"kind":"parameters","values":[0]},"fitness":[0.2]}
                {"type":"evaluation","id":"b","generation":0,"genome":{"kind":"parameters","values":[1]},"fitness":[0.6]}
                {"type":"evaluation","id":"c","generation":1,"genome":{"kind":"parameters","values":[2]},"fitness":[0.5]}
                """);
        List<HistoryRow> rows = HistoryFile.rows(Journal.read(file));
        assertEquals(2, rows.size());
        HistoryRow first = rows.getFirst();
        assertEquals(0.6, first.best(), 1e-15);
        assertEquals(0.4, first.mean(), 1e-15);
        assertEquals(0.2, first.std(), 1e-15);
        assertEquals(0.2, first.worst(), 1e-15);
        assertEquals(2, first.evaluations());
        assertEquals(3, rows.get(1).evaluations());
        assertTrue(Double.isNaN(first.elapsedSeconds()));
    }

    @Test
    void aBadRowOrHeaderNamesFileAndLine() throws Exception {
        Path file = temp.resolve(RunFolder.HISTORY);
        Files.writeString(file, HistoryFile.HEADER + "\n1,6,0.5,0.3,0.01,0.3,20.0\n2,6,high,0.3,0.01,0.3,20.0");
        EvomergeException e = assertThrows(EvomergeException.class, () -> HistoryFile.read(file));
        assertTrue(e.getMessage().contains("history.csv:3: 'best' is not a number: 'high'"), e.getMessage());
        Files.writeString(file, "generation,evaluations,mean\n");
        e = assertThrows(EvomergeException.class, () -> HistoryFile.read(file));
        assertTrue(e.getMessage().contains("history.csv:1: no column 'best' in the header"), e.getMessage());
        // Columns are found by name; a last row without its newline counts (the file is written whole).
        Files.writeString(file, "mean,best,generation,extra\n0.5,0.7,1,x\n0.6,0.8,2,y");
        List<HistoryRow> rows = HistoryFile.read(file);
        assertEquals(List.of(new HistoryRow(1, -1, 0.7, 0.5, Double.NaN, Double.NaN, Double.NaN),
                new HistoryRow(2, -1, 0.8, 0.6, Double.NaN, Double.NaN, Double.NaN)), rows);
    }
}
