package org.evomerge.engine.plugin;

import java.util.Objects;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionFactory;

/**
 * An extension the host accepted: its descriptor (read once and checked), the plugin that contributed it, and the
 * factory instance.
 */
public record RegisteredExtension(ExtensionDescriptor descriptor, String pluginId, ExtensionFactory factory) {

    public RegisteredExtension {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(pluginId, "pluginId");
        Objects.requireNonNull(factory, "factory");
    }

    /** {@code id@version}, as written into provenance. */
    public String coordinates() {
        return descriptor.id() + "@" + descriptor.version();
    }
}
