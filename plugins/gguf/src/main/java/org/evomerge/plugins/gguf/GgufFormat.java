package org.evomerge.plugins.gguf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;

/**
 * Reads llama.cpp GGUF files (v2 and v3) and writes them as llama.cpp's converter does. A read file is memory-mapped;
 * tensors are views of the mapping except the q and k projections of Llama-family models, which are copied into
 * Hugging Face row order when asked for. Written files store their matrices in {@code out_type}. Thread-safe: it holds
 * no state but its settings.
 */
final class GgufFormat implements ModelFormat {

    static final String ID = "gguf";

    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    private static final int MAX_QUOTED_CHARS = 120;

    private final GgufOutType outType;
    private final ComputeBackend backend;

    /**
     * @param outType what written files store their matrices as
     * @param backend decodes the tensors a writer is given
     */
    GgufFormat(GgufOutType outType, ComputeBackend backend) {
        this.outType = outType;
        this.backend = backend;
    }

    @Override
    public boolean recognizes(Path path) {
        return isGguf(path);
    }

    /** Whether {@code path} is a file that starts with GGUF's magic. */
    static boolean isGguf(Path path) {
        try {
            if (path == null || !Files.isRegularFile(path)) {
                return false;
            }
            try (InputStream in = Files.newInputStream(path)) {
                return Arrays.equals(MAGIC, in.readNBytes(MAGIC.length));
            }
        } catch (IOException | RuntimeException e) {
            // Unreadable files are not ours to claim; open() reports why when someone insists.
            return false;
        }
    }

    @Override
    public Model open(Path path) {
        if (Files.isDirectory(path)) {
            throw inputError(path, "is a folder; a GGUF model is a single .gguf file");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            GgufHeader header = GgufReader.read(path, file);
            return GgufModel.of(path, header, file, arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw inputError(path, "does not exist");
        } catch (IOException e) {
            arena.close();
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new EvomergeException(ErrorCategory.INPUT, oneLine(path + ": cannot read it: " + reason), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Starts writing a GGUF file at {@code destination} (a file path, conventionally ending in {@code .gguf}).
     *
     * @throws EvomergeException (CONFIGURATION) if the file exists and overwriting is not allowed, or the model is not
     *                           of an architecture written as GGUF; (INPUT) if its tokenizer or tensors cannot be
     */
    @Override
    public ModelWriter create(Path destination, WriteOptions options) {
        return new GgufWriter(destination, options, outType, backend);
    }

    /** An INPUT error whose single-line message is the file's path, a colon and {@code problem}. */
    static EvomergeException inputError(Path file, String problem) {
        return new EvomergeException(ErrorCategory.INPUT, oneLine(file + ": " + problem));
    }

    /**
     * A name or key from the file, quoted for a message: control characters escaped (a hostile name must not break the
     * one-line rule) and long names shortened.
     */
    static String quote(String text) {
        String shown = text.length() > MAX_QUOTED_CHARS ? text.substring(0, MAX_QUOTED_CHARS) + "..." : text;
        return "'" + oneLine(shown) + "'";
    }

    private static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
