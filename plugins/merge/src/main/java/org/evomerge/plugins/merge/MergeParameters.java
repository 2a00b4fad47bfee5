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

    static final ParameterSpec LAMBDA_SPEC = tensorNumber(LAMBDA, 1.0, null, null,
            "multiplier of the merged task vector, applied after normalization");

    /**
     * mergekit's int8_mask stores masks as int8 to save GPU memory; evomerge keeps masks as bits anyway. Accepted, with
     * no effect, so that published recipes (which often set it) run unchanged.
     */
    static final ParameterSpec INT8_MASK_SPEC = tensorFlag("int8_mask", false,
            "accepted for mergekit recipes; no effect (evomerge's masks are bit sets)");

    /**
     * Below this |Σw| a method that divides by the sum of the weights ({@code linear}'s {@code normalize},
     * {@code multislerp}'s {@code normalize_weights}) divides by 1 instead, where mergekit would produce inf or NaN.
     */
    static final double ZERO_WEIGHT_SUM = 1e-8;

    private MergeParameters() {
    }

    /**
     * A flag resolved for each tensor, so that a recipe can vary it by layer as mergekit's per-tensor options allow.
     */
    static ParameterSpec tensorFlag(String name, boolean byDefault, String description) {
        return ParameterSpec.bool(name, byDefault, description).withScope(ParameterScope.PER_TENSOR);
    }

    /** A number resolved for each tensor (see {@link #tensorFlag}); {@code null} bounds are open. */
    static ParameterSpec tensorNumber(String name, double byDefault, Double min, Double max, String description) {
        return ParameterSpec.number(name, byDefault, min, max, description).withScope(ParameterScope.PER_TENSOR);
    }

    /** An integer resolved for each tensor (see {@link #tensorFlag}); {@code null} bounds are open. */
    static ParameterSpec tensorInteger(String name, long byDefault, Long min, Long max, String description) {
        return ParameterSpec.integer(name, byDefault, min, max, description).withScope(ParameterScope.PER_TENSOR);
    }

    /**
     * The required per-model {@code weight}, default 1, unbounded; {@code meaning} says what the weight does in the
     * method.
     */
    static ParameterSpec weight(String meaning) {
        return ParameterSpec.number(WEIGHT, 1.0, null, null, meaning).withScope(ParameterScope.PER_MODEL).asRequired();
    }

    static ParameterSpec normalize(boolean byDefault) {
        return tensorFlag(NORMALIZE, byDefault,
                "divide the merged task vector by the sum of the (agreeing) models' weights");
    }

    static ParameterSpec rescale(boolean byDefault) {
        return tensorFlag(RESCALE, byDefault,
                "rescale each sparsified task vector (to its original L1 norm unless the method's rescale option says"
                        + " otherwise)");
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
