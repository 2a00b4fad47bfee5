package org.evomerge.engine.plugin;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.evomerge.api.ApiVersion;

/**
 * How the plugin host is set up.
 *
 * @param pluginDirs      folders to load plugins from, in order (the distribution's {@code plugins/} first)
 * @param cacheDir        where zip plugins are expanded (never inside {@code pluginDirs})
 * @param apiVersion      the API version plugins' {@code plugin.requires} is checked against
 * @param disabledPlugins plugin ids not to start
 */
public record PluginHostOptions(List<Path> pluginDirs, Path cacheDir, ApiVersion apiVersion, Set<String> disabledPlugins) {

    public PluginHostOptions {
        pluginDirs = List.copyOf(pluginDirs);
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(apiVersion, "apiVersion");
        disabledPlugins = disabledPlugins == null ? Set.of() : Set.copyOf(disabledPlugins);
    }
}
