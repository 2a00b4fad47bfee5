package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.tensor.TensorReader;
import org.evomerge.engine.vocabulary.VocabularyAlignment;

/**
 * A tensor prepared to merge whole, as one block: what the method sees (the common shape the inputs were cut to) and
 * every input's values, decoded and rounded to the working precision, rebuilt in the output vocabulary when the plan
 * says so and cut to a common shape, in arrays of the run's {@link FloatArrayPool}. The merge's whole-tensor path and
 * the magnitude pre-pass prepare tensors here, so the pre-pass sees exactly what the method will.
 *
 * @param models the non-base inputs' values, in {@code input.models()} order
 * @param base   the base's values, or {@code null}
 */
record WholeTensorInputs(MergeInput input, float[][] models, float[] base) {

    /** Gives the arrays back to the pool, once the method and the writer are done with them. */
    void release(FloatArrayPool arrays) {
        for (float[] values : models) {
            arrays.release(values);
        }
        if (base != null) {
            arrays.release(base);
        }
    }

    /**
     * Everything the method sees for one tensor: inputs decoded and rounded to the working precision, rebuilt in the
     * output vocabulary when the plan asks, cut to a common shape, with resolved and validated parameters.
     */
    static WholeTensorInputs prepare(MergePlan plan, ExtensionDescriptor descriptor, RunContext context,
                                     MergePlan.PlannedTensor tensor, FloatArrayPool arrays, TensorReader reader) {
        List<Loaded> inputs = new ArrayList<>();
        for (MergePlan.PlannedInput input : tensor.inputs()) {
            inputs.add(load(input, plan.workingDtype(), reader, arrays));
        }
        Optional<Loaded> base = tensor.base().map(b -> load(b, plan.workingDtype(), reader, arrays));
        if (tensor.rebuiltInVocabulary()) {
            List<Loaded> rebuilt = toVocabulary(plan, tensor, all(inputs, base), reader);
            base = base.map(b -> rebuilt.getLast());
            inputs = rebuilt.subList(0, inputs.size());
        }
        Shape shape = commonShape(tensor, all(inputs, base));
        if (!all(inputs, base).stream().allMatch(l -> l.shape().equals(shape))) {
            long rows = shape.dim(0);
            long cols = shape.dim(1);
            inputs = inputs.stream().map(l -> l.cut(rows, cols)).toList();
            base = base.map(b -> b.cut(rows, cols));
        }
        float[][] values = new float[inputs.size()][];
        for (int m = 0; m < values.length; m++) {
            values[m] = inputs.get(m).values();
        }
        MergeInput input = TensorParameters.mergeInput(descriptor, context, tensor, shape);
        return new WholeTensorInputs(input, values, base.map(Loaded::values).orElse(null));
    }

    /** One input decoded whole, with the shape its values have now. */
    private record Loaded(MergePlan.PlannedInput input, Shape shape, float[] values) {

        /** The top-left {@code rows × cols} block of a matrix (itself when it is that size already). */
        Loaded cut(long rows, long cols) {
            long oldCols = shape.dim(1);
            if (shape.dim(0) == rows && oldCols == cols) {
                return this;
            }
            float[] out = new float[(int) (rows * cols)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(values, (int) (r * oldCols), out, (int) (r * cols), (int) cols);
            }
            return new Loaded(input, Shape.of(rows, cols), out);
        }
    }

    private static List<Loaded> all(List<Loaded> inputs, Optional<Loaded> base) {
        List<Loaded> all = new ArrayList<>(inputs);
        base.ifPresent(all::add);
        return all;
    }

    private static Loaded load(MergePlan.PlannedInput input, DType working, TensorReader reader,
                               FloatArrayPool arrays) {
        TensorInfo info = input.info();
        TensorReader.requireWholeMergeable(input.modelName(), info);
        float[] values = arrays.take((int) info.shape().elementCount());
        reader.readWhole(input.model().tensors().tensor(input.tensorName()), info.dtype(), values);
        if (info.dtype() != working) {
            reader.round(values, values.length, working);
        }
        return new Loaded(input, info.shape(), values);
    }

    /**
     * Rebuilds every input's embedding or head ({@code all}: the non-base inputs, then the base) in the output
     * vocabulary's order (the recipe's tokenizer settings), then rounds the rebuilt rows (means) to the working
     * precision as the inputs were.
     */
    private static List<Loaded> toVocabulary(MergePlan plan, MergePlan.PlannedTensor tensor, List<Loaded> all,
                                              TensorReader reader) {
        VocabularyAlignment vocabulary = plan.vocabulary().orElseThrow();
        long hidden = all.getFirst().shape().rank() == 2 ? all.getFirst().shape().dim(1) : -1;
        for (Loaded l : all) {
            if (l.shape().rank() != 2 || l.shape().dim(1) != hidden) {
                throw EvomergeException.input(tensor.name() + ": vocabulary alignment needs [vocab, hidden] matrices"
                        + " with the same hidden size (" + shapes(all) + ")", null);
            }
        }
        List<float[]> rows = vocabulary.align(tensor.name(), all.stream().map(l -> l.input().modelName()).toList(),
                all.stream().map(Loaded::values).toList(), (int) hidden);
        List<Loaded> aligned = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            float[] values = rows.get(i);
            reader.round(values, values.length, plan.workingDtype());
            aligned.add(new Loaded(all.get(i).input(), tensor.shape(), values));
        }
        return aligned;
    }

    /**
     * The shape every input is made, as mergekit does: theirs when they agree; vocabulary tensors (embeddings, heads)
     * are cut to the block all inputs share, which the plan decided; any other mismatch is an error naming the tensor
     * and the models.
     */
    private static Shape commonShape(MergePlan.PlannedTensor tensor, List<Loaded> all) {
        Shape first = all.getFirst().shape();
        if (all.stream().allMatch(l -> l.shape().equals(first))) {
            return first;
        }
        boolean vocabulary = MergePlanner.isVocabularyTensor(tensor.placement())
                && all.stream().allMatch(l -> l.shape().rank() == 2);
        if (!vocabulary) {
            throw EvomergeException.input(tensor.name() + ": shapes differ (" + shapes(all) + ")", null);
        }
        return tensor.shape();
    }

    private static String shapes(List<Loaded> all) {
        StringBuilder shapes = new StringBuilder();
        all.forEach(l -> shapes.append(shapes.isEmpty() ? "" : ", ").append(l.input().modelName()).append(' ')
                .append(l.shape()));
        return shapes.toString();
    }
}
