package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.merge.ModelTensor;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Test;

/**
 * Contract of merge methods: the output has the input's size, contains no NaN for finite inputs, leaves the inputs
 * untouched, depends only on the seed, returns the tensor itself when every input is the same tensor, and refuses a
 * missing base model when it needs one.
 */
public abstract class MergeMethodContract extends ExtensionFactoryContract<MergeMethodFactory> {

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.MERGE_METHOD;
    }

    /** Values for required per-model parameters (e.g. {@code weight}); defaults fill the rest. */
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of();
    }

    /** Values for required per-tensor and global parameters. */
    protected Map<String, Object> tensorParameters() {
        return Map.of();
    }

    /** How many non-base models the method is exercised with. */
    protected int modelCount() {
        return factory().descriptor().has(Capability.EXACTLY_TWO_MODELS) ? 2 : 3;
    }

    /** Tolerance of the "same tensor in, same tensor out" check, relative to the largest magnitude. */
    protected double identityTolerance() {
        return 1e-5;
    }

    protected MergeMethod method() {
        return factory().create(parameters(EnumSet.of(ParameterScope.GLOBAL), tensorParameters()), context(1));
    }

    protected MergeInput input(Shape shape, List<float[]> models, Optional<float[]> base, long seed) {
        List<ModelTensor> tensors = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            tensors.add(new ModelTensor("model" + i, models.get(i),
                    parameters(EnumSet.of(ParameterScope.PER_MODEL), perModelParameters(i))));
        }
        Optional<ModelTensor> baseTensor = base.map(b -> new ModelTensor("base", b, Parameters.EMPTY));
        Parameters tensorLevel = parameters(EnumSet.of(ParameterScope.PER_TENSOR), tensorParameters());
        return new MergeInput("model.layers.0.mlp.up_proj.weight", shape, tensors, baseTensor, tensorLevel,
                new SeededRandomSource(seed));
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }

    private Optional<float[]> baseIfUsed(SplittableRandom random, int n) {
        boolean usesBase = factory().descriptor().has(Capability.REQUIRES_BASE_MODEL)
                || factory().descriptor().has(Capability.ACCEPTS_BASE_MODEL);
        return usesBase ? Optional.of(random(random, n)) : Optional.empty();
    }

    @Test
    void producesOneFiniteValuePerElementAndLeavesInputsUntouched() {
        SplittableRandom random = new SplittableRandom(3);
        Shape shape = Shape.of(7, 13);
        int n = (int) shape.elementCount();
        List<float[]> models = new ArrayList<>();
        List<float[]> copies = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            float[] values = random(random, n);
            models.add(values);
            copies.add(values.clone());
        }
        Optional<float[]> base = baseIfUsed(random, n);
        Optional<float[]> baseCopy = base.map(float[]::clone);
        float[] merged = method().merge(input(shape, models, base, 99));
        assertEquals(n, merged.length);
        for (float[] model : models) {
            assertTrue(merged != model, "the result must be a new array, not an input's");
        }
        base.ifPresent(b -> assertTrue(merged != b, "the result must be a new array, not the base's"));
        for (float v : merged) {
            assertTrue(Float.isFinite(v), "merge produced " + v);
        }
        for (int m = 0; m < models.size(); m++) {
            assertArrayEquals(copies.get(m), models.get(m), "input " + m + " was modified");
        }
        baseCopy.ifPresent(copy -> assertArrayEquals(copy, base.orElseThrow(), "base was modified"));
    }

    @Test
    void dependsOnlyOnTheSeed() {
        SplittableRandom random = new SplittableRandom(4);
        Shape shape = Shape.of(33);
        List<float[]> models = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            models.add(random(random, 33));
        }
        Optional<float[]> base = baseIfUsed(random, 33);
        assertArrayEquals(method().merge(input(shape, models, base, 5)), method().merge(input(shape, models, base, 5)));
    }

    @Test
    void mergingCopiesOfOneTensorReturnsIt() {
        float[] same = random(new SplittableRandom(5), 64);
        List<float[]> models = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            models.add(same.clone());
        }
        Optional<float[]> base = baseIfUsed(new SplittableRandom(5), 64).map(b -> same.clone());
        float[] merged = method().merge(input(Shape.of(8, 8), models, base, 6));
        double scale = 0;
        for (float v : same) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < same.length; i++) {
            assertEquals(same[i], merged[i], identityTolerance() * scale, "element " + i);
        }
    }

    @Test
    void refusesToRunWithoutABaseModelWhenItNeedsOne() {
        if (!factory().descriptor().has(Capability.REQUIRES_BASE_MODEL)) {
            return;
        }
        SplittableRandom random = new SplittableRandom(6);
        List<float[]> models = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            models.add(random(random, 4));
        }
        assertThrows(EvomergeException.class, () -> method().merge(input(Shape.of(4), models, Optional.empty(), 1)));
    }
}
