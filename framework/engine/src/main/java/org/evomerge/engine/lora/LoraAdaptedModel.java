package org.evomerge.engine.lora;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/**
 * A model with a LoRA adapter applied as its tensors are read (mergekit's {@code MODEL+ADAPTER}): every tensor the
 * adapter updates reads as {@code W + scale * B A} in the weight's own dtype, {@code modules_to_save} tensors read as
 * the adapter's, the rest as the model's. Closing it closes the model and the adapter.
 */
public final class LoraAdaptedModel implements Model {

    private final Model model;
    private final LoraAdapter adapter;
    private final List<TensorInfo> infos;
    private final Map<String, TensorInfo> byName;

    private LoraAdaptedModel(Model model, LoraAdapter adapter, List<TensorInfo> infos) {
        this.model = model;
        this.adapter = adapter;
        this.infos = List.copyOf(infos);
        Map<String, TensorInfo> names = new LinkedHashMap<>();
        infos.forEach(i -> names.put(i.name(), i));
        this.byName = names;
    }

    /**
     * {@code model} with {@code adapter} applied.
     *
     * @throws EvomergeException (INPUT) naming the adapter's weights file and the tensor, when the adapter updates a
     *                           tensor the model does not have, of another shape, or of a dtype updates are not added
     *                           to (block-quantized)
     */
    public static LoraAdaptedModel of(Model model, LoraAdapter adapter) {
        Path file = adapter.weightsFile();
        Map<String, TensorInfo> base = new LinkedHashMap<>();
        model.tensors().tensors().forEach(i -> base.put(i.name(), i));
        for (String target : adapter.targets()) {
            if (!base.containsKey(target)) {
                throw EvomergeException.input(file + ": the adapter changes '" + target + "', which model "
                        + model.location().map(Path::toString).orElse("(in memory)") + " does not have", null);
            }
        }
        adapter.updates().forEach((target, update) -> {
            TensorInfo info = base.get(target);
            Shape expected = Shape.of(update.rows(), update.cols());
            if (!info.shape().equals(expected)) {
                throw EvomergeException.input(file + ": the update of '" + target + "' is " + expected
                        + ", the model's tensor is " + info.shape(), null);
            }
            requireElementWise(file, info);
        });
        adapter.biasUpdates().forEach((target, values) -> {
            TensorInfo info = base.get(target);
            if (info.shape().elementCount() != values.length) {
                throw EvomergeException.input(file + ": the update of '" + target + "' has " + values.length
                        + " values, the model's tensor is " + info.shape(), null);
            }
            requireElementWise(file, info);
        });
        List<TensorInfo> infos = new ArrayList<>();
        for (TensorInfo info : base.values()) {
            Tensor replacement = adapter.replacements().get(info.name());
            if (replacement != null && !replacement.info().shape().equals(info.shape())) {
                throw EvomergeException.input(file + ": module to save '" + info.name() + "' is "
                        + replacement.info().shape() + ", the model's tensor is " + info.shape(), null);
            }
            infos.add(replacement == null ? info : new TensorInfo(info.name(), replacement.info().dtype(),
                    info.shape(), info.file()));
        }
        return new LoraAdaptedModel(model, adapter, infos);
    }

    private static void requireElementWise(Path file, TensorInfo info) {
        if (!TensorFloats.supports(info.dtype())) {
            throw EvomergeException.input(file + ": the adapter updates '" + info.name() + "', stored as "
                    + info.dtype() + "; LoRA updates are added to F32, F16, BF16 or F64 weights", null);
        }
    }

    @Override
    public String formatId() {
        return model.formatId();
    }

    /** The model's location: its configuration, tokenizer and side files are the model's. */
    @Override
    public Optional<Path> location() {
        return model.location();
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public TensorSource tensors() {
        return new TensorSource() {
            @Override
            public List<TensorInfo> tensors() {
                return infos;
            }

            @Override
            public Optional<TensorInfo> find(String name) {
                return Optional.ofNullable(byName.get(name));
            }

            @Override
            public Tensor tensor(String name) {
                if (!byName.containsKey(name)) {
                    throw new NoSuchElementException("no tensor '" + name + "'");
                }
                Tensor replacement = adapter.replacements().get(name);
                if (replacement != null) {
                    return replacement;
                }
                LoraAdapter.LowRankUpdate update = adapter.updates().get(name);
                float[] bias = adapter.biasUpdates().get(name);
                Tensor base = model.tensors().tensor(name);
                return update == null && bias == null ? base : new LoraAdaptedTensor(base, update, bias);
            }

            @Override
            public void close() {
                // the model's tensors are closed with the model
            }
        };
    }

    @Override
    public List<Path> sideFiles() {
        return model.sideFiles();
    }

    /** The adapter applied. */
    public LoraAdapter adapter() {
        return adapter;
    }

    @Override
    public void close() {
        adapter.close();
        model.close();
    }
}
