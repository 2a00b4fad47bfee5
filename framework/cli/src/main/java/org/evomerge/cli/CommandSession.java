package org.evomerge.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.ApiVersion;
import org.evomerge.engine.compute.ComputeBackends;
import org.evomerge.engine.config.ConfigurationLoader;
import org.evomerge.engine.config.ConfigurationSources;
import org.evomerge.engine.config.Settings;
import org.evomerge.engine.plugin.PluginHost;
import org.evomerge.engine.plugin.PluginHostOptions;

/**
 * The services one command invocation uses, created on first use and closed when the command ends: a command that
 * needs no plugins never loads them.
 */
public final class CommandSession implements AutoCloseable {

    private final CliEnvironment environment;
    private final GlobalOptions options;
    private Settings settings;
    private PluginHost pluginHost;
    private ComputeBackends backends;

    CommandSession(CliEnvironment environment, GlobalOptions options) {
        this.environment = environment;
        this.options = options;
    }

    public CliEnvironment environment() {
        return environment;
    }

    public GlobalOptions options() {
        return options;
    }

    public Settings settings() {
        if (settings == null) {
            settings = ConfigurationLoader.load(configurationSources());
        }
        return settings;
    }

    /** The configuration layers this invocation reads, highest precedence first. */
    public ConfigurationSources configurationSources() {
        return new ConfigurationSources(
                options.configurationOverrides(),
                environment.environment(),
                Optional.ofNullable(options.configFile).map(p -> environment.workingDirectory().resolve(p)),
                Optional.of(ConfigurationSources.defaultUserFile(environment.environment(), environment.userHome())),
                environment.distributionConfig(),
                environment.workingDirectory());
    }

    public PluginHost plugins() {
        if (pluginHost == null) {
            Settings s = settings();
            List<Path> dirs = new ArrayList<>();
            environment.pluginsFolder().ifPresent(dirs::add);
            dirs.addAll(s.plugins().dirs());
            pluginHost = PluginHost.start(new PluginHostOptions(dirs, s.plugins().cacheDir(), ApiVersion.current(),
                    s.plugins().disabled()));
        }
        return pluginHost;
    }

    public ComputeBackends backends() {
        if (backends == null) {
            backends = ComputeBackends.discover(Thread.currentThread().getContextClassLoader());
        }
        return backends;
    }

    @Override
    public void close() {
        if (pluginHost != null) {
            pluginHost.close();
        }
    }
}
