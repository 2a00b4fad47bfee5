package org.evomerge.engine.plugin;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.Plugin;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginFactory;
import org.pf4j.PluginLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginRepository;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginWrapper;
import org.pf4j.RuntimeMode;

/**
 * PF4J's manager with the behaviour the host needs: plugin zips expanded outside the installation, API classes
 * always from the host, load failures kept (with their path) instead of only logged, a plugin factory that says why a
 * plugin class cannot be created, and a stop that works around PF4J 3.15's concurrent-modification bug.
 */
final class EvomergePluginManager extends DefaultPluginManager {

    /** A plugin file or folder that could not even be loaded (bad descriptor, unreadable zip...). */
    record LoadFailure(Path loadedFrom, Path installed, String reason) {
        LoadFailure(Path installed, String reason) {
            this(installed, installed, reason);
        }
    }

    private final List<LoadFailure> loadFailures = Collections.synchronizedList(new ArrayList<>());
    /** Expanded cache folder → the zip it came from, so reports name what the user installed. */
    private final java.util.Map<Path, Path> expandedFrom = new java.util.concurrent.ConcurrentHashMap<>();
    private Path cacheDir;
    private Set<String> disabled = Set.of();

    EvomergePluginManager(List<Path> roots, Path cacheDir, Set<String> disabled, String systemVersion) {
        super(roots);
        this.cacheDir = cacheDir;
        this.disabled = Set.copyOf(disabled);
        setSystemVersion(systemVersion);
    }

    List<LoadFailure> loadFailures() {
        return List.copyOf(loadFailures);
    }

    /** Where the user installed the plugin at {@code loadedFrom}: the zip for an expanded zip, else itself. */
    Path installedPath(Path loadedFrom) {
        return expandedFrom.getOrDefault(loadedFrom, loadedFrom);
    }

    @Override
    public RuntimeMode getRuntimeMode() {
        // Development mode (-Dpf4j.mode=development) reads plugins from build folders; the host always deploys.
        return RuntimeMode.DEPLOYMENT;
    }

    @Override
    protected PluginRepository createPluginRepository() {
        // Called from the super constructor, before this class's fields are set: read them when listing instead.
        return new PluginRepository() {
            @Override
            public List<Path> getPluginPaths() {
                return new ZipCachePluginRepository(getPluginsRoots(), cacheDir,
                        (zip, reason) -> loadFailures.add(new LoadFailure(zip, reason)), expandedFrom::put)
                        .getPluginPaths();
            }

            @Override
            public boolean deletePluginPath(Path pluginPath) {
                return false;
            }
        };
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader()
                .add(new JarPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                        return new HostFirstClassLoader(pluginManager, descriptor, getClass().getClassLoader());
                    }
                })
                .add(new DefaultPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                        return new HostFirstClassLoader(pluginManager, descriptor, getClass().getClassLoader());
                    }
                });
    }

    @Override
    protected PluginFactory createPluginFactory() {
        return new ExplainingPluginFactory();
    }

    @Override
    protected PluginWrapper loadPluginFromPath(Path pluginPath) {
        try {
            return super.loadPluginFromPath(pluginPath);
        } catch (RuntimeException | LinkageError e) {
            loadFailures.add(new LoadFailure(pluginPath, installedPath(pluginPath), PluginFailures.describe(e)));
            return null;
        }
    }

    @Override
    protected boolean isPluginDisabled(String pluginId) {
        return disabled.contains(pluginId) || super.isPluginDisabled(pluginId);
    }

    /** Stops started plugins in reverse start order (PF4J 3.15's stopPlugins() throws ConcurrentModificationException). */
    void stopAll() {
        List<PluginWrapper> started = new ArrayList<>(getStartedPlugins());
        Collections.reverse(started);
        for (PluginWrapper plugin : started) {
            try {
                stopPlugin(plugin.getPluginId());
            } catch (RuntimeException | LinkageError ignored) {
                // A plugin failing to stop must not keep the others from stopping.
            }
        }
    }

    /** Loads the API and PF4J from the host even if a plugin wrongly ships its own copies. */
    private static final class HostFirstClassLoader extends PluginClassLoader {
        HostFirstClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
            super(manager, descriptor, parent);
        }

        @Override
        protected boolean shouldDelegateToParent(String className) {
            return super.shouldDelegateToParent(className) || className.startsWith("org.evomerge.api.");
        }
    }

    /** Creates the plugin class, failing with the cause instead of logging it and returning null. */
    private static final class ExplainingPluginFactory implements PluginFactory {
        @Override
        public Plugin create(PluginWrapper wrapper) {
            String className = wrapper.getDescriptor().getPluginClass();
            Class<?> pluginClass;
            try {
                pluginClass = wrapper.getPluginClassLoader().loadClass(className);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new PluginRuntimeException(e, "cannot load plugin.class '{}'", className);
            }
            if (!Plugin.class.isAssignableFrom(pluginClass)) {
                throw new PluginRuntimeException("plugin.class '{}' does not extend org.pf4j.Plugin", className);
            }
            try {
                return (Plugin) pluginClass.getConstructor().newInstance();
            } catch (InvocationTargetException e) {
                throw new PluginRuntimeException(e.getCause(), "constructor of plugin.class '{}' threw", className);
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new PluginRuntimeException(e, "cannot create plugin.class '{}' (it needs a public no-argument"
                        + " constructor)", className);
            }
        }
    }
}
