package org.evomerge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs commands as a user would, with a time limit, capturing both streams. */
final class Processes {

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Processes() {
    }

    static Result run(Path workingDirectory, Map<String, String> environment, long timeoutSeconds, List<String> command) {
        try {
            Path out = Files.createTempFile("it-out", ".txt");
            Path err = Files.createTempFile("it-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                            Path.of("/dev/null").toFile()));
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
            }
            // The launcher filters stderr through a child process; give it a moment to drain.
            process.onExit().get(5, TimeUnit.SECONDS);
            Thread.sleep(50);
            Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The project's Maven wrapper with the same local repository as the outer build, quiet and in batch mode. */
    static Result maven(Path workingDirectory, String... args) {
        return maven(Path.of(System.getProperty("evomerge.root")).resolve("mvnw"), Map.of(), workingDirectory, args);
    }

    /**
     * The Maven command {@code mvn} (a wrapper script, or a Maven's {@code bin/mvn}) with the same local repository
     * as the outer build, quiet and in batch mode.
     */
    static Result maven(Path mvn, Map<String, String> environment, Path workingDirectory, String... args) {
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-q",
                "-Dmaven.repo.local=" + System.getProperty("evomerge.localRepository")));
        command.addAll(List.of(args));
        return run(workingDirectory, environment, 600, command);
    }
}
