package org.evomerge.engine.merge;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.TensorPlacement;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.vocabulary.VocabularyAlignment;

/**
 * Everything a merge will do, decided before any tensor is read: each output tensor with its inputs and the
 * parameter levels that resolve its values, and the output configuration.
 *
 * @param tensors      output tensors in write order
 * @param config       the output {@code config.json}
 * @param outDtype     the dtype written
 * @param workingDtype the precision inputs and results are rounded to while merging (F32 = none)
 * @param vocabulary   the vocabulary alignment applied to embeddings and heads before merging, when the recipe asks
 *                     for one ({@code tokenizer_source} or {@code tokenizer:})
 */
public record MergePlan(List<PlannedTensor> tensors, Map<String, Object> config, DType outDtype, DType workingDtype,
                        Optional<VocabularyAlignment> vocabulary) {

    /** A plan without vocabulary alignment. */
    public MergePlan(List<PlannedTensor> tensors, Map<String, Object> config, DType outDtype, DType workingDtype) {
        this(tensors, config, outDtype, workingDtype, Optional.empty());
    }

    /**
     * One input of one output tensor.
     *
     * @param modelName  the model reference as the recipe writes it
     * @param model      the opened model
     * @param tensorName the name of the tensor in that model
     * @param levels     parameter maps in precedence order (source, slice, global)
     */
    public record PlannedInput(String modelName, Model model, String tensorName,
                               List<Map<String, ParameterValue>> levels) {
        public TensorInfo info() {
            return model.tensors().find(tensorName).orElseThrow();
        }
    }

    /**
     * One output tensor.
     *
     * @param name        the output name
     * @param placement   its role and (output) layer
     * @param position    t ∈ [0, 1] for gradient parameters
     * @param inputs      the non-base inputs, in recipe order
     * @param base        the base input, for methods that use one
     * @param tensorLevels parameter maps for the method-level (per-tensor) parameters: slice, then global
     */
    public record PlannedTensor(String name, TensorPlacement placement, double position, List<PlannedInput> inputs,
                                Optional<PlannedInput> base, List<Map<String, ParameterValue>> tensorLevels) {
        public PlannedTensor {
            inputs = List.copyOf(inputs);
            tensorLevels = List.copyOf(tensorLevels);
        }
    }

    public MergePlan {
        tensors = List.copyOf(tensors);
        config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        vocabulary = vocabulary == null ? Optional.empty() : vocabulary;
    }
}
