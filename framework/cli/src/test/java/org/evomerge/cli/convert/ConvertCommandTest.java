package org.evomerge.cli.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.evomerge.cli.CliEnvironment;
import org.evomerge.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert}'s command line in-process, with no plugins installed: its usage and the one-line errors before a
 * model is read (conversions run end to end in distribution/it: GgufIT).
 */
class ConvertCommandTest {

    @TempDir
    Path temp;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.createDirectories(home.resolve("plugins"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(Optional.of(home), Map.of("XDG_CONFIG_HOME",
                temp.resolve("config").toString(), "XDG_CACHE_HOME", temp.resolve("cache").toString()), temp, temp,
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(Main.run(args, cli), out.toString(), err.toString());
    }

    @Test
    void helpNamesTheOutputTypes() throws Exception {
        Run r = run("convert", "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Usage: evomerge convert"), r.out());
        for (String type : new String[] {"auto", "f32", "f16", "bf16", "q8_0", "q4_0"}) {
            assertTrue(r.out().contains(type), type + " in " + r.out());
        }
    }

    @Test
    void aMissingModelIsAnInputError() throws Exception {
        Run r = run("convert", "nowhere", "out.gguf");
        assertEquals(3, r.exitCode(), r.err());
        assertEquals("evomerge: error: " + temp.resolve("nowhere") + ": no such file or folder", r.err().strip());
    }

    @Test
    void bothArgumentsAreRequired() throws Exception {
        Run r = run("convert", "model");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("OUT.gguf"), r.err());
    }
}
