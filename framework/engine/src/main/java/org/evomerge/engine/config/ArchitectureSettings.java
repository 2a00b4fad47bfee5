package org.evomerge.engine.config;

import java.nio.file.Path;
import java.util.List;

/**
 * @param dirs extra folders of architecture description files (absolute), after the built-in ones
 */
public record ArchitectureSettings(List<Path> dirs) {

    public ArchitectureSettings {
        dirs = List.copyOf(dirs);
    }
}
