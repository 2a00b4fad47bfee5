package org.evomerge.engine.evolution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;

/**
 * The run's append-only journal ({@code RUN_DIR/journal.jsonl}): one JSON object per line, each written and forced
 * to the disk ({@code fsync}) before {@link #append} returns, so whatever the engine does next can rely on it. A line
 * torn by a crash (no final newline) is ignored and cut off when the journal is opened again.
 *
 * <p>Thread-safe: appends from several evaluation workers are serialised.
 */
public final class RunJournal implements AutoCloseable {

    /** The journal's file name in a run folder. */
    public static final String FILE = "journal.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final List<JsonNode> existing;

    private RunJournal(Path file, FileChannel channel, List<JsonNode> existing) {
        this.file = file;
        this.channel = channel;
        this.existing = existing;
    }

    /** Opens (creating if needed) the journal of {@code runDir}, reading and keeping the complete lines it has. */
    public static RunJournal open(Path runDir) {
        Path file = runDir.resolve(FILE);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            byte[] bytes = Files.readAllBytes(file);
            int complete = 0;
            for (int i = bytes.length - 1; i >= 0; i--) {
                if (bytes[i] == '\n') {
                    complete = i + 1;
                    break;
                }
            }
            List<JsonNode> lines = parse(file, new String(bytes, 0, complete, StandardCharsets.UTF_8));
            if (complete < bytes.length) {
                channel.truncate(complete);
                channel.force(true);
            }
            channel.position(complete);
            return new RunJournal(file, channel, lines);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot open the journal: " + e.getMessage(), e);
        }
    }

    /** The complete lines of a journal file, without opening it for writing (a torn last line is skipped). */
    public static List<JsonNode> read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1;
            return parse(file, text.substring(0, end));
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the journal: " + e.getMessage(), e);
        }
    }

    private static List<JsonNode> parse(Path file, String text) {
        List<JsonNode> lines = new ArrayList<>();
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = JSON.readTree(line);
                if (!node.isObject() || !node.has("type")) {
                    throw EvomergeException.input(file + ":" + number + ": not a journal line (no \"type\")", null);
                }
                lines.add(node);
            } catch (JsonProcessingException e) {
                throw EvomergeException.input(file + ":" + number + ": not valid JSON: "
                        + e.getOriginalMessage(), e);
            }
        }
        return lines;
    }

    /** The lines the journal held when it was opened. */
    public List<JsonNode> existing() {
        return List.copyOf(existing);
    }

    /** Writes one line and forces it to the disk. */
    public synchronized void append(Map<String, Object> line) {
        try {
            byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append to the journal", e);
        }
    }

    /** Reads a value back into a JSON tree (the form {@link #existing()} gives). */
    public static JsonNode tree(Object value) {
        return JSON.valueToTree(value);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
