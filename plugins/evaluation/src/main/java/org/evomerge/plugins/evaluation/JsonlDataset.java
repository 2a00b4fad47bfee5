package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;

/** Reads JSONL datasets (one JSON object per line, UTF-8; blank lines skipped) and takes seeded samples of them. */
public final class JsonlDataset {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlDataset() {
    }

    /**
     * Every record of {@code file}, in file order.
     *
     * @throws EvomergeException (input) naming the file, and the line for a line that is not a JSON object
     */
    public static List<DatasetRecord> read(Path file) {
        List<DatasetRecord> records = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader reader = new BufferedReader(
                new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw EvomergeException.input(file + ":" + number + ": not valid JSON ("
                            + e.getOriginalMessage() + ")", e);
                }
                if (node == null || !node.isObject()) {
                    throw EvomergeException.input(file + ":" + number + ": expected a JSON object", null);
                }
                records.add(new DatasetRecord(file, number, node));
            }
        } catch (NoSuchFileException e) {
            throw EvomergeException.input(file + ": no such dataset file", e);
        } catch (CharacterCodingException e) {
            throw EvomergeException.input(file + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (records.isEmpty()) {
            throw EvomergeException.input(file + ": the dataset has no records", null);
        }
        return records;
    }

    /**
     * A seeded subsample, in file order: {@code sample} below 1 is a fraction of the records (rounded, at least one),
     * 1 or more a count (all records when the dataset is smaller); {@code sample <= 0} keeps everything. The same
     * seed picks the same records, and a larger sample with the same seed contains a smaller one.
     */
    public static <T> List<T> sample(List<T> records, double sample, long seed) {
        int n = records.size();
        if (sample <= 0) {
            return records;
        }
        int count = sample < 1 ? (int) Math.max(1, Math.round(sample * n)) : (int) Math.min(n, (long) sample);
        if (count >= n) {
            return records;
        }
        // A seeded permutation whose prefix is the sample: nested samples for growing sizes (multi-fidelity).
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] chosen = Arrays.copyOf(order, count);
        Arrays.sort(chosen);
        List<T> result = new ArrayList<>(count);
        for (int index : chosen) {
            result.add(records.get(index));
        }
        return result;
    }
}
