package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a third party does: generate a plugin from the archetype, build it (with the project's Maven wrapper and with
 * a stock Maven 3.8), install it into a copy of the distribution, and build a lab's own bundle with a chosen set of
 * plugins and its own defaults.
 */
class ThirdPartyIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GROUP = "org.evomerge.it.lab";
    private static final String ARTIFACT = "lab-merge";

    @TempDir
    Path temp;

    @Test
    void aGeneratedPluginBuildsLoadsAndShipsInACustomBundle() throws IOException {
        String version = System.getProperty("evomerge.version");
        Processes.Result generated = Processes.maven(temp, "archetype:generate",
                "-DarchetypeGroupId=org.evomerge", "-DarchetypeArtifactId=evomerge-plugin-archetype",
                "-DarchetypeVersion=" + version, "-DgroupId=" + GROUP, "-DartifactId=" + ARTIFACT,
                "-Dversion=1.0.0", "-Dpackage=org.evomerge.it.lab.merge", "-DmethodId=lab_median",
                "-DinteractiveMode=false");
        assertEquals(0, generated.exitCode(), generated.toString());
        Path project = temp.resolve(ARTIFACT);
        Path wrapper = project.resolve("mvnw");
        assertTrue(Files.isExecutable(wrapper), "the generated mvnw is not executable");
        assertTrue(Files.isRegularFile(project.resolve("mvnw.cmd")));
        assertTrue(Files.readString(project.resolve(".mvn/wrapper/maven-wrapper.properties"))
                .contains("distributionType=only-script"));
        assertTrue(Files.isRegularFile(project.resolve(".mvn/find-jdk25.sh")));
        assertTrue(Files.isRegularFile(project.resolve(".gitignore")));
        String readme = Files.readString(project.resolve("README.md"));
        for (String line : List.of("## Build", "    ./mvnw -B install", "    mvn -B install")) {
            assertTrue(readme.lines().anyMatch(line::equals), "README.md lacks the line '" + line + "':\n" + readme);
        }

        // install, both ways the README says: the generated tests (extending the test kit) run, and the zip reaches
        // the local repository for the bundle below.
        Path zip = project.resolve("target/" + ARTIFACT + "-1.0.0.zip");
        Processes.Result built = Processes.maven(wrapper, Map.of(), project, "install");
        assertEquals(0, built.exitCode(), built.toString());
        assertPluginBuilt(project, zip, "./mvnw");
        StockMaven stock = StockMaven.find(Files.createDirectories(temp.resolve("stock-maven")));
        built = stock.run(project, "clean", "install");
        assertEquals(0, built.exitCode(), stock + "\n" + built);
        assertPluginBuilt(project, zip, stock.toString());

        Path home = Distributions.copy(Distributions.built(), temp.resolve("dist"));
        Files.copy(zip, home.resolve("plugins").resolve(zip.getFileName()));
        Processes.Result listed = Distributions.evomerge(home, temp, temp.resolve("user"), "plugins", "list", "--json");
        assertEquals(0, listed.exitCode(), listed.toString());
        JsonNode doc = JSON.readTree(listed.out());
        Map<String, String> states = new HashMap<>();
        doc.get("plugins").forEach(p -> states.put(p.get("id").asText(), p.get("state").asText()));
        assertEquals("started", states.get(ARTIFACT), states.toString());
        states.forEach((id, state) -> assertEquals("started", state, id));
        assertTrue(extensions(doc).contains("merge-method:lab_median:" + ARTIFACT), extensions(doc).toString());

        mergeWithTheGeneratedMethod(home);
        buildCustomBundle(version, stock);
    }

    private static void assertPluginBuilt(Path project, Path zip, String maven) throws IOException {
        assertTrue(Files.isRegularFile(zip), "the plugin zip was not built by " + maven);
        try (Stream<Path> reports = Files.list(project.resolve("target/surefire-reports"))) {
            assertTrue(reports.anyMatch(p -> p.getFileName().toString().contains("MedianMergeFactoryTest")),
                    "the generated tests did not run under " + maven);
        }
    }

    /** The generated method is usable in a recipe: a median of two models is their mean. */
    private void mergeWithTheGeneratedMethod(Path home) throws IOException {
        Path models = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32");
        if (!Files.isDirectory(models)) {
            return; // the shared reference models are not present
        }
        Path recipe = Files.writeString(temp.resolve("median.yml"), "merge_method: lab_median\nmodels:\n"
                + "  - model: " + models.resolve("ft1") + "\n  - model: " + models.resolve("ft2") + "\n");
        Path out = temp.resolve("median-out");
        Processes.Result merged = Distributions.evomerge(home, temp, temp.resolve("user"), "merge", recipe.toString(),
                out.toString());
        assertEquals(0, merged.exitCode(), merged.toString());
        var a = MergekitGoldenIT.read(models.resolve("ft1"));
        var b = MergekitGoldenIT.read(models.resolve("ft2"));
        var m = MergekitGoldenIT.read(out);
        assertEquals(a.keySet(), m.keySet());
        for (String name : a.keySet()) {
            double[] x = a.get(name).values();
            double[] y = b.get(name).values();
            double[] z = m.get(name).values();
            for (int i = 0; i < z.length; i++) {
                assertEquals((x[i] + y[i]) / 2, z[i], 1e-6 * Math.max(1, Math.abs(z[i])), name + "[" + i + "]");
            }
        }
        assertTrue(Files.readString(out.resolve("README.md")).contains("lab_median@1.0.0"));
    }

    /** With a stock Maven 3.8, as a lab without an evomerge checkout would build it. */
    private void buildCustomBundle(String version, StockMaven stock) throws IOException {
        Path bundle = Files.createDirectories(temp.resolve("acme-bundle"));
        Files.writeString(bundle.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent>
                    <groupId>org.evomerge</groupId>
                    <artifactId>evomerge-bundle-parent</artifactId>
                    <version>%1$s</version>
                    <relativePath/>
                  </parent>
                  <groupId>%2$s</groupId>
                  <artifactId>acme-evomerge</artifactId>
                  <version>2.0.0</version>
                  <packaging>pom</packaging>
                  <dependencies>
                    <dependency>
                      <groupId>org.evomerge</groupId>
                      <artifactId>evomerge-plugin-selection</artifactId>
                      <version>%1$s</version>
                      <type>zip</type>
                      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
                    </dependency>
                    <dependency>
                      <groupId>%2$s</groupId>
                      <artifactId>%3$s</artifactId>
                      <version>1.0.0</version>
                      <type>zip</type>
                      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
                    </dependency>
                  </dependencies>
                </project>
                """.formatted(version, GROUP, ARTIFACT));
        Path conf = Files.createDirectories(bundle.resolve("src/main/bundle/conf"));
        Files.writeString(conf.resolve("evomerge.yaml"), "compute:\n  backend: cpu-reference\nrun:\n  seed: 1234\n");

        Processes.Result built = stock.run(bundle, "package");
        assertEquals(0, built.exitCode(), stock + "\n" + built);
        Path home = bundle.resolve("target/acme-evomerge");
        assertTrue(Files.isRegularFile(bundle.resolve("target/acme-evomerge.tar.gz")));

        assertEquals(Set.of(ARTIFACT + "-1.0.0.zip", "evomerge-plugin-selection-" + version + ".zip"),
                names(home.resolve("plugins")), "exactly the chosen plugins");
        assertFalse(names(home.resolve("lib")).stream().anyMatch(n -> n.startsWith(ARTIFACT)),
                "plugin classes must not leak into lib/");

        Processes.Result listed = Distributions.evomerge(home, temp, temp.resolve("user"), "plugins", "list", "--json");
        assertEquals(0, listed.exitCode(), listed.toString());
        Set<String> ids = new TreeSet<>();
        JSON.readTree(listed.out()).get("plugins").forEach(p -> {
            ids.add(p.get("id").asText());
            assertEquals("started", p.get("state").asText(), listed.out());
        });
        assertEquals(Set.of(ARTIFACT, "standard-selection"), ids);

        Processes.Result config = Distributions.evomerge(home, temp, temp.resolve("user"), "config", "show", "--json");
        assertEquals(0, config.exitCode(), config.toString());
        JsonNode settings = JSON.readTree(config.out());
        assertEquals("cpu-reference", settings.get("compute.backend").get("value").asText());
        assertEquals("1234", settings.get("run.seed").get("value").asText());
        assertTrue(settings.get("run.seed").get("source").asText().endsWith("conf/evomerge.yaml"));

        Processes.Result version2 = Distributions.evomerge(home, temp, temp.resolve("user"), "--version");
        assertEquals(0, version2.exitCode(), version2.toString());
    }

    private static Set<String> extensions(JsonNode doc) {
        Set<String> result = new TreeSet<>();
        doc.get("extensions").forEach(e -> result.add(e.get("kind").asText() + ":" + e.get("id").asText() + ":"
                + e.get("plugin").asText()));
        return result;
    }

    private static Set<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            Set<String> names = new TreeSet<>();
            files.forEach(f -> names.add(f.getFileName().toString()));
            return names;
        }
    }
}
