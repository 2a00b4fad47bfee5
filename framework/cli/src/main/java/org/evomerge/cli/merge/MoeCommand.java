package org.evomerge.cli.merge;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.evomerge.api.context.RunContext;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.model.Model;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.moe.MoeMerge;
import org.evomerge.engine.moe.MoeMergeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge moe CONFIG.yml OUT_DIR}: mergekit-moe's configuration, merged into a mixture of experts
 * ({@link MoeMerge}): Mixtral, which evomerge's inference engine runs, so it can be evaluated and evolved like any
 * model, or Qwen MoE / DeepSeek MoE.
 * Model references in the configuration are relative to the working directory, as in mergekit.
 */
@Command(name = "moe", mixinStandardHelpOptions = true)
public final class MoeCommand implements Runnable {

    /** The format transformers checkpoints are written in. */
    private static final String SAFETENSORS = "safetensors";

    @Parameters(index = "0", paramLabel = "CONFIG.yml", descriptionKey = "config")
    Path config;

    @Parameters(index = "1", paramLabel = "OUT_DIR", descriptionKey = "output")
    Path output;

    @Option(names = "--i-understand-this-is-not-useful-without-training", descriptionKey = "allow-all-same")
    boolean allowAllSame;

    @Option(names = "--allow-overwrite")
    boolean allowOverwrite;

    @Option(names = "--out-shard-size", paramLabel = "SIZE", defaultValue = "5B")
    String shardSize;

    @Option(names = "--random-seed", paramLabel = "N")
    Long randomSeed;

    @Option(names = "--copy-tokenizer", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean copyTokenizer = true;

    @Mixin
    CommandOutput commandOutput;

    @Override
    public void run() {
        CommandSession session = commandOutput.session();
        Path cwd = session.environment().workingDirectory();
        MoeMergeConfig parsed = MoeMergeConfig.read(cwd.resolve(config).normalize());
        long shardBytes = MergeCommand.parseSize(shardSize);
        Path target = session.environment().resolve(output);
        RunContext context = session.runContext();
        if (randomSeed != null) {
            context = context.child(new SeededRandomSource(randomSeed), context.progress(), context.threads(),
                    Map.of());
        }
        ModelFormats formats = session.modelFormats();
        InferenceEngine engine = context.service(InferenceEngine.class).orElse(null);
        Map<String, Model> opened = new LinkedHashMap<>();
        long started = System.nanoTime();
        MoeMerge.Result result;
        try {
            result = MoeMerge.run(parsed, reference -> opened.computeIfAbsent(reference, r -> {
                Model model = formats.open(session.environment().resolveModel(Path.of(r)));
                ModelFormats.requireConfig(model);
                return model;
            }), engine, formats.output(SAFETENSORS, "moe").format(), target, context,
                    new MoeMerge.Options(allowAllSame, allowOverwrite, shardBytes, copyTokenizer,
                            VersionProvider.evomergeVersion()));
        } finally {
            opened.values().forEach(Model::close);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Integer> degenerate = result.degenerateGateLayers();
        if (!degenerate.isEmpty()) {
            commandOutput.err().println("evomerge: warning: the gates of layer" + (degenerate.size() > 1 ? "s " : " ")
                    + degenerate.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + " are nearly linearly dependent (condition number above 5): the prompts may be too similar,"
                    + " and some experts will rarely be chosen");
            commandOutput.err().flush();
        }
        commandOutput.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("output", result.output().toString());
            doc.put("architecture", result.architecture().displayName());
            doc.put("layers", result.layers());
            doc.put("experts", result.experts());
            doc.put("experts_per_token", result.expertsPerToken());
            doc.put("gate_mode", result.gateMode());
            doc.put("dtype", MoeMerge.torchName(result.dtype()));
            doc.put("tensors", result.tensors());
            doc.put("seconds", seconds);
            return doc;
        }, out -> out.printf(Locale.ROOT, "wrote a %s mixture of %d experts (%d per token, %d layers, gate mode %s,"
                + " %s, %d tensors) into %s in %.1f s%n", result.architecture().displayName(), result.experts(),
                result.expertsPerToken(), result.layers(), result.gateMode(),
                MoeMerge.torchName(result.dtype()), result.tensors(), result.output(), seconds));
    }
}
