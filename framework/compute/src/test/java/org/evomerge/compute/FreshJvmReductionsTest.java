package org.evomerge.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vector backend's reductions give the same bits whether they run as the Vector API's Java code or
 * JIT-compiled: {@link ReductionBitsProbe} runs in a JVM limited to C1 (which does not compile the Vector API's
 * intrinsics: every vector operation runs the Java code the interpreter runs) and in a C2-only JVM with foreground
 * compilation over several rounds. With {@code reduceLanes(ADD)} the two added the lanes in different orders.
 */
class FreshJvmReductionsTest {

    @TempDir
    Path temp;

    private Process probe(String name, List<String> jvmOptions, int rounds) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                "jdk.incubator.vector"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReductionBitsProbe.class.getName(),
                Integer.toString(rounds)));
        return new ProcessBuilder(command).redirectOutput(temp.resolve(name + ".out").toFile())
                .redirectError(temp.resolve(name + ".err").toFile()).start();
    }

    private String finish(String name, Process process) throws Exception {
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), name + " did not finish");
        String out = Files.readString(temp.resolve(name + ".out"));
        assertEquals(0, process.exitValue(), name + ": " + out + Files.readString(temp.resolve(name + ".err")));
        return out;
    }

    @Test
    void javaCodeAndCompiledReductionsGiveTheSameBits() throws Exception {
        Process interpreted = probe("c1", List.of("-XX:TieredStopAtLevel=1"), 1);
        Process compiled = probe("c2", List.of("-XX:-TieredCompilation", "-Xbatch"), 30);
        String expected = finish("c1", interpreted);
        String actual = finish("c2", compiled);
        assertEquals(6, expected.lines().count(), expected);
        assertEquals(expected, actual);
    }
}
