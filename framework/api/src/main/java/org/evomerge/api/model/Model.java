package org.evomerge.api.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.Stable;
import org.evomerge.api.tensor.TensorSource;

/**
 * An opened model: configuration, tensors and the side files (tokenizer, generation config) that travel with it.
 * Closing it releases its files.
 */
@Stable(since = "0.1.0")
public interface Model extends AutoCloseable {

    /** The id of the format that opened it (e.g. {@code safetensors}, {@code gguf}, or {@code memory}). */
    String formatId();

    /** The folder or file it was read from; empty for a model held only in memory. */
    Optional<Path> location();

    ModelConfig config();

    TensorSource tensors();

    /** Files to carry into outputs made from this model (tokenizer, generation config), as absolute paths. */
    List<Path> sideFiles();

    @Override
    void close();
}
