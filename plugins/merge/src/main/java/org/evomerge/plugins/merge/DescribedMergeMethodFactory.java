package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterSchema;

/**
 * A merge method factory of this plugin: its descriptor is data, fixed at construction, at version {@value #VERSION}
 * like every method of the plugin, so each factory states only its id, description, schema, capabilities and how it
 * creates the method.
 */
abstract class DescribedMergeMethodFactory implements MergeMethodFactory {

    /** Every method of this plugin is at this version; a change of behaviour bumps it for that method alone. */
    static final String VERSION = "1.0.0";

    private final ExtensionDescriptor descriptor;

    DescribedMergeMethodFactory(String id, String description, ParameterSchema parameters,
                                Set<Capability> capabilities) {
        this.descriptor = new ExtensionDescriptor(id, VERSION, ExtensionKind.MERGE_METHOD, description, parameters,
                capabilities);
    }

    @Override
    public final ExtensionDescriptor descriptor() {
        return descriptor;
    }
}
