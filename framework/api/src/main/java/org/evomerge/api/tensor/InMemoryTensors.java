package org.evomerge.api.tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.evomerge.api.Experimental;

/**
 * Tensors already at hand, under their names, as a {@link TensorSource}. Closing it does nothing: whoever holds the
 * tensors' memory frees it (the model they belong to, or the garbage collector). Immutable and thread-safe.
 *
 * @param byName the tensors by {@link TensorInfo#name()}, in the order the source lists them
 */
@Experimental(since = "0.1.0", reason = "models and tensors held in memory; how their memory is released may change")
public record InMemoryTensors(Map<String, Tensor> byName) implements TensorSource {

    public InMemoryTensors {
        byName.forEach((name, tensor) -> {
            if (!name.equals(tensor.info().name())) {
                throw new IllegalArgumentException("tensor '" + tensor.info().name() + "' listed as '" + name + "'");
            }
        });
        byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /**
     * {@code tensors} in this order.
     *
     * @throws IllegalArgumentException if two have the same name
     */
    public static InMemoryTensors of(List<? extends Tensor> tensors) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor tensor : tensors) {
            if (byName.putIfAbsent(tensor.info().name(), tensor) != null) {
                throw new IllegalArgumentException("two tensors are named '" + tensor.info().name() + "'");
            }
        }
        return new InMemoryTensors(byName);
    }

    @Override
    public List<TensorInfo> tensors() {
        return byName.values().stream().map(Tensor::info).toList();
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name)).map(Tensor::info);
    }

    @Override
    public Tensor tensor(String name) {
        Tensor tensor = byName.get(name);
        if (tensor == null) {
            throw new NoSuchElementException("no tensor '" + name + "'");
        }
        return tensor;
    }

    @Override
    public void close() {
        // The tensors' memory belongs to their model, or to the garbage collector.
    }
}
