package org.evomerge.engine.evolution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The small files of a run folder besides the journal: {@code history.csv} and the copy of the run file. Each is
 * written under a temporary name and renamed, so a reader never sees half a file.
 */
public final class RunFiles {

    /** The copy of the run file in a run folder. */
    public static final String RUN_FILE = "run.yml";
    /** One row per generation. */
    public static final String HISTORY = "history.csv";

    private RunFiles() {
    }

    /** Rewrites {@code history.csv}: {@code generation,evaluations,best,mean,std,worst,elapsed_seconds}. */
    public static void writeHistory(Path runDir, List<EvolutionEngine.GenerationStats> generations) {
        StringBuilder csv = new StringBuilder("generation,evaluations,best,mean,std,worst,elapsed_seconds\n");
        for (EvolutionEngine.GenerationStats g : generations) {
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s,%.3f%n", g.generation(), g.evaluations(),
                    g.best(), g.mean(), g.std(), g.worst(), g.elapsed()));
        }
        writeAtomically(runDir.resolve(HISTORY), csv.toString());
    }

    /**
     * Writes {@code text} to {@code file} through a temporary file in the same folder and one rename. The temporary
     * file is created as any other file (the umask decides its mode), not by {@code Files.createTempFile}, whose
     * owner-only mode the rename would carry over to {@code file}.
     */
    public static void writeAtomically(Path file, String text) {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try {
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                    while (bytes.hasRemaining()) {
                        channel.write(bytes);
                    }
                    channel.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
