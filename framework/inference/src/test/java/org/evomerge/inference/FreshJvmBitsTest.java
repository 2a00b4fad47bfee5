package org.evomerge.inference;

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
 * The forward pass gives the same bits whether its kernels run as the Vector API's Java code or JIT-compiled,
 * whatever the thread count and vector width: {@link KernelBitsProbe} runs once in a JVM limited to C1 (which does not
 * compile the Vector API's intrinsics, so every vector operation runs the Java code the interpreter runs) on one
 * thread, several rounds in a C2-only JVM with foreground compilation on three threads, where it checks that every
 * round matches the first, and on x86 with AVX2 only ({@code -XX:UseAVX=2}: 8 float lanes where AVX-512 has 16). Before
 * the reductions had a fixed order, the compiled JVM's second round already differed.
 */
class FreshJvmBitsTest {

    @TempDir
    Path temp;

    private Process probe(String name, List<String> jvmOptions, int threads, int rounds) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                "jdk.incubator.vector"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelBitsProbe.class.getName(),
                Integer.toString(threads), Integer.toString(rounds)));
        return new ProcessBuilder(command).redirectOutput(temp.resolve(name + ".out").toFile())
                .redirectError(temp.resolve(name + ".err").toFile()).start();
    }

    private String finish(String name, Process process) throws Exception {
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), name + " did not finish");
        String out = Files.readString(temp.resolve(name + ".out"));
        assertEquals(0, process.exitValue(), name + ": " + out + Files.readString(temp.resolve(name + ".err")));
        return out;
    }

    @Test
    void javaCodeAndCompiledKernelsOnOneAndThreeThreadsGiveTheSameBits() throws Exception {
        Process interpreted = probe("c1", List.of("-XX:TieredStopAtLevel=1"), 1, 1);
        Process compiled = probe("c2", List.of("-XX:-TieredCompilation", "-Xbatch"), 3, 6);
        boolean x86 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        Process avx2 = x86 ? probe("avx2", List.of("-XX:UseAVX=2"), 2, 2) : null;
        String expected = finish("c1", interpreted);
        // F32, BF16, F16, Q8_0, then Q4_0, Q4_K, Q5_K and Q6_K, then Gemma 2: one line per model.
        assertEquals(9, expected.lines().count(), expected);
        assertEquals(expected, finish("c2", compiled));
        if (avx2 != null) {
            assertEquals(expected, finish("avx2", avx2));
        }
    }
}
