package org.evomerge.cli.merge;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.cli.output.ByteSize;
import org.evomerge.engine.merge.MergeJob;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge merge RECIPE.yml OUT_DIR}: runs a mergekit recipe into a safetensors folder, or with
 * {@code --out-format gguf [--out-type TYPE]} into a GGUF file. It takes every option of {@code mergekit-yaml}
 * (mergekit's {@code options.py} {@code MergeOptions}), so a script written for {@code mergekit-yaml CONFIG_FILE
 * OUT_PATH [options]} runs unchanged: with mergekit's meaning where evomerge has one, else with a one-line notice.
 */
@Command(name = "merge", mixinStandardHelpOptions = true)
public final class MergeCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "RECIPE.yml", descriptionKey = "recipe")
    Path recipe;

    @Parameters(index = "1", paramLabel = "OUT_DIR", descriptionKey = "output")
    Path output;

    @Option(names = "--out-format", paramLabel = "FORMAT")
    String outFormat;

    @Option(names = "--out-type", paramLabel = "TYPE")
    String outType;

    @Option(names = "--out-shard-size", paramLabel = "SIZE", defaultValue = "5B")
    String shardSize;

    @Option(names = "--allow-overwrite")
    boolean allowOverwrite;

    @Option(names = "--strict")
    boolean strict;

    @Option(names = "--random-seed", paramLabel = "N")
    Long randomSeed;

    @Option(names = {"-j", "--num-threads"}, paramLabel = "N")
    Integer numThreads;

    @Option(names = "--copy-tokenizer", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean copyTokenizer = true;

    @Option(names = "--write-model-card", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean writeModelCard = true;

    @Option(names = "--allow-crimes", negatable = true)
    boolean allowCrimes;

    @Option(names = "--trust-remote-code", negatable = true)
    boolean trustRemoteCode;

    @Option(names = "-v")
    boolean[] verbosity = new boolean[0];

    @Option(names = "--no-quiet")
    boolean noQuiet;

    @ArgGroup(exclusive = false, validate = false,
            heading = "mergekit-yaml options that change nothing here (each prints a notice):%n")
    NoEffect noEffect = new NoEffect();

    /** mergekit-yaml's options that evomerge accepts so scripts run, and that have nothing to act on here. */
    static final class NoEffect {
        @Option(names = "--cuda", negatable = true)
        boolean cuda;

        @Option(names = "--device", paramLabel = "DEVICE")
        String device;

        @Option(names = "--read-to-gpu", negatable = true)
        boolean readToGpu;

        @Option(names = "--multi-gpu", negatable = true)
        boolean multiGpu;

        @Option(names = "--gpu-rich")
        boolean gpuRich;

        @Option(names = "--low-cpu-memory", negatable = true)
        boolean lowCpuMemory;

        @Option(names = "--lazy-unpickle", negatable = true)
        boolean lazyUnpickle;

        @Option(names = "--clone-tensors", negatable = true)
        boolean cloneTensors;

        @Option(names = "--safe-serialization", negatable = true, defaultValue = "true", fallbackValue = "true")
        boolean safeSerialization = true;

        @Option(names = "--async-write", negatable = true)
        boolean asyncWrite;

        @Option(names = "--write-threads", paramLabel = "N")
        Integer writeThreads;

        @Option(names = "--transformers-cache", paramLabel = "DIR")
        String transformersCache;

        @Option(names = "--lora-merge-cache", paramLabel = "DIR")
        String loraMergeCache;

        @Option(names = "--lora-merge-dtype", paramLabel = "DTYPE")
        String loraMergeDtype;

        /** One line per option given that has no effect, saying why. */
        List<String> notices() {
            List<String> notices = new ArrayList<>();
            String backend = "evomerge computes on its compute backend, chosen with --backend (auto, cpu, or a GPU"
                    + " backend's id; docs/gpu.md)";
            if (cuda) {
                notices.add("--cuda: " + backend);
            }
            if (device != null) {
                notices.add("--device " + device + ": " + backend);
            }
            if (readToGpu) {
                notices.add("--read-to-gpu: " + backend);
            }
            if (multiGpu) {
                notices.add("--multi-gpu: " + backend);
            }
            if (gpuRich) {
                notices.add("--gpu-rich: " + backend);
            }
            if (lowCpuMemory) {
                notices.add("--low-cpu-memory: evomerge holds a few blocks per thread (or tensors within a memory"
                        + " budget) on any backend");
            }
            if (lazyUnpickle) {
                notices.add("--lazy-unpickle: evomerge maps safetensors and GGUF files and unpickles nothing");
            }
            if (cloneTensors) {
                notices.add("--clone-tensors: evomerge writes every output tensor from its own buffer");
            }
            if (!safeSerialization) {
                notices.add("--no-safe-serialization: evomerge writes safetensors (or GGUF with --out-format gguf),"
                        + " never pickles");
            }
            if (asyncWrite) {
                notices.add("--async-write: evomerge always writes shards on a writer thread while tensors merge");
            }
            if (writeThreads != null) {
                notices.add("--write-threads " + writeThreads + ": evomerge writes shards on one writer thread");
            }
            if (transformersCache != null) {
                notices.add("--transformers-cache: evomerge reads local folders and downloads nothing");
            }
            if (loraMergeCache != null) {
                notices.add("--lora-merge-cache: evomerge does not apply LoRA references (model+lora)");
            }
            if (loraMergeDtype != null) {
                notices.add("--lora-merge-dtype: evomerge does not apply LoRA references (model+lora)");
            }
            return notices;
        }
    }

    @Mixin
    CommandOutput commandOutput;

    @Override
    public void run() {
        if (trustRemoteCode) {
            throw EvomergeException.configuration("--trust-remote-code: evomerge reads models as data and never runs"
                    + " code from a model folder, so there is nothing to trust; leave the option out");
        }
        CommandSession session = commandOutput.session();
        PrintWriter stderr = commandOutput.err();
        for (String notice : (noEffect == null ? new NoEffect() : noEffect).notices()) {
            stderr.println("evomerge: notice: " + notice + "; ignored");
        }
        Path cwd = session.environment().workingDirectory();
        Path recipeFile = cwd.resolve(recipe).normalize();
        MergeRecipe parsed = RecipeReader.read(recipeFile, strict);
        parsed.warnings().forEach(w -> stderr.println("evomerge: warning: " + w));
        stderr.flush();
        long shardBytes = parseSize(shardSize);
        // The seed reaches the run context's random root, from which each tensor forks its own by name.
        Long seed = randomSeed != null ? randomSeed
                : parsed.randomSeed().isPresent() ? Long.valueOf(parsed.randomSeed().getAsLong()) : null;
        if (seed != null) {
            session.set("run.seed", seed.toString());
        }
        if (numThreads != null) {
            session.set("compute.threads", numThreads.toString());
        }
        // --out-format overrides the configuration's output.format for this merge.
        String format = outFormat != null ? outFormat : session.settings().output().format();
        Map<String, Object> outputSettings = outputSettings(format);
        if (outFormat != null) {
            session.modelFormats().output(outFormat, "--out-format");
        }
        Path out = session.environment().resolve(output);
        long started = System.nanoTime();
        MergeJob.Result result = MergeJob.run(parsed, session.plugins().catalog(), session.modelFormats(),
                session.architectures(), session.runContext(),
                new MergeJob.Options(out, format, shardBytes, allowOverwrite, VersionProvider.evomergeVersion(), cwd,
                        copyTokenizer, writeModelCard, allowCrimes, outputSettings));
        double seconds = (System.nanoTime() - started) / 1e9;
        commandOutput.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("output", result.output().toString());
            doc.put("method", result.method());
            doc.put("tensors", result.summary().tensors());
            doc.put("bytes_read", result.summary().bytesRead());
            doc.put("bytes_written", result.summary().bytesWritten());
            doc.put("seconds", seconds);
            return doc;
        }, stdout -> stdout.printf(Locale.ROOT, "merged %d tensors with %s into %s (%s read, %s written, %.1f s)%n",
                result.summary().tensors(), result.method(), result.output(),
                ByteSize.format(result.summary().bytesRead()), ByteSize.format(result.summary().bytesWritten()),
                seconds));
    }

    /** The output format's settings: {@code --out-type} is GGUF's {@code out_type}. */
    private Map<String, Object> outputSettings(String format) {
        if (outType == null) {
            return Map.of();
        }
        if (!format.equals("gguf")) {
            throw EvomergeException.configuration("--out-type " + outType + " applies to --out-format gguf; "
                    + format + " output stores the recipe's out_dtype (or the models' dtype)");
        }
        return Map.of("out_type", outType.toLowerCase(Locale.ROOT));
    }

    private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmbgt]?)(i?b?)\\s*");

    /**
     * Sizes as mergekit's {@code --out-shard-size} reads them (K, M, B = thousand, million, billion bytes), plus the
     * usual KB/MB/GB (decimal) and KiB/MiB/GiB (binary).
     */
    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw EvomergeException.configuration("--out-shard-size: cannot read '" + text + "' (e.g. 5B, 500M, 2GB,"
                    + " 1GiB)");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2).toUpperCase(Locale.ROOT);
        String suffix = m.group(3).toLowerCase(Locale.ROOT);
        boolean binary = suffix.equals("ib");
        double scale = switch (unit) {
            case "" -> 1;
            case "K" -> binary ? 1L << 10 : 1e3;
            case "M" -> binary ? 1L << 20 : 1e6;
            case "G" -> binary ? 1L << 30 : 1e9;
            case "B" -> suffix.isEmpty() ? 1e9 : 1; // mergekit's "5B" is five billion bytes
            case "T" -> binary ? 1L << 40 : 1e12;
            default -> throw new IllegalStateException(unit);
        };
        long bytes = (long) (number * scale);
        if (bytes <= 0) {
            throw EvomergeException.configuration("--out-shard-size must be positive, got '" + text + "'");
        }
        return bytes;
    }
}
