package org.evomerge.engine.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * @param seed       the root of every random choice
 * @param scratchDir where temporary files go; empty for the system temporary folder
 */
public record RunSettings(long seed, Optional<Path> scratchDir) {

    public RunSettings {
        scratchDir = scratchDir == null ? Optional.empty() : scratchDir;
    }
}
