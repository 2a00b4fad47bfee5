package org.evomerge.plugins.search;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.search.SearchStrategyFactory;

/**
 * A search strategy factory of this plugin: its descriptor is data, fixed at construction, at version
 * {@value #VERSION} like every strategy of the plugin.
 */
abstract class DescribedSearchStrategyFactory implements SearchStrategyFactory {

    /** Every strategy of this plugin is at this version; a change of behaviour bumps it for that strategy alone. */
    static final String VERSION = "1.0.0";

    private final ExtensionDescriptor descriptor;

    DescribedSearchStrategyFactory(String id, String description, ParameterSchema parameters,
                                   Set<Capability> capabilities) {
        this.descriptor = new ExtensionDescriptor(id, VERSION, ExtensionKind.SEARCH_STRATEGY, description, parameters,
                capabilities);
    }

    @Override
    public final ExtensionDescriptor descriptor() {
        return descriptor;
    }
}
