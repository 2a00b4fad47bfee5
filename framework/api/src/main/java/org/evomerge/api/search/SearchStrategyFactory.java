package org.evomerge.api.search;

import org.evomerge.api.Experimental;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/** Extension point for search strategies (CMA-ES, genetic algorithm, differential evolution, greedy, random). */
@Experimental(since = "0.1.0",
        reason = "pluggable evolution operators; how they are wired and what they receive may change")
public interface SearchStrategyFactory extends ExtensionFactory {

    SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context);
}
