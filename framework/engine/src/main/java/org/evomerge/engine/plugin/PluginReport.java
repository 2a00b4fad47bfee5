package org.evomerge.engine.plugin;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One plugin as the host saw it: identity, status, and the extensions it contributed or failed to contribute.
 *
 * @param id          the plugin id (the file name when the descriptor could not be read)
 * @param version     the plugin version, or empty when unknown
 * @param description the descriptor's description
 * @param provider    the descriptor's provider
 * @param requires    the API versions it asks for ({@code plugin.requires})
 * @param path        where it was loaded from
 * @param status      what became of it
 * @param error       why it failed, in one line, when it did
 * @param extensions  the extensions it registered
 * @param problems    extensions of an otherwise working plugin that could not be registered, one line each
 */
public record PluginReport(
        String id,
        String version,
        String description,
        String provider,
        String requires,
        Path path,
        PluginStatus status,
        Optional<String> error,
        List<RegisteredExtension> extensions,
        List<String> problems) {

    public PluginReport {
        version = version == null ? "" : version;
        description = description == null ? "" : description;
        provider = provider == null ? "" : provider;
        requires = requires == null ? "" : requires;
        error = error == null ? Optional.empty() : error;
        extensions = List.copyOf(extensions);
        problems = List.copyOf(problems);
    }
}
