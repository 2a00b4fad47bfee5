package org.evomerge.engine.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.configuration2.AbstractConfiguration;
import org.apache.commons.configuration2.CompositeConfiguration;
import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.FileBasedConfiguration;
import org.apache.commons.configuration2.MapConfiguration;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.YAMLConfiguration;
import org.apache.commons.configuration2.convert.DefaultListDelimiterHandler;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.ex.ConversionException;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.PathInput;
import org.evomerge.engine.input.YamlInput;

/**
 * Reads the configuration layers with Apache Commons Configuration and resolves them into {@link Settings}.
 * Precedence, highest first: command line, {@code EVOMERGE_*} environment, {@code --config} file, user file,
 * distribution file, built-in defaults. Keys not in the built-in defaults are errors naming the file, so typos do not
 * pass silently; relative paths in a file are resolved against that file's folder.
 */
public final class ConfigurationLoader {

    private static final String DEFAULTS = "/org/evomerge/engine/config/defaults.yaml";

    /** One configuration layer: its values, the folder its relative paths are resolved against, and its name. */
    private record Layer(Configuration values, Path baseDir, String name) {
    }

    private final CompositeConfiguration composite = new CompositeConfiguration();
    private final List<Layer> layers = new ArrayList<>();

    private ConfigurationLoader() {
    }

    /** Every key evomerge accepts, from the built-in defaults. */
    public static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>();
        defaults().getKeys().forEachRemaining(keys::add);
        return keys;
    }

    /** The environment variable that sets {@code key}: {@code compute.backend} → {@code EVOMERGE_COMPUTE_BACKEND}. */
    public static String environmentName(String key) {
        return "EVOMERGE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public static Settings load(ConfigurationSources sources) {
        ConfigurationLoader loader = new ConfigurationLoader();
        loader.readLayers(sources);
        return loader.settings(sources);
    }

    /**
     * Every known key with its resolved value and the layer it came from, for {@code evomerge config show}. The
     * values are checked as {@link #load} checks them.
     */
    public static List<ConfigurationEntry> explain(ConfigurationSources sources) {
        ConfigurationLoader loader = new ConfigurationLoader();
        loader.readLayers(sources);
        loader.settings(sources);
        List<ConfigurationEntry> entries = new ArrayList<>();
        for (String key : knownKeys()) {
            List<String> values = loader.composite.getList(key, List.of()).stream().map(String::valueOf).toList();
            entries.add(new ConfigurationEntry(key, String.join(",", values), loader.sourceLayer(key).name()));
        }
        return entries;
    }

    private void readLayers(ConfigurationSources sources) {
        Set<String> known = knownKeys();

        Map<String, Object> overrides = new LinkedHashMap<>();
        sources.overrides().forEach((key, value) -> {
            requireKnown(key, known, "command line");
            overrides.put(key, value);
        });
        addLayer(listAware(new MapConfiguration(overrides)), sources.workingDirectory(),
                "the command line");

        Map<String, Object> fromEnvironment = new LinkedHashMap<>();
        for (String key : known) {
            String value = sources.environment().get(environmentName(key));
            if (value != null) {
                fromEnvironment.put(key, value);
            }
        }
        addLayer(listAware(new MapConfiguration(fromEnvironment)), sources.workingDirectory(),
                "the environment");

        if (sources.configFile().isPresent()) {
            Path file = sources.configFile().get();
            if (!Files.isRegularFile(file)) {
                throw EvomergeException.configuration(file + ": configuration file not found");
            }
            addLayer(read(file, known), parentOf(file), file.toString());
        }
        for (Path optional : List.of(sources.userFile(), sources.distributionFile()).stream()
                .flatMap(java.util.Optional::stream).toList()) {
            if (Files.isRegularFile(optional)) {
                addLayer(read(optional, known), parentOf(optional), optional.toString());
            }
        }
        addLayer(defaults(), sources.workingDirectory(), "built-in defaults");
    }

    private Settings settings(ConfigurationSources sources) {
        SettingsDto dto = new SettingsDto();
        dto.getPlugins().setDirs(paths("plugins.dirs"));
        dto.getPlugins().setDisabled(strings("plugins.disabled"));
        String cacheDir = path("plugins.cache-dir");
        dto.getPlugins().setCacheDir(cacheDir != null ? cacheDir : defaultCacheDir(sources.environment()).toString());
        dto.getCompute().setBackend(composite.getString("compute.backend", "").strip());
        int threads = integer("compute.threads");
        if (threads < 0) {
            throw EvomergeException.configuration("compute.threads must be 0 (one per core) or more, got " + threads
                    + sourceOf("compute.threads"));
        }
        dto.getCompute().setThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        dto.getRun().setSeed(longValue("run.seed"));
        dto.getRun().setScratchDir(path("run.scratch-dir"));
        dto.getArchitectures().setDirs(paths("architectures.dirs"));
        dto.getOutput().setFormat(composite.getString("output.format", "").strip());
        dto.getEvaluation().setTaskSearchPath(paths("evaluation.task-search-path"));
        if (dto.getCompute().getBackend().isEmpty()) {
            throw EvomergeException.configuration("compute.backend must not be empty (use auto)");
        }
        if (dto.getOutput().getFormat().isEmpty()) {
            throw EvomergeException.configuration("output.format must not be empty (use safetensors)"
                    + sourceOf("output.format"));
        }
        return SettingsMapper.INSTANCE.toSettings(dto);
    }

    private static Path defaultCacheDir(Map<String, String> environment) {
        String xdg = environment.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("evomerge").resolve("plugins");
    }

    private void addLayer(Configuration values, Path baseDir, String name) {
        composite.addConfiguration(values);
        layers.add(new Layer(values, baseDir, name));
    }

    /** The highest-precedence layer that sets {@code key}. */
    private Layer sourceLayer(String key) {
        return layers.stream().filter(l -> l.values().containsKey(key)).findFirst().orElse(layers.getLast());
    }

    private static MapConfiguration listAware(MapConfiguration configuration) {
        configuration.setListDelimiterHandler(new DefaultListDelimiterHandler(','));
        return configuration;
    }

    private static Path parentOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("/") : parent;
    }

    private static Configuration defaults() {
        try (InputStream in = ConfigurationLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULTS + " is missing from the engine jar");
            }
            YAMLConfiguration yaml = new YAMLConfiguration();
            yaml.read(new InputStreamReader(in, StandardCharsets.UTF_8));
            return yaml;
        } catch (IOException | ConfigurationException e) {
            throw new IllegalStateException("cannot read built-in defaults " + DEFAULTS, e);
        }
    }

    /** Reads a YAML ({@code .yaml}, {@code .yml}) or properties file and checks its keys. */
    private static Configuration read(Path file, Set<String> known) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        FileBasedConfiguration configuration;
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            configuration = new YAMLConfiguration();
        } else if (name.endsWith(".properties")) {
            PropertiesConfiguration properties = new PropertiesConfiguration();
            properties.setListDelimiterHandler(new DefaultListDelimiterHandler(','));
            configuration = properties;
        } else {
            throw EvomergeException.configuration(file + ": configuration files must end in .yaml, .yml or .properties");
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            configuration.read(reader);
        } catch (IOException | ConfigurationException | RuntimeException e) {
            // Commons Configuration parses YAML with SnakeYAML and wraps its error, line and column included.
            throw YamlInput.syntaxError(file, e).orElseGet(() ->
                    EvomergeException.configuration(file + ": cannot read configuration: " + firstLine(e)));
        }
        for (Iterator<String> keys = ((AbstractConfiguration) configuration).getKeys(); keys.hasNext(); ) {
            requireKnown(keys.next(), known, file.toString());
        }
        return configuration;
    }

    private static void requireKnown(String key, Set<String> known, String where) {
        if (!known.contains(key)) {
            throw EvomergeException.configuration(where + ": unknown configuration key '" + key + "'; known keys: "
                    + String.join(", ", known));
        }
    }

    private List<String> strings(String key) {
        List<String> values = new ArrayList<>();
        for (Object value : composite.getList(key, List.of())) {
            if (value != null && !value.toString().isBlank()) {
                values.add(value.toString().strip());
            }
        }
        return values;
    }

    private List<String> paths(String key) {
        Path base = sourceLayer(key).baseDir();
        return strings(key).stream().map(p -> resolve(base, p, key)).toList();
    }

    private String path(String key) {
        String value = composite.getString(key, "");
        if (value == null || value.isBlank()) {
            return null;
        }
        return resolve(sourceLayer(key).baseDir(), value.strip(), key);
    }

    private String resolve(Path base, String path, String key) {
        String expanded = path.equals("~") || path.startsWith("~/")
                ? System.getProperty("user.home") + path.substring(1) : path;
        return PathInput.resolve(base, expanded, key + sourceOf(key)).toAbsolutePath().normalize().toString();
    }

    private int integer(String key) {
        long value = longValue(key);
        if (value != (int) value) {
            throw notAWholeNumber(key);
        }
        return (int) value;
    }

    private long longValue(String key) {
        try {
            return composite.getLong(key);
        } catch (ConversionException e) {
            throw notAWholeNumber(key);
        }
    }

    private EvomergeException notAWholeNumber(String key) {
        return EvomergeException.configuration(key + " must be a whole number, got '" + composite.getString(key)
                + "'" + sourceOf(key));
    }

    private String sourceOf(String key) {
        return " (from " + sourceLayer(key).name() + ")";
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.lines().findFirst().orElse(message).strip();
    }
}
