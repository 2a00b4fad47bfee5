package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
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
}
