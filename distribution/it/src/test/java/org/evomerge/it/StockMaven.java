package org.evomerge.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A stock Apache Maven 3.8, the oldest Maven that the parents of a third party's plugin and bundle accept: the
 * {@code mvn} on the {@code PATH} when that is a 3.8 (Debian 12's is 3.8.7), or else Maven {@value #FALLBACK} from
 * Maven Central, unpacked into a folder of the test, so that the test needs no Maven installed on the machine.
 */
record StockMaven(Path mvn, String version) {

    static final String FALLBACK = "3.8.8";

    private static final Pattern VERSION = Pattern.compile("Apache Maven (\\d+\\.\\d+\\.\\d+)");

    /** Finds or fetches one; {@code scratch} receives the fetched one. */
    static StockMaven find(Path scratch) {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(folder.isEmpty() ? "." : folder, "mvn");
            if (Files.isExecutable(candidate)) {
                Optional<String> version = version(candidate);
                if (version.isPresent() && version.get().startsWith("3.8.")) {
                    return new StockMaven(candidate, version.get());
                }
                break; // the mvn a user would run is another version
            }
        }
        return fetch(scratch);
    }

    /**
     * Runs it quiet and in batch mode with the outer build's local repository and {@code JAVA_HOME} at the JDK that
     * runs the tests (a JDK 25; Debian's {@code mvn} would otherwise take the system's default JDK).
     */
    Processes.Result run(Path workingDirectory, String... args) {
        return Processes.maven(mvn, javaHome(), workingDirectory, args);
    }

    @Override
    public String toString() {
        return "Maven " + version + " (" + mvn + ")";
    }

    private static Optional<String> version(Path mvn) {
        Processes.Result result = Processes.run(Path.of("."), javaHome(), 60, List.of(mvn.toString(), "-B", "-v"));
        Matcher matcher = VERSION.matcher(result.out());
        return result.exitCode() == 0 && matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    private static Map<String, String> javaHome() {
        return Map.of("JAVA_HOME", System.getProperty("java.home"));
    }

    /** Resolves the binary distribution through the outer build's Maven (its local repository and settings). */
    private static StockMaven fetch(Path scratch) {
        Processes.Result copied = Processes.maven(scratch,
                "org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy",
                "-Dartifact=org.apache.maven:apache-maven:" + FALLBACK + ":zip:bin", "-DoutputDirectory=" + scratch);
        if (copied.exitCode() != 0) {
            throw new AssertionError("cannot fetch Maven " + FALLBACK + " from Maven Central\n" + copied);
        }
        Path home = scratch.resolve("apache-maven-" + FALLBACK);
        unzip(scratch.resolve("apache-maven-" + FALLBACK + "-bin.zip"), scratch);
        Path mvn = home.resolve("bin/mvn");
        if (!mvn.toFile().setExecutable(true, false)) { // a zip's entries carry no file modes that Java restores
            throw new AssertionError("cannot make " + mvn + " executable");
        }
        String version = version(mvn).orElseThrow(() -> new AssertionError(mvn + " -v printed no Maven version"));
        return new StockMaven(mvn, version);
    }

    private static void unzip(Path zip, Path target) {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (Enumeration<? extends ZipEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                Path destination = target.resolve(entry.getName()).normalize();
                if (!destination.startsWith(target)) {
                    throw new AssertionError(zip + ": entry outside the archive's folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                } else {
                    Files.createDirectories(destination.getParent());
                    try (InputStream in = file.getInputStream(entry)) {
                        Files.copy(in, destination);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
