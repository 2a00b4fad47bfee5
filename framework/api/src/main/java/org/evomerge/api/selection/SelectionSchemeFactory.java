package org.evomerge.api.selection;

import org.evomerge.api.Stable;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/** Extension point for selection schemes (tournament, roulette, rank, truncation, NSGA-II, ...). */
@Stable(since = "0.1.0")
public interface SelectionSchemeFactory extends ExtensionFactory {

    SelectionScheme create(Parameters parameters, RunContext context);
}
