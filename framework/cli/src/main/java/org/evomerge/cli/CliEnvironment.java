package org.evomerge.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.lora.LoraReference;
import org.evomerge.engine.model.HubCacheModels;

/**
 * What the command line runs in: the distribution's home folder, the process environment, the user's home, the
 * working folder and the output streams. Tests build their own instead of touching the real process.
 *
 * @param home       the distribution folder holding {@code plugins/} and {@code conf/}, if known
 * @param environment environment variables
 * @param userHome   the user's home folder
 * @param workingDirectory where relative paths on the command line are resolved
 * @param out        standard output
 * @param err        standard error
 */
public record CliEnvironment(
        Optional<Path> home,
        Map<String, String> environment,
        Path userHome,
        Path workingDirectory,
        PrintWriter out,
        PrintWriter err) {

    public CliEnvironment {
        environment = Map.copyOf(environment);
    }

    /** A path given on the command line: absolute, against {@link #workingDirectory()}, and normalised. */
    public Path resolve(Path commandLinePath) {
        return workingDirectory.resolve(commandLinePath).toAbsolutePath().normalize();
    }

    /**
     * A model named on the command line: a path as {@link #resolve}, a LoRA reference {@code MODEL+ADAPTER} whose
     * two parts are resolved so (answered as {@link LoraReference#path()}), or a Hub id {@code org/name[@revision]}
     * of the local Hugging Face hub cache of {@link #environment()} ({@link HubCacheModels}).
     */
    public Path resolveModel(Path commandLinePath) {
        Path whole = resolve(commandLinePath);
        if (Files.exists(whole)) {
            return whole;
        }
        String text = commandLinePath.toString();
        Optional<String[]> lora = LoraReference.split(text);
        if (lora.isPresent()) {
            return new LoraReference(resolveModel(Path.of(lora.get()[0])), resolveModel(Path.of(lora.get()[1])))
                    .path();
        }
        try {
            return HubCacheModels.of(environment, userHome).resolve(text, "command line", List.of(whole))
                    .orElse(whole);
        } catch (EvomergeException notCached) {
            // a model named on the command line that is not there is bad input, as a missing folder is
            throw EvomergeException.input(notCached.getMessage(), notCached);
        }
    }

    /** The real process: home from {@code -Devomerge.home} (set by {@code bin/evomerge}). */
    public static CliEnvironment fromSystem() {
        String home = System.getProperty("evomerge.home");
        return new CliEnvironment(
                home == null || home.isBlank() ? Optional.empty() : Optional.of(Path.of(home).toAbsolutePath()),
                System.getenv(),
                Path.of(System.getProperty("user.home")),
                Path.of("").toAbsolutePath(),
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true));
    }

    /** The distribution's own plugin folder. */
    public Optional<Path> pluginsFolder() {
        return home.map(h -> h.resolve("plugins"));
    }

    /** The distribution's default configuration file. */
    public Optional<Path> distributionConfig() {
        return home.map(h -> h.resolve("conf").resolve("evomerge.yaml"));
    }
}
