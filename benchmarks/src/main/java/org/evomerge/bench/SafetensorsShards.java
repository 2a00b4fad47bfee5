package org.evomerge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The {@code .safetensors} files of a model folder, as the benchmarks read and size them. */
final class SafetensorsShards {

    private SafetensorsShards() {
    }

    /** The folder's {@code .safetensors} files, by name. */
    static List<Path> of(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    /** Their total size in bytes. */
    static long bytes(Path folder) throws IOException {
        long sum = 0;
        for (Path p : of(folder)) {
            sum += Files.size(p);
        }
        return sum;
    }
}
