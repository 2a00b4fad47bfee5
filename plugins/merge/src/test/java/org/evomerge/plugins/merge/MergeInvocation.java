package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
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

/**
 * One call of a merge method in a test, with parameters validated (and defaults filled) against the factory's schema
 * exactly as the engine does: {@code PER_MODEL} values per model, {@code GLOBAL} and {@code PER_TENSOR} values for
 * the tensor.
 */
final class MergeInvocation {

    private final MergeMethodFactory factory;
    private final List<InputModel> models = new ArrayList<>();
    private final List<float[]> values = new ArrayList<>();
    private final Map<String, Object> tensorParameters = new LinkedHashMap<>();
    private Optional<InputModel> base = Optional.empty();
    private float[] baseValues;
    private Shape shape;
    private long seed = 1;
    private String tensorName = "model.layers.0.mlp.up_proj.weight";

    private MergeInvocation(MergeMethodFactory factory) {
        this.factory = factory;
    }

    static MergeInvocation of(MergeMethodFactory factory) {
        return new MergeInvocation(factory);
    }

    MergeInvocation shape(long... dims) {
        this.shape = Shape.of(dims);
        return this;
    }

    MergeInvocation model(float[] values, Map<String, ?> parameters) {
        models.add(new InputModel("model" + models.size(), validate(parameters, EnumSet.of(ParameterScope.PER_MODEL))));
        this.values.add(values);
        return this;
    }

    MergeInvocation model(float[] values) {
        return model(values, Map.of());
    }

    MergeInvocation base(float[] values) {
        base = Optional.of(new InputModel("base", ParameterValidator.validate(factory.descriptor(), Map.of(),
                EnumSet.of(ParameterScope.PER_MODEL), false)));
        baseValues = values;
        return this;
    }

    MergeInvocation with(String name, Object value) {
        tensorParameters.put(name, value);
        return this;
    }

    MergeInvocation seed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    MergeInvocation tensor(String name) {
        this.tensorName = name;
        return this;
    }

    MergeCall input() {
        int n = values.isEmpty() ? baseValues.length : values.getFirst().length;
        Shape s = shape != null ? shape : Shape.of(n);
        return new MergeCall(new MergeInput(tensorName, s, models, base,
                validate(tensorParameters, EnumSet.of(ParameterScope.GLOBAL, ParameterScope.PER_TENSOR)),
                new SeededRandomSource(seed).fork(tensorName)), values.toArray(float[][]::new), baseValues);
    }

    MergeMethod method() {
        return factory.create(validate(tensorParameters, EnumSet.of(ParameterScope.GLOBAL)),
                TestRunContexts.seeded(seed));
    }

    /** The tensor merged whole, as the engine merges a tensor it holds whole. */
    float[] run() {
        return input().whole(method());
    }

    /** Runs the merge, expecting a configuration error that names the tensor and the method. */
    EvomergeException refused() {
        EvomergeException e = assertThrows(EvomergeException.class, this::run);
        assertEquals(ErrorCategory.CONFIGURATION, e.category(), e.getMessage());
        String method = factory.descriptor().id();
        assertTrue(e.getMessage().contains(tensorName) && e.getMessage().contains("'" + method + "'"),
                "message should name the tensor and the method: " + e.getMessage());
        return e;
    }

    private Parameters validate(Map<String, ?> values, EnumSet<ParameterScope> scopes) {
        return ParameterValidator.validate(factory.descriptor(), values, scopes, true);
    }
}
