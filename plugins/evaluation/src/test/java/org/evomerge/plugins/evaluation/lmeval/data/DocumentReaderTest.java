package org.evomerge.plugins.evaluation.lmeval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON, JSONL, CSV, text and Arrow files as {@code datasets}' builders read them into rows. */
class DocumentReaderTest {

    @TempDir
    Path temp;

    static Map<String, Object> doc(Object... keysAndValues) {
        Map<String, Object> doc = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            doc.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return doc;
    }

    @Test
    void jsonInItsThreeShapesAndMissingFieldsAsNone() throws IOException {
        Path lines = Files.writeString(temp.resolve("a.jsonl"), "{\"q\": \"x\", \"n\": 1}\n\n{\"q\": \"y\", \"f\": 0.5}\n");
        assertEquals(List.of(doc("q", "x", "n", 1L, "f", null), doc("q", "y", "n", null, "f", 0.5)),
                DocumentReader.read(List.of(lines), Map.of()));
        Path array = Files.writeString(temp.resolve("b.json"), "[{\"q\": \"x\"}, {\"q\": \"y\"}]");
        assertEquals(List.of(doc("q", "x"), doc("q", "y")), DocumentReader.read(List.of(array), Map.of()));
        Path nested = Files.writeString(temp.resolve("c.json"), "{\"version\": 1, \"data\": [{\"q\": \"x\"}]}");
        assertEquals(List.of(doc("q", "x")), DocumentReader.read(List.of(nested), Map.of("field", "data")));
        // As pyarrow reads them for datasets: a one-line object is one JSON Lines row; an object spread over lines
        // is not JSON Lines, so it is read whole, its lists as columns.
        Path oneLine = Files.writeString(temp.resolve("d.json"), "{\"q\": [\"x\", \"y\"], \"n\": [1, 2]}");
        assertEquals(List.of(doc("q", List.of("x", "y"), "n", List.of(1L, 2L))),
                DocumentReader.read(List.of(oneLine), Map.of()));
        Path columns = Files.writeString(temp.resolve("e.json"), "{\n  \"q\": [\"x\", \"y\"],\n  \"n\": [1, 2]\n}\n");
        assertEquals(List.of(doc("q", "x", "n", 1L), doc("q", "y", "n", 2L)),
                DocumentReader.read(List.of(columns), Map.of()));
        Path broken = Files.writeString(temp.resolve("f.jsonl"), "{\"q\": \"x\"}\n{\"q\": \n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> DocumentReader.read(List.of(broken),
                Map.of()));
        assertTrue(e.getMessage().startsWith(broken + ":2: not valid JSON"), e.getMessage());
    }

    @Test
    void csvColumnsGetPandasTypesAndQuotedFieldsKeepTheirCommas() throws IOException {
        Path csv = Files.writeString(temp.resolve("a.csv"), "question,label,score\n\"Is it, really?\",1,0.5\nNo,2,\n");
        assertEquals(List.of(doc("question", "Is it, really?", "label", 1L, "score", 0.5),
                doc("question", "No", "label", 2L, "score", null)), DocumentReader.read(List.of(csv), Map.of()));
        Path tsv = Files.writeString(temp.resolve("a.tsv"), "a\tb\n\"x\"\"y\"\t3\n");
        assertEquals(List.of(doc("a", "x\"y", "b", 3L)), DocumentReader.read(List.of(tsv), Map.of("sep", "\t")));
    }

    @Test
    void textFilesAreOneDocumentPerLine() throws IOException {
        Path text = Files.writeString(temp.resolve("a.txt"), "first line\nsecond line\n");
        assertEquals(List.of(doc("text", "first line"), doc("text", "second line")),
                DocumentReader.read(List.of(text), Map.of()));
    }

    @Test
    void arrowStreamAndFileFormats() {
        List<Object[]> rows = List.of(new Object[] {"Which?", 2L, List.of("a", "b", "é")},
                new Object[] {"Other?", 0L, List.of()});
        List<Map<String, Object>> expected = List.of(doc("question", "Which?", "label", 2L, "choices",
                List.of("a", "b", "é")), doc("question", "Other?", "label", 0L, "choices", List.of()));
        for (boolean fileFormat : new boolean[] {false, true}) {
            Path file = temp.resolve("data-" + fileFormat + ".arrow");
            DatasetFiles.arrow(file, rows, fileFormat);
            assertEquals(expected, DocumentReader.read(List.of(file), Map.of()));
        }
        assertEquals(Arrays.asList("x"), List.of("x"));
    }
}
