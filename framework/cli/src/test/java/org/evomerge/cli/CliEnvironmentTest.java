package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.lora.LoraReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models named on the command line: paths, and LoRA references resolved part by part. */
class CliEnvironmentTest {

    @TempDir
    Path temp;

    private CliEnvironment environment() {
        return new CliEnvironment(Optional.empty(), Map.of(), temp, temp.resolve("work"),
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    @Test
    void bothPartsOfAModelPlusAdapterAreResolvedInTheWorkingDirectory() throws IOException {
        CliEnvironment environment = environment();
        assertEquals(new LoraReference(temp.resolve("models/base"), temp.resolve("work/adapter")).path(),
                environment.resolveModel(Path.of("../models/base+adapter")));
        assertEquals(temp.resolve("work/plain"), environment.resolveModel(Path.of("plain")));
        // a folder whose name holds a '+' is a folder
        Files.createDirectories(temp.resolve("work/a+b"));
        assertEquals(temp.resolve("work/a+b"), environment.resolveModel(Path.of("a+b")));
    }

    @Test
    void hubIdsResolveInTheHubCacheOfTheEnvironment() throws IOException {
        Path repository = temp.resolve("hf/hub/models--org--tiny");
        Files.createDirectories(repository.resolve("refs"));
        Files.writeString(repository.resolve("refs/main"), "abc123");
        Files.writeString(repository.resolve("refs/v1"), "def456");
        Files.createDirectories(repository.resolve("snapshots/abc123"));
        Files.createDirectories(repository.resolve("snapshots/def456"));
        CliEnvironment environment = new CliEnvironment(Optional.empty(), Map.of("HF_HOME",
                temp.resolve("hf").toString()), temp, temp.resolve("work"), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()));
        assertEquals(repository.resolve("snapshots/abc123"), environment.resolveModel(Path.of("org/tiny")));
        assertEquals(repository.resolve("snapshots/def456"), environment.resolveModel(Path.of("org/tiny@v1")));
        assertEquals(repository.resolve("snapshots/abc123"), environment.resolveModel(Path.of("org/tiny@abc123")));
        // a local folder of that name wins, as in mergekit
        Files.createDirectories(temp.resolve("work/org/tiny"));
        assertEquals(temp.resolve("work/org/tiny"), environment.resolveModel(Path.of("org/tiny")));
        EvomergeException missing = assertThrows(EvomergeException.class,
                () -> environment.resolveModel(Path.of("org/other@v2")));
        assertEquals("command line: model 'org/other@v2' is not " + temp.resolve("work/org/other@v2") + " and not in"
                + " the Hugging Face hub cache (no " + temp.resolve("hf/hub/models--org--other") + "); evomerge reads"
                + " models offline and downloads nothing: fetch it first (huggingface-cli download org/other), or"
                + " set HF_HUB_CACHE or HF_HOME to the cache that holds it", missing.getMessage());
    }
}
