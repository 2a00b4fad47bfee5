package org.evomerge.plugins.search;

import org.evomerge.api.parameter.ParameterSpec;

/** The parameters several strategies of this plugin share, defined once so that they mean the same everywhere. */
final class SearchParameters {

    /** A generation count limit; 0 leaves stopping to the strategy's own criteria and the engine's budget. */
    static final ParameterSpec MAX_GENERATIONS = ParameterSpec.integer("max_generations", 0, 0L,
            (long) Integer.MAX_VALUE, "finish after this many generations; 0: no limit");

    private SearchParameters() {
    }
}
