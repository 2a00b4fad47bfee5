package org.evomerge.cli.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.cli.CliEnvironment;
import org.evomerge.cli.Main;
import org.evomerge.cli.output.ByteSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code merge}'s command line in-process, with no plugins installed: what it accepts, refuses and prints before the
 * merge method is looked up (whole merges run end to end in distribution/it: MergekitGoldenIT, MergeCommandLineIT).
 */
class MergeCommandTest {

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

    private Path recipe(String text) throws Exception {
        Path file = temp.resolve("path/to/your/config.yml");
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /** With no plugins the run stops at the method lookup: everything before it was accepted. */
    private static void assertReachedTheMethodLookup(Run r) {
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("unknown merge-method 'linear'"), r.err());
    }

    @Test
    void mergekitReadmeCommandLineIsAccepted() throws Exception {
        recipe("merge_method: linear\nmodels: [{model: a, parameters: {weight: 1}}]\n");
        // mergekit's README: mergekit-yaml path/to/your/config.yml ./output-model-directory [--cuda] [--lazy-unpickle]
        // [--allow-crimes] [... other options]
        Run r = run("merge", "path/to/your/config.yml", "./output-model-directory", "--cuda", "--lazy-unpickle",
                "--allow-crimes");
        assertReachedTheMethodLookup(r);
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.get(0).startsWith("evomerge: notice: --cuda: evomerge computes on its compute backend"),
                r.err());
        assertTrue(lines.get(1).startsWith("evomerge: notice: --lazy-unpickle: "), r.err());
        assertEquals(3, lines.size(), r.err());
    }

    @Test
    void everyMergekitYamlOptionIsAccepted() throws Exception {
        recipe("merge_method: linear\nmodels: [{model: a, parameters: {weight: 1}}]\n");
        // mergekit/options.py MergeOptions, each as click declares it (--x/--no-x for booleans).
        List<String[]> options = List.of(
                new String[] {"--allow-crimes"}, new String[] {"--no-allow-crimes"},
                new String[] {"--transformers-cache", "/tmp/hf"}, new String[] {"--lora-merge-cache", "/tmp/lora"},
                new String[] {"--lora-merge-dtype", "bfloat16"}, new String[] {"--cuda"}, new String[] {"--no-cuda"},
                new String[] {"--device", "cuda"}, new String[] {"--low-cpu-memory"},
                new String[] {"--no-low-cpu-memory"}, new String[] {"--out-shard-size", "1B"},
                new String[] {"--copy-tokenizer"}, new String[] {"--no-copy-tokenizer"},
                new String[] {"--clone-tensors"}, new String[] {"--no-clone-tensors"},
                new String[] {"--no-trust-remote-code"}, new String[] {"--random-seed", "1"},
                new String[] {"--lazy-unpickle"}, new String[] {"--no-lazy-unpickle"},
                new String[] {"--write-model-card"}, new String[] {"--no-write-model-card"},
                new String[] {"--safe-serialization"}, new String[] {"--no-safe-serialization"},
                new String[] {"-v"}, new String[] {"-vv"}, new String[] {"-v", "-v"}, new String[] {"--quiet"},
                new String[] {"--no-quiet"}, new String[] {"--read-to-gpu"}, new String[] {"--no-read-to-gpu"},
                new String[] {"--multi-gpu"}, new String[] {"--no-multi-gpu"}, new String[] {"--num-threads", "2"},
                new String[] {"-j", "2"}, new String[] {"--gpu-rich"}, new String[] {"--async-write"},
                new String[] {"--no-async-write"}, new String[] {"--write-threads", "2"});
        for (String[] option : options) {
            List<String> args = new ArrayList<>(List.of("merge", "path/to/your/config.yml", "out"));
            args.addAll(List.of(option));
            Run r = run(args.toArray(String[]::new));
            assertFalse(r.err().contains("Unknown option"), String.join(" ", option) + ": " + r.err());
            assertReachedTheMethodLookup(r);
            // The options with nothing to act on here say so on one line each; the others are silent.
            long notices = r.err().lines().filter(l -> l.startsWith("evomerge: notice: ")).count();
            boolean noEffect = List.of("--transformers-cache", "--lora-merge-cache", "--lora-merge-dtype", "--cuda",
                    "--device", "--low-cpu-memory", "--clone-tensors", "--lazy-unpickle", "--no-safe-serialization",
                    "--read-to-gpu", "--multi-gpu", "--gpu-rich", "--async-write", "--write-threads")
                    .contains(option[0]);
            assertEquals(noEffect ? 1 : 0, notices, String.join(" ", option) + ": " + r.err());
        }
    }

    @Test
    void trustRemoteCodeIsRefusedPolitely() throws Exception {
        recipe("merge_method: linear\nmodels: [{model: a}]\n");
        Run r = run("merge", "path/to/your/config.yml", "out", "--trust-remote-code");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(List.of("evomerge: error: --trust-remote-code: evomerge reads models as data and never runs code"
                + " from a model folder, so there is nothing to trust; leave the option out"), r.err().lines().toList());
        assertTrue(Files.notExists(temp.resolve("out")));
    }

    @Test
    void keysMergekitIgnoresAreAWarningOrWithStrictAnError() throws Exception {
        Path file = recipe("merge_method: linear\nmodels: [{model: a, parameters: {weight: 1}}]\nnormalize: true\n");
        Run lenient = run("merge", "path/to/your/config.yml", "out");
        assertReachedTheMethodLookup(lenient);
        assertEquals("evomerge: warning: " + file + ": unknown key 'normalize' at the top level ignored, as mergekit"
                + " ignores it (--strict refuses it)", lenient.err().lines().findFirst().orElseThrow());

        Run strict = run("merge", "path/to/your/config.yml", "out", "--strict");
        assertEquals(2, strict.exitCode(), strict.err());
        assertEquals(1, strict.err().lines().count(), strict.err());
        assertTrue(strict.err().startsWith("evomerge: error: " + file + ": unknown key 'normalize' in top level"),
                strict.err());
    }

    @Test
    void randomSeedMustBeAWholeNumber() throws Exception {
        recipe("merge_method: linear\nmodels: [{model: a}]\n");
        Run r = run("merge", "path/to/your/config.yml", "out", "--random-seed", "1.5");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--random-seed"), r.err());
    }

    @Test
    void ggufOutputOptionsAreAccepted() throws Exception {
        recipe("merge_method: linear\nmodels: [{model: a, parameters: {weight: 1}}]\n");
        // Parsed and checked against the installed formats (this test's session has no plugins).
        for (Run r : List.of(run("merge", "path/to/your/config.yml", "merged.gguf", "--out-format", "gguf",
                "--out-type", "q8_0"), run("merge", "path/to/your/config.yml", "merged.gguf", "--out-format", "gguf"))) {
            assertEquals(2, r.exitCode(), r.err());
            assertTrue(r.err().startsWith("evomerge: error: --out-format: no model format 'gguf' is installed"),
                    r.err());
        }
    }

    @Test
    void outTypeWithoutGgufOutputIsAConfigurationError() throws Exception {
        recipe("merge_method: linear\nmodels: [{model: a, parameters: {weight: 1}}]\n");
        Run r = run("merge", "path/to/your/config.yml", "out", "--out-type", "q8_0");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("evomerge: error: --out-type q8_0 applies to --out-format gguf; safetensors output stores the"
                + " recipe's out_dtype (or the models' dtype)", r.err().strip());
    }

    @Test
    void readsShardSizesAsMergekitDoes() {
        assertEquals(5_000_000_000L, MergeCommand.parseSize("5B"));
        assertEquals(500_000_000L, MergeCommand.parseSize("500M"));
        assertEquals(2_000_000_000L, MergeCommand.parseSize("2GB"));
        assertEquals(1L << 30, MergeCommand.parseSize("1GiB"));
        assertEquals(1_500_000L, MergeCommand.parseSize("1.5MB"));
        assertEquals(4096, MergeCommand.parseSize("4096"));
        assertThrows(EvomergeException.class, () -> MergeCommand.parseSize("lots"));
        assertThrows(EvomergeException.class, () -> MergeCommand.parseSize("0"));
    }

    @Test
    void sizesAreWrittenInAdaptiveDecimalUnits() {
        // A small merge used to report "0.00 GB read".
        assertEquals("0 B", ByteSize.format(0));
        assertEquals("999 B", ByteSize.format(999));
        assertEquals("1.00 KB", ByteSize.format(1000));
        assertEquals("12.35 KB", ByteSize.format(12_345));
        assertEquals("1.00 MB", ByteSize.format(999_999));
        assertEquals("2.32 GB", ByteSize.format(2_320_000_000L));
        assertEquals("5.00 GB", ByteSize.format(5_000_000_000L));
        assertEquals("1.50 TB", ByteSize.format(1_500_000_000_000L));
        assertEquals("9.22 EB", ByteSize.format(Long.MAX_VALUE));
        assertEquals("-2.00 KB", ByteSize.format(-2000));
    }
}
