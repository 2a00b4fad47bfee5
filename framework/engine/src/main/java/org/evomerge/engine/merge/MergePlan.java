package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.TensorPlacement;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.vocabulary.VocabularyAlignment;

/**
 * Everything a merge will do, decided before any tensor is read: each output tensor with its inputs, the parameter
 * levels that resolve its values, its shape and whether it is rebuilt in the output vocabulary, and the output
 * configuration. A merge into a folder and one into memory run the same plan; only the writer differs.
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
     * @param name         the output name
     * @param placement    its role and (output) layer
     * @param position     t ∈ [0, 1] for gradient parameters
     * @param inputs       the non-base inputs, in recipe order
     * @param base         the base input, for methods that use one
     * @param tensorLevels parameter maps for the method-level (per-tensor) parameters: slice, then global
     * @param shape        the shape written
     * @param rebuiltInVocabulary whether every input's rows are rearranged to the output vocabulary before the merge
     *                     (embeddings and heads, when the recipe has vocabulary settings)
     */
    public record PlannedTensor(String name, TensorPlacement placement, double position, List<PlannedInput> inputs,
                                Optional<PlannedInput> base, List<Map<String, ParameterValue>> tensorLevels,
                                Shape shape, boolean rebuiltInVocabulary) {
        public PlannedTensor {
            inputs = List.copyOf(inputs);
            tensorLevels = List.copyOf(tensorLevels);
            Objects.requireNonNull(shape, "shape");
        }

        /**
         * A tensor merged as its inputs hold it: the output has their shape, or, where embeddings or heads of
         * different vocabularies differ, the block they all share (mergekit's rectification; a method with a base
         * model shares the base's block, which is among them).
         */
        public PlannedTensor(String name, TensorPlacement placement, double position, List<PlannedInput> inputs,
                             Optional<PlannedInput> base, List<Map<String, ParameterValue>> tensorLevels) {
            this(name, placement, position, inputs, base, tensorLevels, commonShape(inputs, base), false);
        }

        /**
         * This tensor rebuilt in the output vocabulary {@code vocabulary}: as many rows as it has tokens, the inputs'
         * width.
         */
        public PlannedTensor rebuiltIn(VocabularyAlignment vocabulary) {
            Shape first = all(inputs, base).getFirst().info().shape();
            Shape rebuilt = first.rank() == 2 ? Shape.of(vocabulary.rows(), first.dim(1)) : shape;
            return new PlannedTensor(name, placement, position, inputs, base, tensorLevels, rebuilt, true);
        }

        private static Shape commonShape(List<PlannedInput> inputs, Optional<PlannedInput> base) {
            List<PlannedInput> all = all(inputs, base);
            Shape first = all.getFirst().info().shape();
            // Inputs that are not all matrices have no common block: the merge refuses their shapes, naming them.
            if (all.stream().allMatch(i -> i.info().shape().equals(first))
                    || !all.stream().allMatch(i -> i.info().shape().rank() == 2)) {
                return first;
            }
            long rows = all.stream().mapToLong(i -> i.info().shape().dim(0)).min().orElseThrow();
            long cols = all.stream().mapToLong(i -> i.info().shape().dim(1)).min().orElseThrow();
            return Shape.of(rows, cols);
        }

        private static List<PlannedInput> all(List<PlannedInput> inputs, Optional<PlannedInput> base) {
            List<PlannedInput> all = new ArrayList<>(inputs);
            base.ifPresent(all::add);
            if (all.isEmpty()) {
                throw new IllegalArgumentException("a planned tensor needs an input");
            }
            return all;
        }
    }

    public MergePlan {
        tensors = List.copyOf(tensors);
        config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        vocabulary = vocabulary == null ? Optional.empty() : vocabulary;
    }

    /** The tensors as written, in write order: name, output dtype, shape. */
    public List<TensorInfo> layout() {
        return tensors.stream().map(t -> new TensorInfo(t.name(), outDtype, t.shape(), "")).toList();
    }

    /**
     * The output model's configuration: {@link #config()} as its {@code config.json} (with the layer count and
     * vocabulary size the plan gives), and what the format inferred about {@code reference} kept.
     */
    public ModelConfig outputConfig(ModelConfig reference) {
        return reference.withRaw(config);
    }
}
