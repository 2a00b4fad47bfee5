package org.evomerge.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads a tokenizer in a fresh JVM whose home is empty and whose every network connection attempt is recorded and
 * refused: the native library must come out of the jar into {@code ~/.cache/evomerge/djl}, with no download.
 */
class OfflineLoadingTest {

    @TempDir
    Path home;

    @Test
    void loadsFromTheJarIntoTheUserCacheWithoutNetwork() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path tokenizer = ReferenceEncodingsTest.FIXTURES.resolve("sentencepiece-bpe").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Duser.home=" + home, "-cp",
                System.getProperty("java.class.path"), Probe.class.getName(), tokenizer.toString());
        builder.environment().remove("ENGINE_CACHE_DIR");
        builder.environment().remove("DJL_CACHE_DIR");
        builder.environment().remove("XDG_CACHE_HOME");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("ids=[1, 299]"), output);
        assertTrue(output.contains("connections=[]"), output);
        Path cache = home.resolve(".cache/evomerge/djl/tokenizers");
        try (Stream<Path> files = Files.walk(cache)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("libtokenizers")),
                    "native library extracted under " + cache);
        }
    }

    /** Runs in the child JVM: refuses and records every connection, then loads and encodes. */
    public static final class Probe {
        public static void main(String[] args) {
            List<String> attempts = new ArrayList<>();
            ProxySelector.setDefault(new ProxySelector() {
                @Override
                public List<Proxy> select(URI uri) {
                    attempts.add(uri.toString());
                    throw new IllegalStateException("network access attempted: " + uri);
                }

                @Override
                public void connectFailed(URI uri, SocketAddress address, IOException e) {
                    attempts.add(uri.toString());
                }
            });
            try (HuggingFaceTokenizers tokenizers = new HuggingFaceTokenizers()) {
                int[] ids = tokenizers.load(Path.of(args[0])).encode("the", true);
                System.out.println("ids=" + Arrays.toString(ids));
            }
            System.out.println("connections=" + attempts);
        }
    }
}
