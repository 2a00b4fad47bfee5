package org.evomerge.plugins.mutation;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.parameter.ParameterSchema;

/**
 * A mutation factory of this plugin: its descriptor is data, fixed at construction, at version {@value #VERSION}
 * like every mutation of the plugin.
 */
abstract class DescribedMutationFactory implements MutationFactory {

    /** Every mutation of this plugin is at this version; a change of behaviour bumps it for that mutation alone. */
    static final String VERSION = "1.0.0";

    private final ExtensionDescriptor descriptor;

    DescribedMutationFactory(String id, String description, ParameterSchema parameters, Set<Capability> capabilities) {
        this.descriptor = new ExtensionDescriptor(id, VERSION, ExtensionKind.MUTATION, description, parameters,
                capabilities);
    }

    @Override
    public final ExtensionDescriptor descriptor() {
        return descriptor;
    }
}
