package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetSamplingTest {

    @TempDir
    Path temp;

    private List<DatasetRecord> hundred() {
        String[] lines = IntStream.range(0, 100).mapToObj(i -> "{\"i\": " + i + "}").toArray(String[]::new);
        return JsonlDataset.read(FakeInference.jsonl(temp, "d.jsonl", lines));
    }

    private static List<Integer> ids(List<DatasetRecord> records) {
        return records.stream().map(r -> r.integer("i")).toList();
    }

    @Test
    void samplesAreSeededNestedAndInFileOrder() {
        List<DatasetRecord> all = hundred();
        List<Integer> ten = ids(JsonlDataset.sample(all, 10, 7));
        assertEquals(10, ten.size());
        assertEquals(ten, ids(JsonlDataset.sample(all, 10, 7)), "same seed, same sample");
        assertNotEquals(ten, ids(JsonlDataset.sample(all, 10, 8)), "another seed, another sample");
        assertEquals(ten.stream().sorted().toList(), ten, "file order kept");
        assertTrue(new HashSet<>(ids(JsonlDataset.sample(all, 30, 7))).containsAll(ten), "nested for growing sizes");
        assertEquals(25, JsonlDataset.sample(all, 0.25, 7).size(), "a fraction");
        assertEquals(1, JsonlDataset.sample(all, 0.001, 7).size(), "at least one record");
        assertEquals(100, JsonlDataset.sample(all, 1000, 7).size(), "more than there are: all");
        assertEquals(100, JsonlDataset.sample(all, 0, 7).size(), "no sample: all");
    }

    @Test
    void unreadableDatasetsNameTheFile() throws Exception {
        Path missing = temp.resolve("missing.jsonl");
        EvomergeException e = assertThrows(EvomergeException.class, () -> JsonlDataset.read(missing));
        assertEquals(missing + ": no such dataset file", e.getMessage());
        Path empty = Files.writeString(temp.resolve("empty.jsonl"), "\n\n");
        assertTrue(assertThrows(EvomergeException.class, () -> JsonlDataset.read(empty)).getMessage()
                .contains("no records"));
        Path latin1 = Files.write(temp.resolve("latin1.jsonl"), "{\"text\": \"caf\u00e9\"}\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(EvomergeException.class, () -> JsonlDataset.read(latin1)).getMessage()
                .contains("not UTF-8"));
        Path array = FakeInference.jsonl(temp, "array.jsonl", "{\"a\": 1}", "[1, 2]");
        assertEquals(array + ":2: expected a JSON object",
                assertThrows(EvomergeException.class, () -> JsonlDataset.read(array)).getMessage());
    }
}
