package org.evomerge.plugins.merge;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * The parameters several merge methods of this plugin share, each defined once, named and defaulted as mergekit names
 * them (ALGORITHMS.md B.7), with the scope evomerge resolves them at: per model ({@code weight}, {@code density},
 * {@code gamma}, {@code epsilon}), per tensor ({@code normalize}, {@code rescale}, {@code lambda}). Most are the
 * generalized task arithmetic family's; {@code weight} is also the weighted means'. mergekit's {@code int8_mask} is a
 * memory optimisation of its mask storage and is accepted without effect.
 */
final class MergeParameters {

    static final String WEIGHT = "weight";
    static final String DENSITY = "density";
    static final String GAMMA = "gamma";
    static final String EPSILON = "epsilon";
    static final String NORMALIZE = "normalize";
    static final String RESCALE = "rescale";
    static final String LAMBDA = "lambda";

    /** Required; may be negative (task-vector negation) or zero. */
    static final ParameterSpec WEIGHT_SPEC = weight("multiplier of this model's task vector");

    /** A model's weight in a weighted mean of the models themselves ({@code linear}, {@code multislerp}). */
    static final ParameterSpec MEAN_WEIGHT_SPEC = weight("the model's weight");

    static final ParameterSpec DENSITY_SPEC = ParameterSpec.number(DENSITY, 1.0, 0.0, 1.0,
            "fraction of this model's task vector kept by the sparsifier (1 keeps everything)")
            .withScope(ParameterScope.PER_MODEL);

    static final ParameterSpec GAMMA_SPEC = ParameterSpec.number(GAMMA, 0.01, 0.0, 1.0,
            "fraction of the largest-magnitude task-vector elements removed as outliers")
            .withScope(ParameterScope.PER_MODEL);

    static final ParameterSpec EPSILON_SPEC = ParameterSpec.number(EPSILON, 0.15, 0.0, 1.0,
            "half-width of the keep probabilities around density (density - epsilon for the smallest |delta| of a row,"
                    + " density + epsilon for the largest); both must lie in (0, 1)")
            .withScope(ParameterScope.PER_MODEL);

    static final ParameterSpec LAMBDA_SPEC = ParameterSpec.number(LAMBDA, 1.0, null, null,
            "multiplier of the merged task vector, applied after normalization").withScope(ParameterScope.PER_TENSOR);

    /**
     * mergekit's int8_mask stores masks as int8 to save GPU memory; evomerge keeps masks as bits anyway. Accepted, with
     * no effect, so that published recipes (which often set it) run unchanged.
     */
    static final ParameterSpec INT8_MASK_SPEC = ParameterSpec.bool("int8_mask", false,
            "accepted for mergekit recipes; no effect (evomerge's masks are bit sets)").withScope(ParameterScope.PER_TENSOR);

    private MergeParameters() {
    }

    /**
     * The required per-model {@code weight}, default 1, unbounded; {@code meaning} says what the weight does in the
     * method.
     */
    static ParameterSpec weight(String meaning) {
        return ParameterSpec.number(WEIGHT, 1.0, null, null, meaning).withScope(ParameterScope.PER_MODEL).asRequired();
    }

    static ParameterSpec normalize(boolean byDefault) {
        return ParameterSpec.bool(NORMALIZE, byDefault,
                "divide the merged task vector by the sum of the (agreeing) models' weights")
                .withScope(ParameterScope.PER_TENSOR);
    }

    static ParameterSpec rescale(boolean byDefault) {
        return ParameterSpec.bool(RESCALE, byDefault,
                "rescale each sparsified task vector (to its original L1 norm unless the method's rescale option says"
                        + " otherwise)").withScope(ParameterScope.PER_TENSOR);
    }

    /**
     * The weight of model {@code model} (its {@code PER_MODEL} values {@code parameters}) for tensor {@code tensor}; a
     * configuration error naming model and tensor when it has none.
     */
    static double weight(String methodId, String tensor, String model, Parameters parameters) {
        Object value = parameters.values().get(WEIGHT);
        if (!(value instanceof Number number)) {
            throw EvomergeException.configuration(methodId + ": model '" + model
                    + "' has no weight for tensor '" + tensor
                    + "' (parameter 'weight' is required for every non-base model)");
        }
        return number.doubleValue();
    }

    /** A number parameter, or {@code fallback} when absent (the host normally fills in the schema's default). */
    static double number(Parameters parameters, String name, double fallback) {
        return parameters.values().get(name) instanceof Number number ? number.doubleValue() : fallback;
    }

    /** A flag parameter, or {@code fallback} when absent. */
    static boolean bool(Parameters parameters, String name, boolean fallback) {
        return parameters.values().get(name) instanceof Boolean flag ? flag : fallback;
    }

    /** A choice parameter, or {@code fallback} when absent. */
    static String choice(Parameters parameters, String name, String fallback) {
        Object value = parameters.values().get(name);
        return value == null ? fallback : value.toString();
    }
}
