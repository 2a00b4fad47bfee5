package org.evomerge.engine.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where configuration comes from, highest precedence first.
 *
 * @param overrides         values from the command line ({@code --set key=value} and options mapped to keys)
 * @param environment       the process environment; only {@code EVOMERGE_*} variables naming known keys are read
 * @param configFile        the file given with {@code --config}, which must exist
 * @param userFile          the user's file ({@code ~/.config/evomerge/config.yaml}), read if it exists
 * @param distributionFile  the distribution's {@code conf/evomerge.yaml}, read if it exists
 * @param workingDirectory  what relative paths from the command line and environment are resolved against
 */
public record ConfigurationSources(
        Map<String, String> overrides,
        Map<String, String> environment,
        Optional<Path> configFile,
        Optional<Path> userFile,
        Optional<Path> distributionFile,
        Path workingDirectory) {

    public ConfigurationSources {
        overrides = Map.copyOf(overrides);
        environment = Map.copyOf(environment);
        configFile = configFile == null ? Optional.empty() : configFile;
        userFile = userFile == null ? Optional.empty() : userFile;
        distributionFile = distributionFile == null ? Optional.empty() : distributionFile;
    }

    /** The user's configuration file: {@code $XDG_CONFIG_HOME/evomerge/config.yaml}, else under {@code ~/.config}. */
    public static Path defaultUserFile(Map<String, String> environment, Path home) {
        String xdg = environment.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
        return base.resolve("evomerge").resolve("config.yaml");
    }
}
