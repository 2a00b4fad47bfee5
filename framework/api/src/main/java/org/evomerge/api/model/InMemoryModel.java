package org.evomerge.api.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.Experimental;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Tensor;

/**
 * A model whose tensors are at hand in memory: a merge result scored without being written (format id
 * {@value #FORMAT_ID}), a trained model, a test fixture, a test format's opened file. Immutable; thread-safe for
 * reads.
 *
 * @param formatId  the format that made it, {@value #FORMAT_ID} for a model made in memory
 * @param location  where it was read from; empty for a model made in memory
 * @param config    its configuration
 * @param tensors   its tensors
 * @param sideFiles files to carry into outputs made from it (the tokenizer of the model it was made from)
 * @param release   frees the tensors' memory on {@link #close()}; run on every close, so it must tolerate being run
 *                  again; does nothing for memory the garbage collector frees
 */
@Experimental(since = "0.1.0", reason = "models and tensors held in memory; how their memory is released may change")
public record InMemoryModel(String formatId, Optional<Path> location, ModelConfig config, InMemoryTensors tensors,
                            List<Path> sideFiles, Runnable release) implements Model {

    /** The format id of a model made in memory. */
    public static final String FORMAT_ID = "memory";

    public InMemoryModel {
        Objects.requireNonNull(formatId, "formatId");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tensors, "tensors");
        sideFiles = sideFiles == null ? List.of() : List.copyOf(sideFiles);
        Objects.requireNonNull(release, "release");
    }

    /** A model made in memory from {@code tensors} (in this order), without side files. */
    public static InMemoryModel of(ModelConfig config, List<? extends Tensor> tensors) {
        return of(config, tensors, List.of());
    }

    /** A model made in memory from {@code tensors} (in this order) whose memory the garbage collector frees. */
    public static InMemoryModel of(ModelConfig config, List<? extends Tensor> tensors, List<Path> sideFiles) {
        return new InMemoryModel(FORMAT_ID, Optional.empty(), config, InMemoryTensors.of(tensors), sideFiles, () -> { });
    }

    /** This model with another configuration; the same tensors, which it still owns. */
    public InMemoryModel withConfig(ModelConfig config) {
        return new InMemoryModel(formatId, location, config, tensors, sideFiles, release);
    }

    @Override
    public void close() {
        release.run();
    }
}
