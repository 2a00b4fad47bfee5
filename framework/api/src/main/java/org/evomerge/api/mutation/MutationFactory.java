package org.evomerge.api.mutation;

import org.evomerge.api.Stable;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/** Extension point for mutations (Gaussian, sparse weight noise, DE difference, fine-tuning, ...). */
@Stable(since = "0.1.0")
public interface MutationFactory extends ExtensionFactory {

    Mutation create(Parameters parameters, RunContext context);
}
