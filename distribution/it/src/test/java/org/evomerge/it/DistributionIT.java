package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standard distribution, run as a user runs it. */
class DistributionIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Processes.Result evomerge(Path home, String... args) {
        return Distributions.evomerge(home, temp, temp.resolve("user"), args);
    }

    private static void assertOneLineError(Processes.Result result, int exitCode, String mentions) {
        assertEquals(exitCode, result.exitCode(), result.toString());
        List<String> lines = result.err().lines().filter(l -> !l.startsWith("Try '")).toList();
        assertEquals(1, lines.size(), "one error line expected: " + result);
        assertTrue(lines.getFirst().startsWith("evomerge: error: "), result.toString());
        assertTrue(lines.getFirst().contains(mentions), "'" + lines.getFirst() + "' should mention " + mentions);
        assertFalse(result.err().contains("\tat "), "no stack trace without --debug: " + result);
    }

    @Test
    void versionNamesTheApiJavaAndBackendsWithoutJvmNoise() {
        Processes.Result result = evomerge(Distributions.built(), "--version");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("evomerge " + System.getProperty("evomerge.version")), result.out());
        assertTrue(result.out().contains("API 0.1.0"), result.out());
        assertTrue(result.out().contains("Java 25"), result.out());
        assertTrue(result.out().contains("cpu-reference (available"), result.out());
        assertTrue(result.out().contains("cpu-vector"), result.out());
        assertEquals("", result.err(), "nothing on stderr (the incubator notice is filtered)");
    }

    @Test
    void withoutAJava25TheLauncherSaysSoInOneLine() throws IOException {
        // Only older JDKs visible: JAVA_HOME points at a Java 17 (if the machine has one), no JVM folder, and a PATH
        // with the shell tools the launcher uses but no java.
        Path tools = Files.createDirectories(temp.resolve("tools"));
        for (String tool : List.of("readlink", "dirname", "sed", "head", "ls", "sort", "grep")) {
            Files.createSymbolicLink(tools.resolve(tool), Path.of("/usr/bin", tool));
        }
        Map<String, String> env = new HashMap<>(Map.of("EVOMERGE_JVM_DIR", temp.resolve("no-jvms").toString(),
                "PATH", tools.toString()));
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        if (Files.isDirectory(java17)) {
            env.put("JAVA_HOME", java17.toString());
        }
        Processes.Result result = Processes.run(temp, env, 60,
                List.of("/bin/bash", Distributions.built().resolve("bin/evomerge").toString(), "--version"));
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().startsWith("evomerge: error: no Java 25 or newer found"), result.toString());
        assertEquals(1, result.err().lines().count(), result.toString());
    }

    @Test
    void runsFromAnyFolderAndThroughASymlink() throws IOException {
        Path link = Files.createSymbolicLink(temp.resolve("em"), Distributions.built().resolve("bin/evomerge"));
        Path elsewhere = Files.createDirectories(temp.resolve("some/other/folder"));
        Processes.Result result = Processes.run(elsewhere, Map.of("XDG_CACHE_HOME", temp.resolve("cache").toString()),
                120, List.of(link.toString(), "plugins", "list"));
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("standard-selection"), result.out());
    }

    @Test
    void listsTheStandardPluginsAsJson() throws IOException {
        Processes.Result result = evomerge(Distributions.built(), "plugins", "list", "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = JSON.readTree(result.out());
        assertEquals("0.1.0", doc.get("api_version").asText());
        Map<String, String> states = new HashMap<>();
        doc.get("plugins").forEach(p -> {
            states.put(p.get("id").asText(), p.get("state").asText());
            assertTrue(p.get("error").isNull(), p.toString());
        });
        assertTrue(states.keySet().containsAll(Set.of("standard-selection", "standard-safetensors", "standard-search",
                "standard-mutation")), states.toString());
        states.forEach((id, state) -> assertEquals("started", state, id));
        Set<String> extensions = new TreeSet<>();
        doc.get("extensions").forEach(e -> extensions.add(e.get("kind").asText() + ":" + e.get("id").asText() + ":"
                + e.get("plugin").asText()));
        assertTrue(extensions.containsAll(Set.of("selection-scheme:elitism:standard-selection",
                "selection-scheme:rank:standard-selection", "selection-scheme:roulette:standard-selection",
                "selection-scheme:tournament:standard-selection", "selection-scheme:truncation:standard-selection",
                "selection-scheme:nsga2:standard-selection", "model-format:safetensors:standard-safetensors",
                "search-strategy:cma-es:standard-search", "search-strategy:genetic:standard-search",
                "search-strategy:differential-evolution:standard-search", "search-strategy:kinship-greedy:standard-search",
                "search-strategy:random:standard-search", "mutation:gaussian:standard-mutation",
                "mutation:sparse-noise:standard-mutation", "mutation:de-difference:standard-mutation")),
                extensions.toString());
    }

    @Test
    void pluginInfoShowsParameterSchemas() throws IOException {
        Processes.Result result = evomerge(Distributions.built(), "plugins", "info", "standard-selection", "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode tournament = null;
        for (JsonNode e : JSON.readTree(result.out()).get("extensions")) {
            if (e.get("id").asText().equals("tournament")) {
                tournament = e;
            }
        }
        JsonNode size = tournament.get("parameters").get(0);
        assertEquals("size", size.get("name").asText());
        assertEquals("integer", size.get("type").asText());
        assertEquals(3, size.get("default").asInt());
        assertEquals(1.0, size.get("min").asDouble());
    }

    @Test
    void aBrokenPluginIsReportedAndTheOthersKeepWorking() throws IOException {
        Path home = Distributions.copy(Distributions.built(), temp.resolve("dist"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(home.resolve("plugins/broken.zip")))) {
            zip.putNextEntry(new ZipEntry("plugin.properties"));
            zip.write("plugin.id=broken\nplugin.version=1.0.0\nplugin.class=com.example.Missing\n"
                    .getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        Files.writeString(home.resolve("plugins/garbage.zip"), "this is not a zip file");
        Processes.Result result = evomerge(home, "plugins", "list", "--json");
        assertEquals(0, result.exitCode(), result.toString());
        Map<String, JsonNode> plugins = new HashMap<>();
        JSON.readTree(result.out()).get("plugins").forEach(p -> plugins.put(p.get("id").asText(), p));
        assertEquals("started", plugins.get("standard-selection").get("state").asText());
        assertEquals("failed", plugins.get("broken").get("state").asText());
        assertTrue(plugins.get("broken").get("error").asText().contains("com.example.Missing"), result.out());
        assertEquals("failed", plugins.get("garbage").get("state").asText(), result.out());
        int standard = JSON.readTree(evomerge(Distributions.built(), "plugins", "list", "--json").out())
                .get("extensions").size();
        assertEquals(standard, JSON.readTree(result.out()).get("extensions").size(), "every other extension still loads");
    }

    @Test
    void errorsAreOneLineWithTheDocumentedExitCodes() throws IOException {
        Path home = Distributions.built();
        assertOneLineError(evomerge(home, "no-such-command"), 2, "no-such-command");
        assertOneLineError(evomerge(home, "plugins", "info", "nope"), 2, "nope");
        assertOneLineError(evomerge(home, "--config", "missing.yaml", "plugins", "list"), 2, "missing.yaml");
        assertOneLineError(evomerge(home, "--set", "compute.bakend=cpu", "plugins", "list"), 2, "compute.bakend");
        Path badYaml = Files.writeString(temp.resolve("bad.yaml"), "compute: [unclosed\n");
        assertOneLineError(evomerge(home, "--config", badYaml.toString(), "config", "show"), 2,
                badYaml + ":2:1: not valid YAML: expected ',' or ']'");
        Path typo = Files.writeString(temp.resolve("typo.yaml"), "compute:\n  treads: 4\n");
        assertOneLineError(evomerge(home, "--config", typo.toString(), "config", "show"), 2, "compute.treads");
        assertOneLineError(evomerge(home, "--threads", "many", "config", "show"), 2, "--threads");
    }

    @Test
    void aNulByteInARecipePathIsOneLineOfBadInputNamingTheModel() throws IOException {
        // YAML writes NUL as \0; the launcher's stderr filter must pass the line on, not "binary file matches".
        Path recipe = Files.writeString(temp.resolve("nul.yml"), "merge_method: linear\nmodels:\n"
                + "  - model: \"models/ba\\0se\"\n    parameters: {weight: 1.0}\n");
        Processes.Result result = evomerge(Distributions.built(), "merge", recipe.toString(), "out");
        assertOneLineError(result, 3, recipe + ": model: 'models/ba\\x00se' is not a valid path");
        assertFalse(result.err().contains("binary file"), result.toString());
        assertFalse(Files.exists(temp.resolve("out")), "no output for a refused recipe");
        // The stack trace quotes the raw NUL: every line of it still passes the launcher's filter.
        Processes.Result debug = evomerge(Distributions.built(), "--debug", "merge", recipe.toString(), "out");
        assertFalse(debug.err().contains("binary file"), debug.toString());
        assertTrue(debug.err().contains("Caused by: java.nio.file.InvalidPathException: Nul character not allowed"),
                debug.toString());
        assertTrue(debug.err().strip().endsWith("more"), "the trace reaches its end: " + debug);
    }

    @Test
    void helpCommandsAndTyposGetAnAnswer() throws IOException {
        Path home = Distributions.built();
        Processes.Result help = evomerge(home, "help", "merge");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.out().startsWith("Usage: evomerge merge"), help.out());
        assertOneLineError(evomerge(home, "mrege"), 2, "unknown command 'mrege' (did you mean 'merge'?)");
        Path recipe = Files.writeString(temp.resolve("typo.yml"), "merge_method: tiess\nmodels:\n  - model: a\n");
        assertOneLineError(evomerge(home, "merge", recipe.toString(), "out"), 2,
                recipe + ": 'merge_method': unknown merge-method 'tiess' (did you mean 'ties'?); installed: ");
        assertOneLineError(evomerge(home, "plugins", "info", "tiess"), 2, "(did you mean 'ties'?)");
    }

    @Test
    void pluginInfoShowsTheSchemaOfAnExtensionId() throws IOException {
        Processes.Result text = evomerge(Distributions.built(), "plugins", "info", "ties");
        assertEquals(0, text.exitCode(), text.toString());
        assertTrue(text.out().startsWith("merge-method 'ties' "), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.matches("  density +number +per-model +1\\.0 +\\[0, 1\\] .*")),
                text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.matches("  trim_scope +choice +global +tensor +tensor\\|model .*")),
                text.out());
        JsonNode doc = JSON.readTree(evomerge(Distributions.built(), "plugins", "info", "ties", "--json").out());
        JsonNode ties = doc.get("extensions").get(0);
        assertEquals("standard-merge", ties.get("plugin").asText());
        JsonNode density = null;
        for (JsonNode p : ties.get("parameters")) {
            if (p.get("name").asText().equals("density")) {
                density = p;
            }
        }
        assertEquals("number", density.get("type").asText());
        assertEquals("per-model", density.get("scope").asText());
        assertEquals(1.0, density.get("default").asDouble());
        assertEquals(1.0, density.get("max").asDouble());
        // An id two kinds share lists both.
        JsonNode command = JSON.readTree(evomerge(Distributions.built(), "plugins", "info", "command", "--json").out());
        assertEquals(2, command.get("extensions").size(), command.toString());
    }

    @Test
    void configurationPrecedenceIsVisibleInConfigShow() throws IOException {
        Path user = temp.resolve("user");
        Files.createDirectories(user.resolve(".config/evomerge"));
        Files.writeString(user.resolve(".config/evomerge/config.yaml"), "compute:\n  threads: 3\nrun:\n  seed: 5\n");
        Path file = Files.writeString(temp.resolve("run.yaml"), "run:\n  seed: 6\n");
        Processes.Result result = evomerge(Distributions.built(), "--config", file.toString(), "--backend", "cpu",
                "config", "show", "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = JSON.readTree(result.out());
        assertEquals("cpu", doc.get("compute.backend").get("value").asText());
        assertEquals("the command line", doc.get("compute.backend").get("source").asText());
        assertEquals("6", doc.get("run.seed").get("value").asText());
        assertTrue(doc.get("run.seed").get("source").asText().endsWith("run.yaml"));
        assertEquals("3", doc.get("compute.threads").get("value").asText());
        assertTrue(doc.get("compute.threads").get("source").asText().endsWith("config.yaml"));
    }

    @Test
    void everyCommandHasHelpAndTheCompletionScriptLoadsInBash() throws IOException {
        Path home = Distributions.built();
        for (List<String> command : List.<List<String>>of(List.of(), List.of("inspect"), List.of("kinship"),
                List.of("report"), List.of("plugins"),
                List.of("plugins", "list"),
                List.of("plugins", "info"), List.of("config"), List.of("config", "show"),
                List.of("generate-completion"))) {
            String[] args = Stream.concat(command.stream(), Stream.of("--help")).toArray(String[]::new);
            Processes.Result result = evomerge(home, args);
            assertEquals(0, result.exitCode(), String.join(" ", args) + ": " + result);
            assertTrue(result.out().startsWith("Usage: evomerge"), result.out());
        }
        Processes.Result bash = Processes.run(temp, Map.of(), 60, List.of("bash", "-c",
                "source '" + home.resolve("bin/evomerge_completion") + "' && complete -p evomerge"));
        assertEquals(0, bash.exitCode(), bash.toString());
        assertTrue(bash.out().contains("evomerge"), bash.toString());
        // The command prints the shipped script, global options after a subcommand name included, although the
        // subcommands' help no longer lists them.
        Processes.Result generated = evomerge(home, "generate-completion");
        assertEquals(0, generated.exitCode(), generated.toString());
        assertEquals(Files.readString(home.resolve("bin/evomerge_completion")), generated.out());
    }

    @Test
    void theArchiveHoldsTheSameFilesAsTheFolder() throws IOException {
        Path archive = Distributions.built().resolveSibling("evomerge.tar.gz");
        Processes.Result listing = Processes.run(temp, Map.of(), 60, List.of("tar", "tzf", archive.toString()));
        assertEquals(0, listing.exitCode(), listing.toString());
        Set<String> inArchive = new TreeSet<>();
        listing.out().lines().filter(l -> !l.endsWith("/"))
                .forEach(l -> inArchive.add(l.substring(l.indexOf('/') + 1)));
        Set<String> inFolder = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Distributions.built())) {
            files.filter(Files::isRegularFile).forEach(f -> inFolder.add(
                    Distributions.built().relativize(f).toString()));
        }
        assertEquals(inFolder, inArchive);
        Processes.Result modes = Processes.run(temp, Map.of(), 60, List.of("tar", "tzvf", archive.toString()));
        assertTrue(modes.out().lines().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith("bin/evomerge")),
                "bin/evomerge is executable in the archive");
    }

    @Test
    void theInstallationIsNotModifiedByRunning() throws IOException {
        Path home = Distributions.copy(Distributions.built(), temp.resolve("ro"));
        Set<String> before = listing(home);
        assertEquals(0, evomerge(home, "plugins", "list").exitCode());
        assertEquals(before, listing(home), "running evomerge must not write into its installation");
    }

    private static Set<String> listing(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            Set<String> names = new TreeSet<>();
            files.forEach(f -> names.add(root.relativize(f).toString()));
            return names;
        }
    }
}
