package org.evomerge.plugins.merge;

import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * How a method of the generalized task arithmetic family sparsifies each task vector, with the parameters that
 * sparsification adds to the family's and the capabilities it needs: mergekit's {@code SparsificationMethod}.
 */
enum Sparsification {

    /** {@code task_arithmetic}: every task vector whole; no {@code density}, no {@code rescale}. */
    NONE(List.of(), null, List.of(), Set.of(), (methodId, global) -> null, global -> null),

    /** TIES: the ⌊density·n⌋ largest magnitudes ({@link MagnitudeTrim}), per tensor or over the whole model. */
    MAGNITUDE(List.of(MergeParameters.DENSITY_SPEC), false, List.of(ModelWideTrim.SCOPE_SPEC),
            Set.of(Capability.MODEL_WIDE_PASS), (methodId, global) -> new MagnitudeTrim(),
            global -> ModelWideTrim.from(global, ModelWideTrim.TIES)),

    /** Model Breadcrumbs: without the largest outliers and the smallest values ({@link BreadcrumbsTrim}). */
    BREADCRUMBS(List.of(MergeParameters.DENSITY_SPEC, MergeParameters.GAMMA_SPEC), false,
            List.of(ModelWideTrim.SCOPE_SPEC), Set.of(Capability.MODEL_WIDE_PASS),
            (methodId, global) -> new BreadcrumbsTrim(), global -> ModelWideTrim.from(global, ModelWideTrim.BREADCRUMBS)),

    /** DARE: a seeded random drop ({@link DareDrop}). */
    DARE(List.of(MergeParameters.DENSITY_SPEC), true, List.of(DareDrop.OPTION_SPEC), Set.of(Capability.RANDOMIZED),
            (methodId, global) -> DareDrop.from(global), global -> null),

    /** DELLA's MAGPRUNE: a random drop with magnitude-ranked keep probabilities ({@link DellaPrune}). */
    DELLA(List.of(MergeParameters.DENSITY_SPEC, MergeParameters.EPSILON_SPEC), true, List.of(),
            Set.of(Capability.RANDOMIZED), (methodId, global) -> new DellaPrune(methodId), global -> null);

    /** Per-model parameters after {@code weight}, in the order the schema lists them. */
    final List<ParameterSpec> perModel;
    /** The default of {@code rescale}, or {@code null} when the method has no rescale (nothing is sparsified). */
    final Boolean rescaleByDefault;
    /** Global options of the sparsification, listed after the family's per-tensor parameters. */
    final List<ParameterSpec> options;
    /** Capabilities beyond the family's own. */
    final Set<Capability> capabilities;
    private final BiFunction<String, Parameters, Sparsifier> sparsifier;
    private final Function<Parameters, ModelWideTrim> modelWide;

    Sparsification(List<ParameterSpec> perModel, Boolean rescaleByDefault, List<ParameterSpec> options,
                   Set<Capability> capabilities, BiFunction<String, Parameters, Sparsifier> sparsifier,
                   Function<Parameters, ModelWideTrim> modelWide) {
        this.perModel = perModel;
        this.rescaleByDefault = rescaleByDefault;
        this.options = options;
        this.capabilities = capabilities;
        this.sparsifier = sparsifier;
        this.modelWide = modelWide;
    }

    /** The per-tensor sparsifier of method {@code methodId} (it names the method in errors), or {@code null}. */
    Sparsifier sparsifier(String methodId, Parameters global) {
        return sparsifier.apply(methodId, global);
    }

    /** The trimming over the whole model that {@code global} asks for, or {@code null} for per-tensor trimming. */
    ModelWideTrim modelWide(Parameters global) {
        return modelWide.apply(global);
    }
}
