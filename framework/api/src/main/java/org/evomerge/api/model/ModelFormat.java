package org.evomerge.api.model;

import java.nio.file.Path;
import org.evomerge.api.Stable;

/**
 * Reads (and, if {@link org.evomerge.api.extension.Capability#WRITABLE}, writes) one checkpoint format.
 * Reading must be safe on hostile files: bad input raises an {@link org.evomerge.api.EvomergeException} of category
 * INPUT naming the file, never reads outside the file and never allocates by a size the file claims.
 */
@Stable(since = "0.1.0")
public interface ModelFormat {

    /** Whether {@code path} (a folder or a file) looks like this format. Cheap; reads at most a header. */
    boolean recognizes(Path path);

    /** Opens the model lazily: tensors are mapped, not loaded. */
    Model open(Path path);

    /**
     * Starts writing a model into folder {@code destination}.
     *
     * @throws org.evomerge.api.EvomergeException (CONFIGURATION) if a model exists there and overwriting is not allowed
     * @throws UnsupportedOperationException if the format is read-only
     */
    default ModelWriter create(Path destination, WriteOptions options) {
        throw new UnsupportedOperationException("this model format cannot write models");
    }
}
