package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.recipe.ParameterResolver;
import org.evomerge.engine.recipe.ParameterValue;

/**
 * What a merge method sees of one planned tensor besides its values: the inputs' names with their per-model
 * parameters, the per-tensor parameters (each resolved from the tensor's precedence levels and validated against the
 * method's schema) and the tensor's randomness, forked from the run's by the tensor's name. Streamed and whole
 * tensors get theirs here alike.
 */
final class TensorParameters {

    private TensorParameters() {
    }

    /**
     * The method's input for {@code tensor} merged at {@code shape} (the planned shape when streamed; the common
     * shape the inputs were cut to when whole).
     *
     * @throws EvomergeException (configuration) naming the tensor, and the model for per-model parameters, when a
     *                           value is missing or invalid
     */
    static MergeInput mergeInput(ExtensionDescriptor descriptor, RunContext context, MergePlan.PlannedTensor tensor,
                                 Shape shape) {
        List<InputModel> models = new ArrayList<>();
        for (MergePlan.PlannedInput in : tensor.inputs()) {
            models.add(new InputModel(in.modelName(), parameters(descriptor, EnumSet.of(ParameterScope.PER_MODEL),
                    tensor, in.levels(), true, in.modelName())));
        }
        Optional<InputModel> base = tensor.base().map(b -> new InputModel(b.modelName(), parameters(descriptor,
                EnumSet.of(ParameterScope.PER_MODEL), tensor, b.levels(), false, b.modelName())));
        Parameters tensorParameters = parameters(descriptor, EnumSet.of(ParameterScope.PER_TENSOR), tensor,
                tensor.tensorLevels(), true, null);
        return new MergeInput(tensor.name(), shape, models, base, tensorParameters,
                context.random().fork(tensor.name()));
    }

    /** Resolves and validates one scope of parameters for a tensor from its precedence levels. */
    private static Parameters parameters(ExtensionDescriptor descriptor, EnumSet<ParameterScope> scopes,
                                         MergePlan.PlannedTensor tensor, List<Map<String, ParameterValue>> levels,
                                         boolean enforceRequired, String modelName) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (ParameterSpec spec : descriptor.parameters().parameters()) {
            if (!scopes.contains(spec.scope())) {
                continue;
            }
            ParameterResolver.resolve(spec.name(), tensor.name(), tensor.position(), levels)
                    .ifPresent(v -> raw.put(spec.name(), v));
        }
        try {
            return ParameterValidator.validate(descriptor, raw, scopes, enforceRequired);
        } catch (EvomergeException e) {
            throw EvomergeException.configuration((modelName == null ? "" : "model '" + modelName + "', ")
                    + "tensor '" + tensor.name() + "': " + e.getMessage());
        }
    }
}
