package org.evomerge.engine.context;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.evomerge.api.context.ScratchSpace;

/** Scratch space in a folder of its own, deleted on {@link #close()} unless asked to keep it. */
public final class ScratchDirectory implements ScratchSpace, AutoCloseable {

    private final Path root;
    private final boolean keep;

    private ScratchDirectory(Path root, boolean keep) {
        this.root = root;
        this.keep = keep;
    }

    /** A new temporary folder under {@code parent} (the system temp folder when {@code null}). */
    public static ScratchDirectory create(Path parent, boolean keep) {
        try {
            Path dir = parent == null ? Files.createTempDirectory("evomerge-") : Files.createTempDirectory(
                    Files.createDirectories(parent), "evomerge-");
            return new ScratchDirectory(dir, keep);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create scratch folder under " + parent, e);
        }
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public Path newFolder(String prefix) {
        try {
            return Files.createTempDirectory(root, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Path newFile(String prefix, String suffix) {
        try {
            return Files.createTempFile(root, prefix, suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (keep) {
            return;
        }
        try {
            FolderTree.delete(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete scratch folder " + root, e);
        }
    }
}
