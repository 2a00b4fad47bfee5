package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -DskipTests} skips these end-to-end tests, as it skips every other test, and a plain build runs them:
 * checked on a copy of this module's POM that holds one end-to-end test of its own, built both ways (the copy, so that
 * the nested builds do not write into the running module's target folder).
 */
class SkipTestsIT {

    @TempDir
    Path temp;

    @Test
    void skipTestsSkipsTheEndToEndTestsAndAPlainBuildRunsThem() throws IOException {
        Path root = Path.of(System.getProperty("evomerge.root")).toAbsolutePath().normalize();
        Path project = Files.createDirectories(temp.resolve("it-copy"));
        String pom = Files.readString(root.resolve("distribution/it/pom.xml"));
        String parent = "<relativePath>../../pom.xml</relativePath>";
        assertTrue(pom.contains(parent), "distribution/it/pom.xml no longer names its parent as " + parent);
        Files.writeString(project.resolve("pom.xml"), pom.replace(parent,
                "<relativePath>" + project.relativize(root.resolve("pom.xml")) + "</relativePath>"));
        Path sources = Files.createDirectories(project.resolve("src/test/java/probe"));
        Files.writeString(sources.resolve("ProbeIT.java"),
                "package probe; class ProbeIT { @org.junit.jupiter.api.Test void runs() {} }\n");
        Path report = project.resolve("target/failsafe-reports/TEST-probe.ProbeIT.xml");

        Processes.Result skipped = Processes.maven(project, "verify", "-DskipTests");
        assertEquals(0, skipped.exitCode(), skipped.toString());
        assertTrue(Files.isRegularFile(project.resolve("target/test-classes/probe/ProbeIT.class")),
                "-DskipTests still compiles the tests");
        assertFalse(Files.exists(report), "-DskipTests ran the end-to-end tests");

        Processes.Result plain = Processes.maven(project, "verify");
        assertEquals(0, plain.exitCode(), plain.toString());
        assertTrue(Files.isRegularFile(report), "a plain build did not run the end-to-end tests");
        String summary = Files.readString(report);
        assertTrue(summary.contains("tests=\"1\"") && summary.contains("failures=\"0\""), summary);
    }
}
