package org.evomerge.engine.plugin;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.extension.ExtensionFactory;
import org.pf4j.CompoundPluginDescriptorFinder;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.pf4j.PropertiesPluginDescriptorFinder;

/**
 * Loads the plugins, starts them, and registers their extensions, isolating failures: a plugin that cannot be read,
 * loaded, started, or whose extensions cannot be created is reported by id with the reason, and every other plugin
 * keeps working. Not thread-safe while starting; the resulting catalog and reports are read-only.
 */
public final class PluginHost implements AutoCloseable {

    private final EvomergePluginManager manager;
    private final ExtensionCatalog catalog;
    private final List<PluginReport> reports;

    private PluginHost(EvomergePluginManager manager, ExtensionCatalog catalog, List<PluginReport> reports) {
        this.manager = manager;
        this.catalog = catalog;
        this.reports = List.copyOf(reports);
    }

    /** Finds, loads and starts every plugin in the configured folders. */
    public static PluginHost start(PluginHostOptions options) {
        List<Path> roots = options.pluginDirs().stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        EvomergePluginManager manager = new EvomergePluginManager(roots, options.cacheDir(), options.disabledPlugins(),
                options.apiVersion().toString());
        manager.loadPlugins();
        manager.startPlugins();

        ExtensionCatalog catalog = new ExtensionCatalog();
        List<PluginReport> reports = new ArrayList<>();
        for (PluginWrapper plugin : manager.getPlugins()) {
            reports.add(report(plugin, manager, catalog, options));
        }
        for (EvomergePluginManager.LoadFailure failure : manager.loadFailures()) {
            reports.add(new PluginReport(idOf(failure.loadedFrom(), failure.installed()), "", "", "", "",
                    failure.installed(), PluginStatus.FAILED,
                    Optional.of(failure.reason()), List.of(), List.of()));
        }
        reports.sort(Comparator.comparing(PluginReport::id));
        return new PluginHost(manager, catalog, reports);
    }

    private static PluginReport report(PluginWrapper plugin, EvomergePluginManager manager, ExtensionCatalog catalog,
                                       PluginHostOptions options) {
        PluginDescriptor d = plugin.getDescriptor();
        PluginState state = plugin.getPluginState();
        PluginStatus status;
        Optional<String> error = Optional.empty();
        List<RegisteredExtension> registered = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (state == PluginState.STARTED) {
            registerExtensions(plugin, manager, catalog, registered, problems);
            if (registered.isEmpty()) {
                status = PluginStatus.FAILED;
                error = Optional.of(problems.isEmpty() ? "no extensions" : String.join("; ", problems));
                problems.clear();
            } else {
                status = PluginStatus.STARTED;
            }
        } else if (state == PluginState.DISABLED && plugin.getFailedException() != null) {
            status = PluginStatus.INCOMPATIBLE;
            error = Optional.of("requires API " + d.getRequires().strip() + ", this host offers API "
                    + options.apiVersion());
        } else if (state == PluginState.DISABLED) {
            status = PluginStatus.DISABLED;
        } else if (plugin.getFailedException() != null) {
            status = PluginStatus.FAILED;
            error = Optional.of(PluginFailures.describe(plugin.getFailedException()));
        } else {
            status = PluginStatus.FAILED;
            error = Optional.of("not started (state " + state + "; check its plugin.dependencies)");
        }
        return new PluginReport(d.getPluginId(), d.getVersion(), d.getPluginDescription(), d.getProvider(),
                d.getRequires(), manager.installedPath(plugin.getPluginPath()), status, error, registered, problems);
    }

    private static void registerExtensions(PluginWrapper plugin, EvomergePluginManager manager, ExtensionCatalog catalog,
                                           List<RegisteredExtension> registered, List<String> problems) {
        Set<String> classNames = manager.getExtensionClassNames(plugin.getPluginId());
        if (classNames.isEmpty()) {
            problems.add("declares no extensions (META-INF/extensions.idx is missing: was the PF4J annotation"
                    + " processor on the compiler's processor path?)");
            return;
        }
        for (String className : classNames.stream().sorted().toList()) {
            try {
                Class<?> type = plugin.getPluginClassLoader().loadClass(className);
                if (!ExtensionFactory.class.isAssignableFrom(type)) {
                    problems.add(className + " is not an evomerge extension point implementation");
                    continue;
                }
                if (Modifier.isAbstract(type.getModifiers())) {
                    problems.add(className + " is abstract");
                    continue;
                }
                ExtensionFactory factory = (ExtensionFactory) type.getDeclaredConstructor().newInstance();
                Optional<String> refused = catalog.register(factory, plugin.getPluginId());
                if (refused.isPresent()) {
                    problems.add(refused.get());
                } else {
                    registered.add(catalog.find(factory.descriptor().kind(), factory.descriptor().id()).orElseThrow());
                }
            } catch (InvocationTargetException e) {
                problems.add(className + ": constructor threw " + PluginFailures.describe(e.getCause()));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                problems.add(className + ": " + PluginFailures.describe(e));
            }
        }
    }

    /** The id in the plugin's descriptor if it can be read at all, else the installed file's name. */
    private static String idOf(Path path, Path installed) {
        try {
            if (Files.isDirectory(path) || path.toString().endsWith(".jar")) {
                PluginDescriptor d = new CompoundPluginDescriptorFinder()
                        .add(new PropertiesPluginDescriptorFinder())
                        .add(new ManifestPluginDescriptorFinder())
                        .find(path);
                if (d.getPluginId() != null && !d.getPluginId().isBlank()) {
                    return d.getPluginId();
                }
            }
        } catch (RuntimeException ignored) {
            // The descriptor is what is broken; fall back to the file name.
        }
        String name = installed.getFileName().toString();
        return name.replaceFirst("(?i)\\.(zip|jar)$", "");
    }

    public ExtensionCatalog catalog() {
        return catalog;
    }

    /** Every plugin found, sorted by id, including those that failed. */
    public List<PluginReport> plugins() {
        return reports;
    }

    public Optional<PluginReport> plugin(String id) {
        return reports.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    @Override
    public void close() {
        manager.stopAll();
        manager.unloadPlugins();
    }
}
