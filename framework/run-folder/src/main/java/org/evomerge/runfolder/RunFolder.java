package org.evomerge.runfolder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;

/**
 * An evolution run's folder: where each of its files lives, the checks a new or resumed run makes on it before
 * writing anything, its creation with the copy of the run file, and its removal when a run fails before its first
 * evaluation. Layout: {@code run.yml}, {@code journal.jsonl} ({@link Journal}), {@code history.csv}
 * ({@link HistoryFile}), {@code best/}, {@code population/} (whole-model runs), {@code plots/} and
 * {@code report.html} (the report). A run file with stages has {@code run.yml}, the report and one run folder per
 * stage, {@code stages/<number>-<name>/}, numbered from 1 in the file's order.
 */
public final class RunFolder {

    /** The copy of the run file. */
    public static final String RUN_FILE = "run.yml";
    /** The journal. */
    public static final String JOURNAL = "journal.jsonl";
    /** One row per generation. */
    public static final String HISTORY = "history.csv";
    /** The best model. */
    public static final String BEST = "best";
    /** Whole-model runs' individuals. */
    public static final String POPULATION = "population";
    /** The report's plots. */
    public static final String PLOTS = "plots";
    /** The report's page. */
    public static final String REPORT = "report.html";
    /** A staged run's stage folders. */
    public static final String STAGES = "stages";

    /** A stage of a staged run: its number (from 1) and name, and its run folder. */
    public record Stage(int number, String name, RunFolder folder) {
    }

    private static final Pattern STAGE_FOLDER = Pattern.compile("([1-9][0-9]{0,8})-(.+)");

    private final Path dir;

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path journal() {
        return dir.resolve(JOURNAL);
    }

    public Path runFile() {
        return dir.resolve(RUN_FILE);
    }

    public Path history() {
        return dir.resolve(HISTORY);
    }

    public Path best() {
        return dir.resolve(BEST);
    }

    public Path population() {
        return dir.resolve(POPULATION);
    }

    /**
     * The folder of stage {@code number} (from 1) named {@code name}, relative to a staged run's folder:
     * {@code stages/<number>-<name>}.
     */
    public static Path stagePath(int number, String name) {
        return Path.of(STAGES, number + "-" + name);
    }

    /** The run folder of stage {@code number} named {@code name} of this staged run. */
    public RunFolder stage(int number, String name) {
        return new RunFolder(dir.resolve(stagePath(number, name)));
    }

    /**
     * The stages this folder holds, by number: the folders {@code stages/<number>-<name>}; empty for a run without
     * stages.
     */
    public List<Stage> stages() {
        Path root = dir.resolve(STAGES);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Stage> stages = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.filter(Files::isDirectory).toList()) {
                Matcher m = STAGE_FOLDER.matcher(p.getFileName().toString());
                if (m.matches()) {
                    stages.add(new Stage(Integer.parseInt(m.group(1)), m.group(2), new RunFolder(p)));
                }
            }
        } catch (IOException e) {
            throw EvomergeException.input(root + ": cannot list the stages: " + e.getMessage(), e);
        }
        stages.sort(Comparator.comparingInt(Stage::number));
        return List.copyOf(stages);
    }

    /** Whether the run in this folder finished: its journal has a {@code finish} line and {@code best/} exists. */
    public boolean finished() {
        if (!Files.isRegularFile(journal()) || !Files.isDirectory(best())) {
            return false;
        }
        return Journal.read(journal()).finish().isPresent();
    }

    /**
     * Checks, writing nothing, that the run in this folder can be resumed with the run file {@code runFile} of text
     * {@code runFileText}: the folder holds the copy of the same file. A run stopped before its journal was opened
     * has only that copy: it resumes from the start.
     *
     * @throws EvomergeException (configuration) saying what is missing or differs
     */
    public void checkResume(Path runFile, String runFileText) {
        Path copy = runFile();
        try {
            if (!Files.exists(copy)) {
                throw EvomergeException.configuration(dir + ": no run to resume (no " + RUN_FILE
                        + (Files.exists(journal()) ? "" : " and no " + JOURNAL) + ")");
            }
            if (!Files.readString(copy, StandardCharsets.UTF_8).equals(runFileText)) {
                throw EvomergeException.configuration(runFile + ": differs from the run file the run in " + dir
                        + " started with (" + copy + "); resume with that file");
            }
        } catch (IOException e) {
            throw EvomergeException.input(dir + ": cannot read the run folder: " + e.getMessage(), e);
        }
    }

    /**
     * Checks, writing nothing, that a new run can start here: the folder is missing or empty.
     *
     * @throws EvomergeException (configuration) saying what is there and what to do
     */
    public void checkNew() {
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw EvomergeException.configuration(dir + ": not a folder; give a new folder for the run");
            }
            if (Files.exists(dir)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        if (Files.exists(runFile()) && !anyEvaluation()) {
                            throw EvomergeException.configuration(dir + ": holds a run that stopped before its"
                                    + " first evaluation; continue it with --resume (same run file), or delete the"
                                    + " folder to start afresh");
                        }
                        throw EvomergeException.configuration(dir + ": not empty; give a new folder, or --resume"
                                + " to continue the run in it");
                    }
                }
            }
        } catch (IOException e) {
            throw EvomergeException.input(dir + ": cannot read the run folder: " + e.getMessage(), e);
        }
    }

    /** Whether the journal holds an evaluation (a journal that does not read counts as holding one). */
    public boolean anyEvaluation() {
        if (!Files.exists(journal())) {
            return false;
        }
        try {
            return !Journal.read(journal()).evaluations().isEmpty();
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * Creates the folder of a new run (checked by {@link #checkNew} before) and copies the run file into it.
     *
     * @return the new run, to discard if it fails before its first evaluation
     */
    public NewRun create(String runFileText) {
        try {
            boolean created = !Files.exists(dir);
            Files.createDirectories(dir);
            NewRun run = new NewRun(created);
            try {
                writeAtomically(runFile(), runFileText);
            } catch (RuntimeException e) {
                run.discardIfNothingEvaluated(e);
                throw e;
            }
            return run;
        } catch (IOException e) {
            throw EvomergeException.input(dir + ": cannot create the run folder: " + e.getMessage(), e);
        }
    }

    /** A run this session started in the folder. */
    public final class NewRun {

        private final boolean created;

        /** @param created whether this session created the folder (else it was there, empty) */
        private NewRun(boolean created) {
            this.created = created;
        }

        /**
         * After {@code failure}: removes what the run wrote, unless the journal holds an evaluation (then the folder
         * is a run to resume). A run that failed before its first evaluation thus leaves nothing that would keep a
         * fresh start from the same folder. What cannot be removed is added to {@code failure} as suppressed.
         */
        public void discardIfNothingEvaluated(Throwable failure) {
            if (anyEvaluation()) {
                return;
            }
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path folder, IOException e) throws IOException {
                        if (e != null) {
                            throw e;
                        }
                        if (created || !folder.equals(dir)) {
                            Files.delete(folder);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** {@link #writeAtomically(Path, byte[])} of the text in UTF-8. */
    public static void writeAtomically(Path file, String text) {
        writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code content} to {@code file} through a temporary file in the same folder, forced to the disk, and one
     * rename, so a reader never sees half a file. The temporary file is created as any other file (the umask decides
     * its mode), not by {@code Files.createTempFile}, whose owner-only mode the rename would carry over to
     * {@code file}.
     */
    public static void writeAtomically(Path file, byte[] content) {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try {
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer bytes = ByteBuffer.wrap(content);
                    while (bytes.hasRemaining()) {
                        channel.write(bytes);
                    }
                    channel.force(true);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
