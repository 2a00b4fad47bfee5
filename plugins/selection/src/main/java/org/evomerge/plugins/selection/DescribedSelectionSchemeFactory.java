package org.evomerge.plugins.selection;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.selection.SelectionSchemeFactory;

/**
 * A selection scheme factory of this plugin: its descriptor is data, fixed at construction, at version
 * {@value #VERSION} like every scheme of the plugin.
 */
abstract class DescribedSelectionSchemeFactory implements SelectionSchemeFactory {

    /** Every scheme of this plugin is at this version; a change of behaviour bumps it for that scheme alone. */
    static final String VERSION = "1.0.0";

    private final ExtensionDescriptor descriptor;

    DescribedSelectionSchemeFactory(String id, String description, ParameterSchema parameters,
                                    Set<Capability> capabilities) {
        this.descriptor = new ExtensionDescriptor(id, VERSION, ExtensionKind.SELECTION_SCHEME, description, parameters,
                capabilities);
    }

    @Override
    public final ExtensionDescriptor descriptor() {
        return descriptor;
    }
}
