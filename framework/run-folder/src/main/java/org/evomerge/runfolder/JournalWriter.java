package org.evomerge.runfolder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.evomerge.api.EvomergeException;

/**
 * Appends to a run's journal: each record is one line, written with its newline in one write and forced to the disk
 * ({@code fsync}) before {@link #append} returns, so whatever the engine does next can rely on it. Opening a journal
 * cuts off a torn last line (see {@link Journal}).
 *
 * <p>Thread-safe: appends from several evaluation workers are serialised.
 */
public final class JournalWriter implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final Journal existing;

    private JournalWriter(Path file, FileChannel channel, Journal existing) {
        this.file = file;
        this.channel = channel;
        this.existing = existing;
    }

    /**
     * Opens (creating if needed) the journal of {@code runDir}, reading the complete lines it has.
     *
     * @throws EvomergeException (input) when it cannot be opened, or a complete line does not read (naming it)
     */
    public static JournalWriter open(Path runDir) {
        Path file = runDir.resolve(RunFolder.JOURNAL);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            byte[] bytes = Files.readAllBytes(file);
            Journal journal = Journal.parse(file, bytes);
            int complete = Journal.completeLength(bytes);
            if (complete < bytes.length) {
                channel.truncate(complete);
                channel.force(true);
            }
            channel.position(complete);
            return new JournalWriter(file, channel, journal);
        } catch (IOException e) {
            closeQuietly(channel);
            throw EvomergeException.input(file + ": cannot open the journal: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // The open failed already; that is the error to report.
            }
        }
    }

    /** What the journal held when it was opened. */
    public Journal existing() {
        return existing;
    }

    /** Writes one record as a line and forces it to the disk. */
    public synchronized void append(JournalRecord record) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap((JournalCodec.line(record) + "\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append to the journal", e);
        }
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
