package org.evomerge.runfolder;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * A run's journal ({@code journal.jsonl}) as read: its records in file order, and whether its last line was torn.
 *
 * <p><b>Format.</b> One JSON object per line, key {@code type}; the first line is a {@link JournalRecord.Start}
 * whose {@code version} is the format the run was started with. Format 1 (journals written before extension versions
 * were journaled) and format 2 read; a later format is refused by name, so an older evomerge never misreads a newer
 * journal. A resumed run appends lines of the current format to a journal of any format it reads; format 2 only adds
 * keys, so such a journal stays readable by the version that started it.
 *
 * <p><b>Torn last line.</b> The writer appends each line with its newline in one write and forces it to the disk
 * before going on, so only the last line can be incomplete, and only when a crash cut that write short. Text after
 * the last newline is therefore such a torn write: it is not part of the journal ({@link #tornLastLine()} says it was
 * there) and {@link JournalWriter#open} cuts it off before appending. Every complete line must read; one that does not
 * is an input error naming the file and line.
 */
public final class Journal {

    /** The journal format new runs are written in. */
    public static final int FORMAT_VERSION = 2;

    private final Path file;
    private final List<JournalRecord> records;
    private final boolean tornLastLine;
    private final List<JournalRecord.Resume> resumes = new ArrayList<>();
    private final List<JournalRecord.Evaluation> evaluations = new ArrayList<>();
    private final List<JournalRecord.Generation> generations = new ArrayList<>();
    private final List<JournalRecord.Kinship> kinships = new ArrayList<>();
    private JournalRecord.Finish finish;

    Journal(Path file, List<JournalRecord> records, boolean tornLastLine) {
        this.file = file;
        this.records = List.copyOf(records);
        this.tornLastLine = tornLastLine;
        for (JournalRecord r : this.records) {
            switch (r) {
                case JournalRecord.Start s -> {
                }
                case JournalRecord.Resume s -> resumes.add(s);
                case JournalRecord.Evaluation e -> evaluations.add(e);
                case JournalRecord.Generation g -> generations.add(g);
                case JournalRecord.Kinship k -> kinships.add(k);
                case JournalRecord.Finish f -> finish = f;
            }
        }
    }

    /**
     * Reads {@code file} (without opening it for writing).
     *
     * @throws EvomergeException (input) naming the file, and the line where one does not read
     */
    public static Journal read(Path file) {
        try {
            return parse(file, Files.readAllBytes(file));
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the journal (" + e.getMessage() + ")", e);
        }
    }

    /** The bytes of the complete lines of {@code bytes}: everything up to and including the last newline. */
    static int completeLength(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    static Journal parse(Path file, byte[] bytes) {
        int complete = completeLength(bytes);
        boolean torn = !new String(bytes, complete, bytes.length - complete, StandardCharsets.UTF_8).isBlank();
        // A crash can tear a multi-byte character too; such a line is left out above, and any other undecodable byte
        // makes its line fail to parse, naming it.
        String text = new String(bytes, 0, complete, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        List<JournalRecord> records = new ArrayList<>();
        JournalRecord.Start start = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int number = i + 1;
            if (line.isBlank()) {
                continue;
            }
            JournalRecord record;
            try {
                JsonNode node = JournalCodec.parse(line);
                String type = node.get("type").asText();
                if (start == null && !type.equals("start")) {
                    throw new JournalCodec.LineException("the journal must begin with a \"start\" line, found \""
                            + type + "\"");
                }
                record = JournalCodec.decode(node);
            } catch (JournalCodec.LineException e) {
                throw lineError(file, number, e.getMessage());
            }
            if (record instanceof JournalRecord.Start s) {
                if (start != null) {
                    throw lineError(file, number, "a second \"start\" line");
                }
                if (s.version() < 1 || s.version() > FORMAT_VERSION) {
                    throw lineError(file, number, "journal format version " + s.version() + ", which this evomerge"
                            + " does not read (it reads versions 1 to " + FORMAT_VERSION + "); use the evomerge"
                            + " version that wrote it");
                }
                start = s;
            }
            records.add(record);
        }
        return new Journal(file, records, torn);
    }

    private static EvomergeException lineError(Path file, int line, String message) {
        return EvomergeException.input(file + ":" + line + ": " + message, null);
    }

    public Path file() {
        return file;
    }

    /** Every record, in file order. */
    public List<JournalRecord> records() {
        return records;
    }

    /** Whether the file holds no line yet (a run stopped before it wrote its start line). */
    public boolean isEmpty() {
        return records.isEmpty();
    }

    /**
     * The start line.
     *
     * @throws EvomergeException (input) for an empty journal
     */
    public JournalRecord.Start start() {
        if (records.isEmpty()) {
            throw EvomergeException.input(file + ": empty journal (no \"start\" line): the run never started", null);
        }
        return (JournalRecord.Start) records.getFirst();
    }

    public List<JournalRecord.Resume> resumes() {
        return List.copyOf(resumes);
    }

    public List<JournalRecord.Evaluation> evaluations() {
        return List.copyOf(evaluations);
    }

    public List<JournalRecord.Generation> generations() {
        return List.copyOf(generations);
    }

    public List<JournalRecord.Kinship> kinships() {
        return List.copyOf(kinships);
    }

    /** The finish line, when the run ended. */
    public Optional<JournalRecord.Finish> finish() {
        return Optional.ofNullable(finish);
    }

    /** Whether a text after the last newline was left out (see the class comment). */
    public boolean tornLastLine() {
        return tornLastLine;
    }

    /**
     * The extensions the run's latest session journaled (its start or last resume line that lists any); empty for a
     * journal of format 1 never resumed by a later version.
     */
    public List<ExtensionVersion> extensions() {
        List<ExtensionVersion> latest = List.of();
        for (JournalRecord r : records) {
            if (r instanceof JournalRecord.Start s && !s.extensions().isEmpty()) {
                latest = s.extensions();
            } else if (r instanceof JournalRecord.Resume s && !s.extensions().isEmpty()) {
                latest = s.extensions();
            }
        }
        return latest;
    }
}
