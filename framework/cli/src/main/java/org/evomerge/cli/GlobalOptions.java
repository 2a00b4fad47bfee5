package org.evomerge.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the command name. Options that map to configuration keys become
 * the highest-precedence configuration layer.
 */
public final class GlobalOptions {

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Configuration file (YAML or properties), above the user's and the distribution's files.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
            description = "Set a configuration key for this run (repeatable), e.g. --set compute.threads=2.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--backend", paramLabel = "BACKEND", scope = ScopeType.INHERIT,
            description = "Compute backend: auto, cpu, or a backend id (config key compute.backend).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", scope = ScopeType.INHERIT,
            description = "Worker threads, 0 for one per core (config key compute.threads).")
    Integer threads;

    @Option(names = "--seed", paramLabel = "N", scope = ScopeType.INHERIT,
            description = "Seed of every random choice (config key run.seed).")
    Long seed;

    @Option(names = "--plugins-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Extra plugin folder (repeatable; config key plugins.dirs).")
    List<Path> pluginDirs = new ArrayList<>();

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show stack traces and library logs on errors.")
    boolean debug;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show informational logs.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "No progress output.")
    boolean quiet;

    /** Whether progress output is off ({@code --quiet}). */
    public boolean quiet() {
        return quiet;
    }

    /** The configuration keys set by options, highest precedence. */
    Map<String, String> configurationOverrides() {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (backend != null) {
            overrides.put("compute.backend", backend);
        }
        if (threads != null) {
            overrides.put("compute.threads", threads.toString());
        }
        if (seed != null) {
            overrides.put("run.seed", seed.toString());
        }
        if (!pluginDirs.isEmpty()) {
            overrides.put("plugins.dirs", String.join(",", pluginDirs.stream().map(Path::toString).toList()));
        }
        return overrides;
    }
}
