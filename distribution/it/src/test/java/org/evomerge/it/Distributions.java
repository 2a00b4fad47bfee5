package org.evomerge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The built distribution, and private copies of it that tests may change. */
final class Distributions {

    private Distributions() {
    }

    static Path built() {
        Path home = Path.of(System.getProperty("evomerge.distribution")).toAbsolutePath().normalize();
        if (!Files.isExecutable(home.resolve("bin/evomerge"))) {
            throw new IllegalStateException("no distribution at " + home + "; build it with ./mvnw install");
        }
        return home;
    }

    static Path copy(Path source, Path target) {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path destination = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(file, destination, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code bin/evomerge} of {@code home} from {@code workingDirectory}, with a private user home and plugin
     * cache so the machine's own configuration cannot leak in.
     */
    static Processes.Result evomerge(Path home, Path workingDirectory, Path userHome, String... args) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/evomerge").toString());
        command.addAll(List.of(args));
        return Processes.run(workingDirectory, Map.of("HOME", userHome.toString(),
                "XDG_CONFIG_HOME", userHome.resolve(".config").toString(),
                "XDG_CACHE_HOME", userHome.resolve(".cache").toString()), 120, command);
    }
}
