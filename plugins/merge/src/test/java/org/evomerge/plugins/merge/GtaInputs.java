package org.evomerge.plugins.merge;

import org.evomerge.kernels.ElementMath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;

/** Builds validated inputs for the GTA methods the way the engine does: schema defaults filled in, per scope. */
final class GtaInputs {

    static final String TENSOR = "model.layers.0.mlp.up_proj.weight";

    private final MergeMethodFactory factory;
    private final Map<String, ?> options;

    private GtaInputs(MergeMethodFactory factory, Map<String, ?> options) {
        this.factory = factory;
        this.options = options;
    }

    /** Inputs for {@code factory} with these global and per-tensor values (defaults fill the rest). */
    static GtaInputs of(MergeMethodFactory factory, Map<String, ?> options) {
        return new GtaInputs(factory, options);
    }

    static GtaInputs of(MergeMethodFactory factory) {
        return of(factory, Map.of());
    }

    MergeMethod method() {
        return factory.create(ParameterValidator.validate(factory.descriptor(), options,
                EnumSet.of(ParameterScope.GLOBAL), true), TestRunContexts.seeded(1));
    }

    MergeCall input(Shape shape, float[] base, List<float[]> models, List<Map<String, ?>> perModel,
                    RandomSource random) {
        List<InputModel> inputs = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            inputs.add(new InputModel("model" + m, ParameterValidator.validate(factory.descriptor(),
                    perModel.get(m), EnumSet.of(ParameterScope.PER_MODEL), true)));
        }
        Parameters tensorLevel = ParameterValidator.validate(factory.descriptor(), options,
                EnumSet.of(ParameterScope.GLOBAL, ParameterScope.PER_TENSOR), true);
        return new MergeCall(new MergeInput(TENSOR, shape, inputs,
                base == null ? Optional.empty() : Optional.of(new InputModel("base", Parameters.EMPTY)),
                tensorLevel, random), models.toArray(float[][]::new), base);
    }

    /** Merges with a seeded random source. */
    float[] merge(Shape shape, float[] base, List<float[]> models, List<Map<String, ?>> perModel, long seed) {
        return input(shape, base, models, perModel, new SeededRandomSource(seed)).whole(method());
    }

    /** Merges with scripted uniforms: model m's element i draws {@code uniforms[m][i]}. */
    float[] merge(Shape shape, float[] base, List<float[]> models, List<Map<String, ?>> perModel, double[][] uniforms) {
        return input(shape, base, models, perModel,
                new ScriptedRandom(uniforms, -1, seedKeepingAsScripted(uniforms, perModel))).whole(method());
    }

    /** Merges a 1-D tensor with a fixed seed. */
    float[] merge(float[] base, List<float[]> models, List<Map<String, ?>> perModel) {
        return merge(Shape.of((base != null ? base : models.get(0)).length), base, models, perModel, 42L);
    }

    /** model = base + delta, in float. */
    static float[] plus(float[] base, double... delta) {
        float[] out = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            out[i] = (float) (base[i] + delta[i]);
        }
        return out;
    }

    static float[] floats(double... values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** Asserts merged == base + expectedDelta element-wise within 1e-5 (absolute; values are O(1)). */
    static void assertMerged(float[] base, double[] expectedDelta, float[] merged) {
        assertEquals(base.length, merged.length);
        for (int i = 0; i < base.length; i++) {
            assertEquals(base[i] + expectedDelta[i], merged[i], 1e-5, "element " + i);
        }
    }

    /**
     * The first seed whose counter-based DARE draws ({@link ElementMath#streamUniform}(seed, m, i), what
     * {@code TaskVectorOperations.randomMask} uses) keep exactly the elements the scripted uniforms keep at each model's
     * density. DARE no longer reads a random source's uniforms, so its hand-worked cases run with this seed: their
     * masks, and so their expected values, stay as written down.
     */
    static long seedKeepingAsScripted(double[][] uniforms, List<Map<String, ?>> perModel) {
        for (long seed = 0; seed < 50_000_000L; seed++) {
            if (keepsAsScripted(seed, uniforms, perModel)) {
                return seed;
            }
        }
        throw new AssertionError("no seed reproduces the scripted DARE mask");
    }

    private static boolean keepsAsScripted(long seed, double[][] uniforms, List<Map<String, ?>> perModel) {
        for (int m = 0; m < uniforms.length; m++) {
            Object d = m < perModel.size() ? perModel.get(m).get("density") : null;
            double density = d == null ? 1.0 : ((Number) d).doubleValue();
            for (int i = 0; i < uniforms[m].length; i++) {
                if ((ElementMath.streamUniform(seed, m, i) < density) != (uniforms[m][i] < density)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * A random source whose uniforms are given: {@code fork(m)} (model m) draws {@code uniforms[m][i]} for element i.
     * Hand-worked DELLA cases use it so their masks are written down in the test, independent of the PRNG; its
     * {@code seed} is one whose counter-based DARE draws give the same masks ({@link #seedKeepingAsScripted}).
     */
    record ScriptedRandom(double[][] uniforms, int model, long seed) implements RandomSource {

        @Override
        public RandomSource fork(String key) {
            throw new UnsupportedOperationException("the GTA methods fork by model index");
        }

        @Override
        public RandomSource fork(long index) {
            return new ScriptedRandom(uniforms, Math.toIntExact(index), ElementMath.streamSeed(seed, index));
        }

        @Override
        public RandomGenerator generator() {
            throw new UnsupportedOperationException("the GTA methods draw counter-based uniforms only");
        }

        @Override
        public long bits(long counter) {
            return (long) (uniform(counter) * 0x1p53) << 11;
        }

        @Override
        public double uniform(long counter) {
            return uniforms[model][Math.toIntExact(counter)];
        }
    }
}
