package org.evomerge.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layering of configuration sources. Each layer lives in its own folder so that path resolution against "the
 * file's folder" can be told apart from resolution against the working directory.
 */
class ConfigurationLoaderTest {

    @TempDir
    Path root;

    private Path workingDirectory;
    private Path configFile;
    private Path userFile;
    private Path distributionFile;

    @BeforeEach
    void createFolders() throws IOException {
        workingDirectory = Files.createDirectories(root.resolve("cwd"));
        configFile = Files.createDirectories(root.resolve("project")).resolve("run.yaml");
        userFile = Files.createDirectories(root.resolve("home/.config/evomerge")).resolve("config.yaml");
        distributionFile = Files.createDirectories(root.resolve("dist/conf")).resolve("evomerge.yaml");
    }

    /** Builds a load call; absent files are passed as given so tests can check missing-file handling. */
    private final class Load {
        final Map<String, String> overrides = new LinkedHashMap<>();
        final Map<String, String> environment = new LinkedHashMap<>();
        Path config;
        Path user;
        Path distribution;

        Load set(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        Load env(String name, String value) {
            environment.put(name, value);
            return this;
        }

        Load config(Path file) {
            config = file;
            return this;
        }

        Load user(Path file) {
            user = file;
            return this;
        }

        Load distribution(Path file) {
            distribution = file;
            return this;
        }

        Settings run() {
            return ConfigurationLoader.load(new ConfigurationSources(overrides, environment, Optional.ofNullable(config),
                    Optional.ofNullable(user), Optional.ofNullable(distribution), workingDirectory));
        }

        EvomergeException fails() {
            EvomergeException e = assertThrows(EvomergeException.class, this::run);
            assertEquals(ErrorCategory.CONFIGURATION, e.category());
            assertFalse(e.getMessage().contains("\n"), "messages are one line: " + e.getMessage());
            return e;
        }
    }

    private Load load() {
        return new Load();
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }

    // ---- defaults -----------------------------------------------------------------------------------------------

    @Test
    void builtInDefaultsApplyWhenNothingIsGiven() {
        Settings settings = load().env("XDG_CACHE_HOME", root.resolve("xdg").toString()).run();
        assertEquals("auto", settings.compute().backend());
        assertEquals(Runtime.getRuntime().availableProcessors(), settings.compute().threads());
        assertEquals(42L, settings.run().seed());
        assertEquals(Optional.empty(), settings.run().scratchDir());
        assertEquals(List.of(), settings.plugins().dirs());
        assertEquals(Set.of(), settings.plugins().disabled());
        assertEquals(root.resolve("xdg/evomerge/plugins"), settings.plugins().cacheDir());
        assertEquals("safetensors", settings.output().format());
    }

    @Test
    void knownKeysIncludeEverySetting() {
        // List-valued keys count too: a default of [] would hide them from the key set and make them "unknown".
        assertTrue(ConfigurationLoader.knownKeys().containsAll(Set.of("compute.backend", "compute.threads", "run.seed",
                        "run.scratch-dir", "plugins.cache-dir", "plugins.dirs", "plugins.disabled", "output.format")),
                ConfigurationLoader.knownKeys().toString());
    }

    @Test
    void environmentNamesAreUpperSnakeCase() {
        assertEquals("EVOMERGE_COMPUTE_BACKEND", ConfigurationLoader.environmentName("compute.backend"));
        assertEquals("EVOMERGE_PLUGINS_CACHE_DIR", ConfigurationLoader.environmentName("plugins.cache-dir"));
        assertEquals("EVOMERGE_RUN_SEED", ConfigurationLoader.environmentName("run.seed"));
    }

    // ---- precedence ---------------------------------------------------------------------------------------------

    /**
     * Gives every layer its own value for {@code key}, then removes layers from the top down: each time the next
     * layer must show through, which checks every adjacent pair of the order.
     */
    private void assertPrecedence(String key, Function<String, String> valueFor, Function<Settings, String> read)
            throws IOException {
        String section = key.substring(0, key.indexOf('.'));
        String leaf = key.substring(key.indexOf('.') + 1);
        write(configFile, section + ":\n  " + leaf + ": " + valueFor.apply("config") + "\n");
        write(userFile, section + ":\n  " + leaf + ": " + valueFor.apply("user") + "\n");
        write(distributionFile, section + ":\n  " + leaf + ": " + valueFor.apply("distribution") + "\n");

        Load all = load().set(key, valueFor.apply("cli")).env(ConfigurationLoader.environmentName(key), valueFor.apply("env"))
                .config(configFile).user(userFile).distribution(distributionFile);
        assertEquals(valueFor.apply("cli"), read.apply(all.run()), key + ": command line beats everything");
        all.overrides.clear();
        assertEquals(valueFor.apply("env"), read.apply(all.run()), key + ": environment beats files");
        all.environment.clear();
        assertEquals(valueFor.apply("config"), read.apply(all.run()), key + ": --config beats user file");
        all.config = null;
        assertEquals(valueFor.apply("user"), read.apply(all.run()), key + ": user file beats distribution file");
        all.user = null;
        assertEquals(valueFor.apply("distribution"), read.apply(all.run()), key + ": distribution file beats defaults");
        all.distribution = null;
        assertEquals(valueFor.apply("defaults"), read.apply(all.run()), key + ": built-in default");
    }

    @Test
    void backendPrecedence() throws IOException {
        assertPrecedence("compute.backend", layer -> layer.equals("defaults") ? "auto" : "from-" + layer,
                s -> s.compute().backend());
    }

    @Test
    void threadsPrecedence() throws IOException {
        List<String> layers = List.of("cli", "env", "config", "user", "distribution");
        assertPrecedence("compute.threads",
                layer -> layer.equals("defaults") ? String.valueOf(Runtime.getRuntime().availableProcessors())
                        : String.valueOf(101 + layers.indexOf(layer)),
                s -> String.valueOf(s.compute().threads()));
    }

    @Test
    void seedPrecedence() throws IOException {
        List<String> layers = List.of("cli", "env", "config", "user", "distribution");
        assertPrecedence("run.seed",
                layer -> layer.equals("defaults") ? "42" : String.valueOf(-7000 - layers.indexOf(layer)),
                s -> String.valueOf(s.run().seed()));
    }

    @Test
    void pathPrecedenceResolvesAgainstTheWinningLayer() throws IOException {
        write(configFile, "plugins:\n  cache-dir: c\n");
        write(userFile, "plugins:\n  cache-dir: c\n");
        write(distributionFile, "plugins:\n  cache-dir: c\n");
        Load all = load().set("plugins.cache-dir", "c").env("EVOMERGE_PLUGINS_CACHE_DIR", "c")
                .env("XDG_CACHE_HOME", root.resolve("xdg").toString())
                .config(configFile).user(userFile).distribution(distributionFile);
        // The same relative value everywhere: only the folder it resolves against shows which layer won.
        assertEquals(workingDirectory.resolve("c"), all.run().plugins().cacheDir());
        all.overrides.clear();
        assertEquals(workingDirectory.resolve("c"), all.run().plugins().cacheDir());
        all.environment.remove("EVOMERGE_PLUGINS_CACHE_DIR");
        assertEquals(configFile.resolveSibling("c"), all.run().plugins().cacheDir());
        all.config = null;
        assertEquals(userFile.resolveSibling("c"), all.run().plugins().cacheDir());
        all.user = null;
        assertEquals(distributionFile.resolveSibling("c"), all.run().plugins().cacheDir());
        all.distribution = null;
        assertEquals(root.resolve("xdg/evomerge/plugins"), all.run().plugins().cacheDir());
    }

    @Test
    void layersAreMergedKeyByKey() throws IOException {
        // A higher layer that sets one key must not hide the other keys of lower layers.
        write(distributionFile, "run:\n  seed: 5\n");
        write(userFile, "compute:\n  threads: 3\n");
        write(configFile, "compute:\n  backend: cpu-reference\n");
        Settings settings = load().env("EVOMERGE_RUN_SEED", "6").config(configFile).user(userFile)
                .distribution(distributionFile).run();
        assertEquals("cpu-reference", settings.compute().backend());
        assertEquals(3, settings.compute().threads());
        assertEquals(6L, settings.run().seed());
    }

    @Test
    void environmentVariablesOutsideTheKnownKeysAreIgnored() {
        Settings settings = load().env("EVOMERGE_COMPUTE_BACKENDS", "x").env("COMPUTE_BACKEND", "y")
                .env("evomerge_compute_backend", "z").run();
        assertEquals("auto", settings.compute().backend());
    }

    // ---- file formats and file errors ---------------------------------------------------------------------------

    @Test
    void propertiesConfigFileIsRead() throws IOException {
        Path properties = write(configFile.resolveSibling("run.properties"),
                "# flat keys\ncompute.backend = cpu-reference\ncompute.threads = 3\nrun.seed = 9\n");
        Settings settings = load().config(properties).run();
        assertEquals("cpu-reference", settings.compute().backend());
        assertEquals(3, settings.compute().threads());
        assertEquals(9L, settings.run().seed());
    }

    @Test
    void ymlExtensionIsYaml() throws IOException {
        Path yml = write(configFile.resolveSibling("run.yml"), "compute:\n  backend: cpu-vector\n");
        assertEquals("cpu-vector", load().config(yml).run().compute().backend());
    }

    @Test
    void emptyConfigFileChangesNothing() throws IOException {
        assertEquals("auto", load().config(write(configFile, "")).run().compute().backend());
    }

    @ParameterizedTest
    @ValueSource(strings = {"config", "user", "distribution"})
    void unknownKeyInAFileIsRejectedNamingFileAndKey(String layer) throws IOException {
        Path file = switch (layer) {
            case "config" -> configFile;
            case "user" -> userFile;
            default -> distributionFile;
        };
        write(file, "compute:\n  backnd: cpu-vector\n");
        Load load = load();
        switch (layer) {
            case "config" -> load.config(file);
            case "user" -> load.user(file);
            default -> load.distribution(file);
        }
        assertContains(load.fails().getMessage(), file.toString(), "'compute.backnd'", "compute.backend");
    }

    @Test
    void unknownKeyInAPropertiesFileIsRejected() throws IOException {
        Path properties = write(configFile.resolveSibling("run.properties"), "run.sead=1\n");
        assertContains(load().config(properties).fails().getMessage(), properties.toString(), "'run.sead'");
    }

    @Test
    void unknownKeyOnTheCommandLineIsRejected() {
        assertContains(load().set("compute.thread", "4").fails().getMessage(), "command line", "'compute.thread'",
                "compute.threads");
    }

    @Test
    void malformedYamlIsReportedInOneLineNamingTheFileLineAndColumn() throws IOException {
        write(configFile, "compute:\n  backend: [cpu-vector\n  threads: : 4\n");
        String message = load().config(configFile).fails().getMessage();
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith(configFile + ":3:10: not valid YAML: "), message);
        write(configFile, "compute:\n  threads: 2\n   backend: cpu\n");
        assertTrue(load().config(configFile).fails().getMessage().startsWith(configFile + ":3:11: not valid YAML:"
                + " mapping values are not allowed here"));
    }

    @Test
    void missingConfigFileIsAnErrorNamingIt() {
        Path missing = root.resolve("project/missing.yaml");
        assertContains(load().config(missing).fails().getMessage(), missing.toString());
    }

    @Test
    void missingUserAndDistributionFilesAreSkipped() {
        Settings settings = load().user(root.resolve("nope/config.yaml")).distribution(root.resolve("nope/evomerge.yaml"))
                .run();
        assertEquals("auto", settings.compute().backend());
    }

    @Test
    void configFileWithUnsupportedExtensionIsRejected() throws IOException {
        Path json = write(configFile.resolveSibling("run.json"), "{}");
        assertContains(load().config(json).fails().getMessage(), json.toString(), ".yaml");
    }

    // ---- values -------------------------------------------------------------------------------------------------

    @Test
    void zeroThreadsMeansOnePerCore() throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, load().set("compute.threads", "0").run().compute().threads());
        write(configFile, "compute:\n  threads: 0\n");
        assertEquals(cores, load().config(configFile).run().compute().threads());
    }

    @Test
    void blankBackendIsRejected() {
        assertContains(load().set("compute.backend", "  ").fails().getMessage(), "compute.backend");
    }

    @Test
    void theOutputFormatIsConfiguredLikeAnyKey() throws IOException {
        assertEquals("gguf", load().env("EVOMERGE_OUTPUT_FORMAT", "gguf").run().output().format());
        write(configFile, "output:\n  format: ' toy '\n");
        assertEquals("toy", load().config(configFile).run().output().format());
        assertContains(load().set("output.format", " ").fails().getMessage(), "output.format", "command line");
    }

    @Test
    void backendIsStripped() {
        assertEquals("cpu-vector", load().set("compute.backend", " cpu-vector ").run().compute().backend());
    }

    @Test
    void defaultUserFileFollowsXdg() {
        Path home = root.resolve("home");
        assertEquals(home.resolve(".config/evomerge/config.yaml"), ConfigurationSources.defaultUserFile(Map.of(), home));
        assertEquals(root.resolve("xdg/evomerge/config.yaml"),
                ConfigurationSources.defaultUserFile(Map.of("XDG_CONFIG_HOME", root.resolve("xdg").toString()), home));
    }

    // ---- errors in values ---------------------------------------------------------------------------------------

    @Test
    void nonNumericThreadsFailNamingTheKey() {
        assertContains(load().set("compute.threads", "abc").fails().getMessage(), "compute.threads", "abc",
                "command line");
    }

    @Test
    void negativeThreadsFailNamingTheKey() throws IOException {
        write(configFile, "compute:\n  threads: -1\n");
        assertContains(load().config(configFile).fails().getMessage(), "compute.threads", "-1", configFile.toString());
    }

    @Test
    void nonNumericSeedFailsNamingTheKey() {
        assertContains(load().set("run.seed", "x").fails().getMessage(), "run.seed", "'x'");
    }

    // ---- lists and paths -----------------------------------------------------------------------------------------

    @Test
    void listOverrideSplitsIntoDirsResolvedAgainstWorkingDirectory() {
        Settings settings = load().set("plugins.dirs", "a,b").run();
        assertEquals(List.of(workingDirectory.resolve("a"), workingDirectory.resolve("b")), settings.plugins().dirs());
    }

    @Test
    void disabledPluginsFromTheCommandLine() {
        assertEquals(Set.of("x", "y"), load().set("plugins.disabled", "x, y").run().plugins().disabled());
    }

    @Test
    void relativePluginDirsInAFileResolveAgainstThatFilesFolder() throws IOException {
        write(configFile, "plugins:\n  dirs: [extra, ../shared, /abs/plugins]\n");
        Settings settings = load().config(configFile).run();
        Path folder = configFile.getParent();
        assertEquals(List.of(folder.resolve("extra"), root.resolve("shared"), Path.of("/abs/plugins")),
                settings.plugins().dirs());
    }

    @Test
    void relativePluginDirsFromTheEnvironmentResolveAgainstWorkingDirectory() {
        Settings settings = load().env("EVOMERGE_PLUGINS_DIRS", "p,q").run();
        assertEquals(List.of(workingDirectory.resolve("p"), workingDirectory.resolve("q")), settings.plugins().dirs());
    }

    @Test
    void listsInPropertiesFilesAreCommaSeparated() throws IOException {
        Path properties = write(configFile.resolveSibling("run.properties"), "plugins.dirs=a,b\nplugins.disabled=x\n");
        Settings settings = load().config(properties).run();
        assertEquals(List.of(configFile.resolveSibling("a"), configFile.resolveSibling("b")), settings.plugins().dirs());
        assertEquals(Set.of("x"), settings.plugins().disabled());
    }

    @Test
    void pathsOfALowerLayerResolveAgainstThatLayersFolder() throws IOException {
        // The config file sets other keys only, so the distribution file's relative dirs keep its own folder.
        write(configFile, "compute:\n  backend: cpu-reference\n");
        write(distributionFile, "plugins:\n  dirs: [extra]\n");
        Settings settings = load().config(configFile).distribution(distributionFile).run();
        assertEquals(List.of(distributionFile.resolveSibling("extra")), settings.plugins().dirs());
    }

    @Test
    void higherLayerListReplacesRatherThanExtendsLowerLayerList() throws IOException {
        write(configFile, "plugins:\n  dirs: [mine]\n");
        write(distributionFile, "plugins:\n  dirs: [theirs]\n");
        Settings settings = load().config(configFile).distribution(distributionFile).run();
        assertEquals(List.of(configFile.resolveSibling("mine")), settings.plugins().dirs());
    }

    @Test
    void relativePathsInAFileResolveAgainstThatFilesFolder() throws IOException {
        write(distributionFile, "plugins:\n  cache-dir: cache\nrun:\n  scratch-dir: scratch\n");
        Settings settings = load().distribution(distributionFile).run();
        assertEquals(distributionFile.getParent().resolve("cache"), settings.plugins().cacheDir());
        assertEquals(Optional.of(distributionFile.getParent().resolve("scratch")), settings.run().scratchDir());
    }

    @Test
    void relativePathsOnTheCommandLineResolveAgainstWorkingDirectory() throws IOException {
        write(configFile, "run:\n  scratch-dir: from-file\n");
        Settings settings = load().set("run.scratch-dir", "tmp/../scratch").config(configFile).run();
        assertEquals(Optional.of(workingDirectory.resolve("scratch")), settings.run().scratchDir());
    }
}
