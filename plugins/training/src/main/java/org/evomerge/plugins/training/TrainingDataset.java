package org.evomerge.plugins.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.training.TrainingData;

/**
 * A fine-tuning dataset read from JSONL, one record per line: {@code {"text": ...}} (loss on every token),
 * {@code {"prompt": ..., "answer": ...}} (loss on the answer only) or {@code {"input_ids": [...]}} (already
 * tokenised, loss on every token). Blank lines are skipped. Immutable.
 */
final class TrainingDataset {

    /** One record; exactly one of the three shapes. */
    record Record(String text, String prompt, String answer, int[] inputIds) {
    }

    private final Path file;
    private final List<Record> records;

    private TrainingDataset(Path file, List<Record> records) {
        this.file = file;
        this.records = List.copyOf(records);
    }

    /**
     * Reads {@code file}.
     *
     * @throws EvomergeException (input) naming the file and line of a record that is not one of the three shapes
     */
    static TrainingDataset read(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<Record> records = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                records.add(parse(json, file, number, line));
            }
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the dataset: " + e.getMessage(), e);
        }
        if (records.isEmpty()) {
            throw EvomergeException.input(file + ": the dataset has no records", null);
        }
        return new TrainingDataset(file, records);
    }

    private static Record parse(ObjectMapper json, Path file, int number, String line) {
        String where = file + ":" + number;
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw EvomergeException.input(where + ": not a JSON object: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw EvomergeException.input(where + ": not a JSON object", null);
        }
        if (node.hasNonNull("input_ids")) {
            JsonNode ids = node.get("input_ids");
            if (!ids.isArray() || ids.size() < 2) {
                throw EvomergeException.input(where + ": input_ids must be an array of at least two token ids", null);
            }
            int[] values = new int[ids.size()];
            for (int i = 0; i < values.length; i++) {
                if (!ids.get(i).canConvertToInt() || !ids.get(i).isIntegralNumber()) {
                    throw EvomergeException.input(where + ": input_ids[" + i + "] is not a token id", null);
                }
                values[i] = ids.get(i).intValue();
            }
            return new Record(null, null, null, values);
        }
        if (node.hasNonNull("prompt") || node.hasNonNull("answer")) {
            if (!node.path("prompt").isTextual() || !node.path("answer").isTextual()) {
                throw EvomergeException.input(where + ": a prompt/answer record needs both as strings", null);
            }
            return new Record(null, node.get("prompt").asText(), node.get("answer").asText(), null);
        }
        if (node.path("text").isTextual()) {
            return new Record(node.get("text").asText(), null, null, null);
        }
        throw EvomergeException.input(where + ": expected {\"text\"}, {\"prompt\", \"answer\"} or {\"input_ids\"}",
                null);
    }

    Path file() {
        return file;
    }

    List<Record> records() {
        return records;
    }

    boolean needsTokenizer() {
        return records.stream().anyMatch(r -> r.inputIds() == null);
    }

    /**
     * The chosen records as training examples. Text is encoded with special tokens (the tokenizer's BOS) and ends
     * with its EOS when it has one, so the model learns where answers stop.
     *
     * @param tokenizer may be null when every chosen record is {@code input_ids}
     */
    TrainingData examples(List<Integer> chosen, Tokenizer tokenizer) {
        List<TrainingData.Example> examples = new ArrayList<>();
        for (int index : chosen) {
            Record r = records.get(index);
            String where = file + ": record " + (index + 1);
            if (r.inputIds() != null) {
                examples.add(TrainingData.Example.text(r.inputIds()));
                continue;
            }
            if (r.text() != null) {
                int[] ids = withEos(tokenizer.encode(r.text(), true), tokenizer);
                if (ids.length >= 2) {
                    examples.add(TrainingData.Example.text(ids));
                }
                continue;
            }
            int[] prompt = tokenizer.encode(r.prompt(), true);
            int[] answer = withEos(tokenizer.encode(r.answer(), false), tokenizer);
            if (prompt.length == 0 || answer.length == 0) {
                throw EvomergeException.input(where + ": the prompt and the answer must each give tokens", null);
            }
            examples.add(TrainingData.Example.promptAnswer(prompt, answer));
        }
        if (examples.isEmpty()) {
            throw EvomergeException.input(file + ": no record gives at least two tokens", null);
        }
        return new TrainingData(examples);
    }

    private static int[] withEos(int[] ids, Tokenizer tokenizer) {
        if (tokenizer.eosTokenId().isEmpty()) {
            return ids;
        }
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = tokenizer.eosTokenId().getAsInt();
        return out;
    }
}
