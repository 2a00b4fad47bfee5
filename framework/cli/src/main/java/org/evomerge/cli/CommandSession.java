package org.evomerge.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.evomerge.api.ApiVersion;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.template.JinjaTemplates;
import org.evomerge.api.training.Trainer;
import org.evomerge.cli.output.TerminalProgress;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.inference.LlamaInferenceEngine;
import org.evomerge.tokenizers.HuggingFaceTokenizers;
import org.evomerge.tokenizers.JinjaEnvironment;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.compute.ComputeBackends;
import org.evomerge.engine.context.BackendSelection;
import org.evomerge.engine.config.ConfigurationLoader;
import org.evomerge.engine.config.ConfigurationSources;
import org.evomerge.engine.config.Settings;
import org.evomerge.engine.plugin.PluginHost;
import org.evomerge.engine.plugin.PluginHostOptions;
import org.evomerge.training.LlamaTrainer;

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
    private ScratchDirectory scratch;
    private HuggingFaceTokenizers tokenizers;
    private RunContext runContext;
    private ArchitectureCatalog architectures;
    private final Map<String, String> commandSettings = new java.util.LinkedHashMap<>();

    /**
     * Services offered to extensions through {@link RunContext#service(Class)} in every session of this JVM, e.g. the
     * inference engine. Package-private: the host wires its services here; tests add fakes.
     */
    static final Map<Class<?>, Object> SERVICES = new java.util.concurrent.ConcurrentHashMap<>();

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

    /**
     * Sets a configuration key for this invocation above every other layer, for a command's own spelling of a
     * setting (merge's {@code -j}, {@code --random-seed}). Only before the settings are first read.
     *
     * @throws IllegalStateException when the settings were already read
     */
    public void set(String key, String value) {
        if (settings != null) {
            throw new IllegalStateException("settings already read; set '" + key + "' before using the session");
        }
        commandSettings.put(key, value);
    }

    /** The configuration layers this invocation reads, highest precedence first. */
    public ConfigurationSources configurationSources() {
        Map<String, String> commandLine = new java.util.LinkedHashMap<>(options.configurationOverrides());
        commandLine.putAll(commandSettings);
        return new ConfigurationSources(
                commandLine,
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

    /** The run context commands hand to extensions: seed, backend, threads and scratch from the settings. */
    public RunContext runContext() {
        if (runContext == null) {
            Settings s = settings();
            ComputeBackend backend = BackendSelection.select(backends(), s.compute().backend());
            scratch = ScratchDirectory.create(s.run().scratchDir().orElse(null), false);
            ProgressReporter progress = options.quiet || System.console() == null
                    ? ProgressReporter.SILENT : new TerminalProgress(environment.err());
            Map<Class<?>, Object> services = new java.util.HashMap<>(SERVICES);
            if (!services.containsKey(InferenceEngine.class)) {
                tokenizers = new HuggingFaceTokenizers();
                services.put(InferenceEngine.class,
                        new LlamaInferenceEngine(s.compute().threads(), backend, tokenizers::forModel));
            }
            services.putIfAbsent(Trainer.class, new LlamaTrainer(s.compute().threads()));
            services.putIfAbsent(JinjaTemplates.class, JinjaEnvironment.forTaskTemplates());
            runContext = new DefaultRunContext(new SeededRandomSource(s.run().seed()), backend, progress, scratch,
                    s.compute().threads(), services);
        }
        return runContext;
    }

    /** The installed model formats, created in this session's run context. */
    public ModelFormats modelFormats() {
        return ModelFormats.from(plugins().catalog(), runContext());
    }

    /** Built-in architecture descriptions, the user's ({@code ~/.config/evomerge/architectures}) and configured ones. */
    public ArchitectureCatalog architectures() {
        if (architectures == null) {
            List<Path> folders = new ArrayList<>();
            folders.add(ConfigurationSources.defaultUserFile(environment.environment(), environment.userHome())
                    .getParent().resolve("architectures"));
            folders.addAll(settings().architectures().dirs());
            architectures = ArchitectureCatalog.load(folders);
        }
        return architectures;
    }

    @Override
    public void close() {
        if (pluginHost != null) {
            pluginHost.close();
        }
        if (scratch != null) {
            scratch.close();
        }
        if (tokenizers != null) {
            tokenizers.close();
        }
    }
}
