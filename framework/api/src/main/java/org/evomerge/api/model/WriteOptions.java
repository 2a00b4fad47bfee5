package org.evomerge.api.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.Stable;

/**
 * How a model is written. The layout is declared up front, as Hugging Face's sharding does, so a writer can place
 * every tensor in its shard and write headers before data, streaming each tensor to its final position.
 *
 * @param tensors         every tensor that will be written: name, dtype and shape (the {@code file} is ignored);
 *                        names are unique
 * @param config          the configuration to write (its {@code raw} map becomes {@code config.json})
 * @param maxShardBytes   largest shard in bytes; Hugging Face's default is 5 GB ({@code 5_000_000_000})
 * @param allowOverwrite  replace an existing model at the destination instead of refusing
 * @param metadata        extra provenance written into the file metadata (format-specific place)
 * @param sideFiles       files copied next to the model (tokenizer, generation config)
 */
@Stable(since = "0.1.0")
public record WriteOptions(
        List<org.evomerge.api.tensor.TensorInfo> tensors,
        ModelConfig config,
        long maxShardBytes,
        boolean allowOverwrite,
        Map<String, String> metadata,
        List<Path> sideFiles) {

    /** Hugging Face's default shard size. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    public WriteOptions {
        tensors = List.copyOf(tensors);
        if (tensors.stream().map(org.evomerge.api.tensor.TensorInfo::name).distinct().count() != tensors.size()) {
            throw new IllegalArgumentException("tensor names must be unique");
        }
        Objects.requireNonNull(config, "config");
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        sideFiles = sideFiles == null ? List.of() : List.copyOf(sideFiles);
    }
}
