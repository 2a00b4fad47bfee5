package org.evomerge.cli.lora;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.evomerge.api.model.Model;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.lora.LoraExtraction;
import org.evomerge.engine.lora.LoraExtraction.ModuleResult;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge extract-lora --model FINETUNED --base BASE --rank R OUT_DIR}: a PEFT LoRA adapter approximating
 * {@code FINETUNED - BASE} ({@link LoraExtraction}), with mergekit-extract-lora's options, and each module's relative
 * reconstruction error. The adapter goes back in as {@code BASE+OUT_DIR}.
 */
@Command(name = "extract-lora", mixinStandardHelpOptions = true)
public final class ExtractLoraCommand implements Runnable {

    /** The format PEFT adapters are written in. */
    static final String SAFETENSORS = "safetensors";

    @Option(names = "--model", required = true, paramLabel = "FINETUNED")
    Path model;

    @Option(names = {"--base", "--base-model"}, required = true, paramLabel = "BASE", descriptionKey = "base")
    Path base;

    @Parameters(index = "0", paramLabel = "OUT_DIR", descriptionKey = "output")
    Path output;

    @Option(names = {"--rank", "--max-rank"}, paramLabel = "R", defaultValue = "128", descriptionKey = "rank")
    int rank;

    @Option(names = "--sv-epsilon", paramLabel = "EPS", defaultValue = "0")
    double svEpsilon;

    @Option(names = {"-i", "--include-regex"}, paramLabel = "REGEX", descriptionKey = "include-regex")
    List<String> include = new ArrayList<>();

    @Option(names = {"-e", "--exclude-regex"}, paramLabel = "REGEX", descriptionKey = "exclude-regex")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--embed-lora", negatable = true, defaultValue = "false")
    boolean embedLora;

    @Option(names = "--save-module", paramLabel = "MODULE")
    List<String> saveModules = new ArrayList<>();

    @Option(names = "--skip-undecomposable")
    boolean skipUndecomposable;

    @Option(names = "--distribute-scale", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean distributeScale;

    @Option(names = "--svd", paramLabel = "METHOD", defaultValue = "auto")
    String svd;

    @Mixin
    CommandOutput commandOutput;

    @Override
    public void run() {
        LoraExtraction.SvdMethod method = switch (svd.toLowerCase(Locale.ROOT)) {
            case "auto" -> LoraExtraction.SvdMethod.AUTO;
            case "exact" -> LoraExtraction.SvdMethod.EXACT;
            case "randomized" -> LoraExtraction.SvdMethod.RANDOMIZED;
            default -> throw new picocli.CommandLine.ParameterException(commandOutput.commandLine(),
                    "--svd: '" + svd + "' is not one of auto, exact, randomized");
        };
        CommandSession session = commandOutput.session();
        LoraExtraction.Options options = new LoraExtraction.Options(rank, svEpsilon, include, exclude, embedLora,
                saveModules, skipUndecomposable, distributeScale, method, session.runContext().random().seed());
        Path finetunedPath = session.environment().resolveModel(model);
        Path basePath = session.environment().resolveModel(base);
        Path target = session.environment().resolve(output);
        ModelFormats formats = session.modelFormats();
        long started = System.nanoTime();
        LoraExtraction.Result result;
        try (Model finetuned = formats.open(finetunedPath); Model baseModel = formats.open(basePath)) {
            ModelFormats.requireConfig(finetuned);
            result = LoraExtraction.run(finetuned, baseModel,
                    session.architectures().findOrGeneric(finetuned.config()),
                    formats.output(SAFETENSORS, "extract-lora").format(), options, target, base.toString(),
                    card(), module -> { });
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        commandOutput.print(() -> document(result, seconds), out -> printText(out, result, seconds));
    }

    /** The model card, as mergekit writes one for an extracted LoRA: what it was made from, and how. */
    private String card() {
        return "---\nbase_model: " + base + "\nlibrary_name: peft\ntags:\n- evomerge\n- lora\n---\n\n"
                + "# " + output.getFileName() + "\n\n"
                + "A LoRA adapter extracted with evomerge " + VersionProvider.evomergeVersion() + " (`evomerge"
                + " extract-lora`, mergekit-extract-lora's method): the best rank-" + rank + " approximation of each"
                + " linear weight's difference between the fine-tuned model and its base, by truncated SVD.\n\n"
                + "- fine-tuned model: `" + model + "`\n"
                + "- base model: `" + base + "`\n\n"
                + "Apply it with PEFT, or in evomerge as `" + base + "+" + output.getFileName() + "`.\n";
    }

    private Map<String, Object> document(LoraExtraction.Result result, double seconds) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", model.toString());
        doc.put("base", base.toString());
        doc.put("output", result.output().toString());
        doc.put("rank", result.rank());
        List<Map<String, Object>> modules = new ArrayList<>();
        for (ModuleResult m : result.modules()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("module", m.module());
            entry.put("kind", m.kind());
            entry.put("shape", m.shape().dims());
            entry.put("rank", m.rank());
            entry.put("relative_error", Double.isNaN(m.relativeError()) ? null : m.relativeError());
            modules.add(entry);
        }
        doc.put("modules", modules);
        doc.put("seconds", seconds);
        return doc;
    }

    private static void printText(PrintWriter out, LoraExtraction.Result result, double seconds) {
        TextTable table = new TextTable("MODULE", "KIND", "SHAPE", "RANK", "REL. ERROR");
        for (ModuleResult m : result.modules()) {
            table.row(m.module(), m.kind(), m.shape().toString(), m.kind().startsWith("lora")
                    ? Integer.toString(m.rank()) : "-", LoraExtraction.percent(m.relativeError()));
        }
        table.print(out);
        long decomposed = result.modules().stream().filter(m -> m.kind().startsWith("lora")).count();
        long saved = result.modules().stream().filter(m -> m.kind().equals("save")).count();
        out.printf(Locale.ROOT, "%nwrote a PEFT LoRA adapter of rank %d into %s (%d modules decomposed, %d saved"
                + " whole; %.1f s)%n", result.rank(), result.output(), decomposed, saved, seconds);
    }
}
