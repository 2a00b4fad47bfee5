package org.evomerge.cli.merge;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.EvomergeCommand;
import org.evomerge.cli.VersionProvider;
import org.evomerge.cli.output.JsonOutput;
import org.evomerge.engine.merge.MergeJob;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code evomerge merge RECIPE.yml OUT_DIR}: runs a mergekit recipe. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge models with a mergekit recipe.",
                "The recipe gives models: or slices:, base_model, parameters with gradients and filters, dtype and"
                        + " out_dtype. Streams one tensor at a time; the output appears only when complete. Random"
                        + " methods depend only on --seed; --threads never changes the result."})
public final class MergeCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "RECIPE.yml", description = "The recipe (mergekit's YAML format).")
    Path recipe;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "The output model folder.")
    Path output;

    @Option(names = "--out-shard-size", paramLabel = "SIZE", defaultValue = "5B",
            description = "Largest output shard, as mergekit writes it: 5B = 5 billion bytes, also K, M, KB, MB, GB,"
                    + " KiB, MiB, GiB (default ${DEFAULT-VALUE}).")
    String shardSize;

    @Option(names = "--allow-overwrite", description = "Replace an existing model in OUT_DIR.")
    boolean allowOverwrite;

    @Option(names = "--json", description = "Print a JSON summary.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        CommandSession session = EvomergeCommand.session(spec);
        Path cwd = session.environment().workingDirectory();
        Path recipeFile = cwd.resolve(recipe).normalize();
        MergeRecipe parsed = RecipeReader.read(recipeFile);
        long shardBytes = parseSize(shardSize);
        Path out = cwd.resolve(output).toAbsolutePath().normalize();
        long started = System.nanoTime();
        MergeJob.Result result = MergeJob.run(parsed, session.plugins().catalog(), session.modelFormats(),
                session.architectures(), session.runContext(),
                new MergeJob.Options(out, shardBytes, allowOverwrite, VersionProvider.evomergeVersion(), cwd));
        double seconds = (System.nanoTime() - started) / 1e9;
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("output", result.output().toString());
            doc.put("method", result.method());
            doc.put("tensors", result.summary().tensors());
            doc.put("bytes_read", result.summary().bytesRead());
            doc.put("bytes_written", result.summary().bytesWritten());
            doc.put("seconds", seconds);
            JsonOutput.print(stdout, doc);
        } else {
            stdout.printf(Locale.ROOT, "merged %d tensors with %s into %s (%.2f GB read, %.2f GB written, %.1f s)%n",
                    result.summary().tensors(), result.method(), result.output(), result.summary().bytesRead() / 1e9,
                    result.summary().bytesWritten() / 1e9, seconds);
            stdout.flush();
        }
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
