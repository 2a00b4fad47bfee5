package org.evomerge.cli.merge;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.evomerge.api.context.RunContext;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.merge.MergeJob;
import org.evomerge.engine.merge.MultiMergeJob;
import org.evomerge.engine.recipe.MultiMergeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge multi CONFIG.yml OUT_DIR}: mergekit-multi's configuration (several recipes as the documents of one
 * YAML file, each named but the final one, each free to use an earlier one by name) run in dependency order, each
 * merge cached by content ({@link MultiMergeJob}).
 */
@Command(name = "multi", mixinStandardHelpOptions = true)
public final class MultiCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "CONFIG.yml", descriptionKey = "config")
    Path config;

    @Parameters(index = "1", paramLabel = "OUT_DIR", descriptionKey = "output")
    Path output;

    @Option(names = {"-I", "--intermediate-dir"}, paramLabel = "DIR")
    Path intermediateDir;

    @Option(names = "--lazy", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean lazy = true;

    @Option(names = "--allow-overwrite")
    boolean allowOverwrite;

    @Option(names = "--strict")
    boolean strict;

    @Option(names = "--out-shard-size", paramLabel = "SIZE", defaultValue = "5B")
    String shardSize;

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

    @Mixin
    CommandOutput commandOutput;

    @Override
    public void run() {
        CommandSession session = commandOutput.session();
        PrintWriter stderr = commandOutput.err();
        Path cwd = session.environment().workingDirectory();
        MultiMergeConfig parsed = MultiMergeConfig.read(cwd.resolve(config).normalize(), strict);
        parsed.merges().forEach(m -> m.recipe().warnings().forEach(w -> stderr.println("evomerge: warning: " + w)));
        stderr.flush();
        long shardBytes = MergeCommand.parseSize(shardSize);
        if (numThreads != null) {
            session.set("compute.threads", numThreads.toString());
        }
        Path out = session.environment().resolve(output);
        // With a final merge, OUT_DIR is its folder and the named merges go beside it; without one, OUT_DIR holds
        // the named merges.
        Path intermediates = intermediateDir != null ? session.environment().resolve(intermediateDir)
                : parsed.finalMerge().isPresent() ? out.resolveSibling(out.getFileName() + "-intermediates") : out;
        String settings = "format=safetensors shard=" + shardBytes + " seed=" + randomSeed + " tokenizer="
                + copyTokenizer + " card=" + writeModelCard + " crimes=" + allowCrimes;
        RunContext context = session.runContext();
        long started = System.nanoTime();
        List<MultiMergeJob.Step> steps = MultiMergeJob.run(parsed,
                new MultiMergeJob.Options(out, intermediates, lazy, allowOverwrite, cwd, settings,
                        VersionProvider.evomergeVersion()),
                (recipe, folder, overwrite) -> {
                    // The seed of each merge: --random-seed, else the document's random_seed, else the run's.
                    RunContext merge = randomSeed != null || recipe.randomSeed().isPresent()
                            ? context.child(new SeededRandomSource(randomSeed != null ? randomSeed
                                    : recipe.randomSeed().getAsLong()), context.progress(), context.threads(),
                                    Map.of())
                            : context;
                    return MergeJob.run(recipe, session.plugins().catalog(), session.modelFormats(),
                            session.architectures(), merge,
                            new MergeJob.Options(folder, "safetensors", shardBytes, overwrite,
                                    VersionProvider.evomergeVersion(), cwd, copyTokenizer, writeModelCard,
                                    allowCrimes, Map.of()));
                },
                line -> {
                    stderr.println("evomerge: " + line);
                    stderr.flush();
                });
        double seconds = (System.nanoTime() - started) / 1e9;
        commandOutput.print(() -> {
            List<Object> merges = new ArrayList<>();
            for (MultiMergeJob.Step step : steps) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("name", step.label());
                doc.put("output", step.output().toString());
                doc.put("reused", step.merged().isEmpty());
                doc.put("key", step.key());
                step.merged().ifPresent(r -> {
                    doc.put("method", r.method());
                    doc.put("tensors", r.summary().tensors());
                });
                merges.add(doc);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("merges", merges);
            doc.put("seconds", seconds);
            return doc;
        }, stdout -> {
            for (MultiMergeJob.Step step : steps) {
                stdout.printf(Locale.ROOT, "%s: %s %s%n", step.label(),
                        step.merged().map(r -> "merged " + r.summary().tensors() + " tensors with " + r.method()
                                + " into").orElse("reused"), step.output());
            }
            stdout.printf(Locale.ROOT, "%d merges (%d reused) in %.1f s%n", steps.size(),
                    steps.stream().filter(s -> s.merged().isEmpty()).count(), seconds);
        });
    }
}
