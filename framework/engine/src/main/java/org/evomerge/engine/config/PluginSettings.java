package org.evomerge.engine.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * @param dirs     extra plugin folders (absolute), after the distribution's own
 * @param disabled plugin ids not to start
 * @param cacheDir where plugin zips are expanded (absolute)
 */
public record PluginSettings(List<Path> dirs, Set<String> disabled, Path cacheDir) {

    public PluginSettings {
        dirs = List.copyOf(dirs);
        disabled = Set.copyOf(disabled);
        Objects.requireNonNull(cacheDir, "cacheDir");
    }
}
