package org.evomerge.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.evomerge.api.ApiVersion;
import org.evomerge.api.extension.ExtensionKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginHostTest {

    @TempDir
    Path temp;

    /** A selection-scheme factory whose description comes from {@code describe} (Java expression). */
    private static String selectionFactory(String pkg, String className, String id, String describe, String ctorBody) {
        return """
                package %1$s;

                import java.util.List;
                import java.util.Set;
                import org.evomerge.api.context.RunContext;
                import org.evomerge.api.extension.ExtensionDescriptor;
                import org.evomerge.api.extension.ExtensionKind;
                import org.evomerge.api.parameter.ParameterSchema;
                import org.evomerge.api.parameter.ParameterSpec;
                import org.evomerge.api.parameter.Parameters;
                import org.evomerge.api.selection.SelectionScheme;
                import org.evomerge.api.selection.SelectionSchemeFactory;
                import org.pf4j.Extension;

                @Extension
                public class %2$s implements SelectionSchemeFactory {
                    public %2$s() { %5$s }

                    @Override
                    public ExtensionDescriptor descriptor() {
                        return new ExtensionDescriptor("%3$s", "1.0.0", ExtensionKind.SELECTION_SCHEME, %4$s,
                                ParameterSchema.of(ParameterSpec.integer("count", 1, 1L, null, "how many")), Set.of());
                    }

                    @Override
                    public SelectionScheme create(Parameters parameters, RunContext context) {
                        return (population, count, random) -> java.util.Collections.nCopies(count, 0);
                    }
                }
                """.formatted(pkg, className, id, describe, ctorBody);
    }

    private PluginBuilder good(String id, String extensionId) {
        String pkg = "test." + id.replace('-', '_');
        return new PluginBuilder(temp, id).source(pkg + ".Factory",
                selectionFactory(pkg, "Factory", extensionId, "\"works\"", ""));
    }

    private PluginHost host(Path pluginDir, Set<String> disabled) {
        return PluginHost.start(new PluginHostOptions(List.of(pluginDir), temp.resolve("cache"),
                ApiVersion.parse("0.1.0"), disabled));
    }

    private Path pluginDir() throws Exception {
        return Files.createDirectories(temp.resolve("plugins"));
    }

    @Test
    void loadsZipAndJarPluginsAndRegistersTheirExtensions() throws Exception {
        Path dir = pluginDir();
        good("alpha", "alpha-select").buildZip(dir);
        good("beta", "beta-select").buildJar(dir);
        try (PluginHost host = host(dir, Set.of())) {
            assertEquals(List.of("alpha", "beta"), host.plugins().stream().map(PluginReport::id).toList());
            host.plugins().forEach(p -> assertEquals(PluginStatus.STARTED, p.status(), p.toString()));
            var extension = host.catalog().find(ExtensionKind.SELECTION_SCHEME, "alpha-select").orElseThrow();
            assertEquals("alpha", extension.pluginId());
            assertEquals("alpha-select@1.0.0", extension.coordinates());
            assertTrue(host.catalog().find(ExtensionKind.SELECTION_SCHEME, "beta-select").isPresent());
        }
        // The installation is left as it was: zips are expanded into the cache, not beside themselves.
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(Set.of("alpha.zip", "beta.jar"),
                    Set.copyOf(entries.map(p -> p.getFileName().toString()).toList()));
        }
    }

    @Test
    void brokenPluginsAreReportedByIdAndTheOthersKeepWorking() throws Exception {
        Path dir = pluginDir();
        good("healthy", "healthy-select").buildZip(dir);
        // No plugin.id: PF4J cannot even read the descriptor; the report falls back to the file name.
        good("no-id", "x1").property("plugin.id", null).buildZip(dir);
        new PluginBuilder(temp, "missing-plugin-class")
                .property("plugin.class", "test.missing.DoesNotExist")
                .source("test.missing.Factory", selectionFactory("test.missing", "Factory", "x2", "\"x\"", ""))
                .buildZip(dir);
        new PluginBuilder(temp, "throwing-ctor")
                .source("test.throwing.Factory", selectionFactory("test.throwing", "Factory", "x3", "\"x\"",
                        "if (true) throw new IllegalStateException(\"boom in constructor\");"))
                .buildZip(dir);
        new PluginBuilder(temp, "missing-class")
                .source("test.gone.Helper", "package test.gone; public class Helper { public static String text() { return \"h\"; } }")
                .source("test.gone.Factory", selectionFactory("test.gone", "Factory", "x4", "test.gone.Helper.text()",
                        "test.gone.Helper.text();"))
                .omitAfterCompile("test.gone.Helper")
                .buildZip(dir);
        good("future", "x5").property("plugin.requires", ">=99.0.0").buildZip(dir);
        new PluginBuilder(temp, "throwing-start")
                .property("plugin.class", "test.start.Lifecycle")
                .source("test.start.Lifecycle", """
                        package test.start;
                        public class Lifecycle extends org.pf4j.Plugin {
                            @Override public void start() { throw new IllegalStateException("cannot start"); }
                        }""")
                .source("test.start.Factory", selectionFactory("test.start", "Factory", "x6", "\"x\"", ""))
                .buildZip(dir);

        try (PluginHost host = host(dir, Set.of())) {
            assertEquals(PluginStatus.STARTED, host.plugin("healthy").orElseThrow().status());
            assertTrue(host.catalog().find(ExtensionKind.SELECTION_SCHEME, "healthy-select").isPresent());
            assertEquals(1, host.catalog().all().size(), "only the healthy plugin contributes: " + host.catalog().all());

            assertFailed(host, "no-id", PluginStatus.FAILED, "id");
            assertFailed(host, "missing-plugin-class", PluginStatus.FAILED, "test.missing.DoesNotExist");
            assertFailed(host, "throwing-ctor", PluginStatus.FAILED, "boom in constructor");
            assertFailed(host, "missing-class", PluginStatus.FAILED, "test.gone.Helper");
            assertFailed(host, "future", PluginStatus.INCOMPATIBLE, ">=99.0.0");
            assertFailed(host, "throwing-start", PluginStatus.FAILED, "cannot start");
        }
    }

    private static void assertFailed(PluginHost host, String id, PluginStatus status, String reasonPart) {
        PluginReport report = host.plugins().stream().filter(p -> p.id().startsWith(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no report for " + id + " in " + host.plugins()));
        assertEquals(status, report.status(), report.toString());
        String error = report.error().orElseThrow(() -> new AssertionError("no error for " + report));
        assertTrue(error.contains(reasonPart), "'" + error + "' should mention '" + reasonPart + "'");
        assertFalse(error.contains("\n"), "errors are one line: " + error);
    }

    @Test
    void pluginsWithDifferentVersionsOfOneLibraryDoNotBreakEachOther() throws Exception {
        String v1 = "package shared.lib; public class Greeting { public static String text() { return \"version one\"; } }";
        String v2 = "package shared.lib; public class Greeting { public static String text() { return \"version two\"; } }";
        Path lib1 = PluginBuilder.libraryJar(temp, "greeting-1.0.jar", "shared.lib.Greeting", v1);
        Path lib2 = PluginBuilder.libraryJar(temp, "greeting-2.0.jar", "shared.lib.Greeting", v2);
        Path dir = pluginDir();
        new PluginBuilder(temp, "uses-v1").lib(lib1)
                .source("test.v1.Factory", selectionFactory("test.v1", "Factory", "v1-select", "shared.lib.Greeting.text()", ""))
                .buildZip(dir);
        new PluginBuilder(temp, "uses-v2").lib(lib2)
                .source("test.v2.Factory", selectionFactory("test.v2", "Factory", "v2-select", "shared.lib.Greeting.text()", ""))
                .buildZip(dir);
        try (PluginHost host = host(dir, Set.of())) {
            assertEquals("version one", host.catalog().find(ExtensionKind.SELECTION_SCHEME, "v1-select")
                    .orElseThrow().descriptor().description());
            assertEquals("version two", host.catalog().find(ExtensionKind.SELECTION_SCHEME, "v2-select")
                    .orElseThrow().descriptor().description());
        }
    }

    @Test
    void aPluginThatShipsTheApiJarStillUsesTheHostsApi() throws Exception {
        Path apiJar = Path.of(org.evomerge.api.ApiVersion.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = pluginDir();
        PluginBuilder builder = good("bundles-api", "bundled-select");
        if (Files.isRegularFile(apiJar)) {
            builder.lib(apiJar);
        }
        builder.buildZip(dir);
        try (PluginHost host = host(dir, Set.of())) {
            assertEquals(PluginStatus.STARTED, host.plugin("bundles-api").orElseThrow().status(),
                    host.plugins().toString());
        }
    }

    @Test
    void disabledPluginsAreNotStartedAndDuplicateIdsAreReported() throws Exception {
        Path dir = pluginDir();
        good("first", "same-id").buildZip(dir);
        new PluginBuilder(temp, "second")
                .source("test.second.Factory", selectionFactory("test.second", "Factory", "same-id", "\"dup\"", ""))
                .source("test.second.Other", selectionFactory("test.second", "Other", "other-id", "\"ok\"", ""))
                .buildZip(dir);
        good("off", "off-select").buildZip(dir);
        try (PluginHost host = host(dir, Set.of("off"))) {
            assertEquals(PluginStatus.DISABLED, host.plugin("off").orElseThrow().status());
            assertTrue(host.catalog().find(ExtensionKind.SELECTION_SCHEME, "off-select").isEmpty());
            assertEquals("first", host.catalog().find(ExtensionKind.SELECTION_SCHEME, "same-id").orElseThrow().pluginId());
            PluginReport second = host.plugin("second").orElseThrow();
            assertEquals(PluginStatus.STARTED, second.status());
            assertEquals(1, second.extensions().size());
            assertTrue(second.problems().getFirst().contains("already provided by plugin 'first'"), second.problems().toString());
        }
    }

    @Test
    void aMissingPluginFolderMeansNoPlugins() {
        try (PluginHost host = host(temp.resolve("absent"), Set.of())) {
            assertTrue(host.plugins().isEmpty());
            assertTrue(host.catalog().all().isEmpty());
        }
    }
}
