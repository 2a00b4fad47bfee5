package org.evomerge.api.tensor;

import java.util.List;
import java.util.Optional;
import org.evomerge.api.Stable;

/**
 * A set of named tensors read lazily: listing is cheap, data is mapped or computed when asked for. Implementations
 * are safe for concurrent reads. A merge result held in memory is a tensor source too, so evaluators can score it
 * without writing it to disk.
 */
@Stable(since = "0.1.0")
public interface TensorSource extends AutoCloseable {

    /** Every tensor, in the order the source stores them. */
    List<TensorInfo> tensors();

    default Optional<TensorInfo> find(String name) {
        return tensors().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * The tensor with its data.
     *
     * @throws java.util.NoSuchElementException if there is no tensor of that name
     */
    Tensor tensor(String name);

    /** Releases mappings and files; tensors obtained earlier become invalid. */
    @Override
    void close();
}
