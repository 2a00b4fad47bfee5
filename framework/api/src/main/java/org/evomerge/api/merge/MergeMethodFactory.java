package org.evomerge.api.merge;

import org.evomerge.api.Stable;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/**
 * Extension point for merge methods: the crossover operators of the evolution. The descriptor's schema declares
 * {@code GLOBAL}, {@code PER_TENSOR} and {@code PER_MODEL} parameters; {@code create} receives the validated
 * {@code GLOBAL} ones, each {@link MergeInput} carries the rest.
 */
@Stable(since = "0.1.0")
public interface MergeMethodFactory extends ExtensionFactory {

    MergeMethod create(Parameters globalParameters, RunContext context);
}
