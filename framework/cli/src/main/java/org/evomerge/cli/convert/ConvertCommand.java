package org.evomerge.cli.convert;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.EvomergeCommand;
import org.evomerge.cli.VersionProvider;
import org.evomerge.cli.output.ByteSize;
import org.evomerge.cli.output.JsonOutput;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code evomerge convert MODEL OUT.gguf [--out-type TYPE]}: writes a model as the GGUF file llama.cpp's converter
 * writes for it. The source is any model evomerge reads: a Hugging Face folder (its configuration and tokenizer files
 * give the metadata) or a GGUF file (its metadata is copied and the tensors are stored in the new type, as llama.cpp's
 * quantizer does). Tensors stream through one at a time; the file appears only when complete.
 */
@Command(name = "convert", mixinStandardHelpOptions = true)
public final class ConvertCommand implements Runnable {

    /** The format id conversions write. */
    static final String GGUF = "gguf";

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A Hugging Face model folder, a .safetensors file beside its config.json, or a .gguf file.")
    Path model;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "The GGUF file to write.")
    Path output;

    @Option(names = "--out-type", paramLabel = "TYPE", defaultValue = "auto",
            description = "Type of the matrices: auto (BF16 or F16 as the model's, llama.cpp's default), f32, f16,"
                    + " bf16, q8_0 or q4_0; vectors and norms stay F32 (default ${DEFAULT-VALUE}).")
    String outType;

    @Option(names = "--allow-overwrite", description = "Replace an existing OUT.gguf.")
    boolean allowOverwrite;

    @Option(names = "--json", description = "Print a JSON summary.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        CommandSession session = EvomergeCommand.session(spec);
        Path cwd = session.environment().workingDirectory();
        Path source = cwd.resolve(model).toAbsolutePath().normalize();
        Path target = cwd.resolve(output).toAbsolutePath().normalize();
        ModelFormats formats = session.modelFormats();
        ModelFormats.Installed input = formats.forPath(source);
        ModelFormats.Installed gguf = formats.configured(GGUF, Map.of("out_type", outType.toLowerCase(Locale.ROOT)));
        long started = System.nanoTime();
        List<TensorInfo> tensors;
        try (Model opened = input.format().open(source)) {
            ModelFormats.requireConfig(opened);
            tensors = opened.tensors().tensors();
            List<Path> sideFiles = new ArrayList<>(opened.sideFiles());
            if (input.id().equals(GGUF)) {
                // The GGUF writer copies the metadata (tokenizer included) of the GGUF file among its side files.
                sideFiles.add(source);
            }
            WriteOptions options = new WriteOptions(tensors, opened.config(), WriteOptions.DEFAULT_SHARD_BYTES,
                    allowOverwrite, Map.of("evomerge.version", VersionProvider.evomergeVersion()), sideFiles);
            try (ModelWriter writer = gguf.format().create(target, options);
                 ProgressReporter.Progress progress = session.runContext().progress()
                         .start("convert", tensors.size(), "tensors")) {
                for (TensorInfo info : tensors) {
                    writer.write(info, opened.tensors().tensor(info.name()).data());
                    progress.advance(1);
                }
                writer.commit();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Integer> stored = new TreeMap<>();
        try (Model written = formats.byId(GGUF).format().open(target)) {
            written.tensors().tensors().forEach(t -> stored.merge(t.dtype().name(), 1, Integer::sum));
        }
        long bytes;
        try {
            bytes = Files.size(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("source", source.toString());
            doc.put("source_format", input.id());
            doc.put("output", target.toString());
            doc.put("out_type", outType.toLowerCase(Locale.ROOT));
            doc.put("tensors", stored.values().stream().mapToInt(Integer::intValue).sum());
            doc.put("dtypes", stored);
            doc.put("bytes", bytes);
            doc.put("seconds", seconds);
            JsonOutput.print(stdout, doc);
        } else {
            stdout.printf(Locale.ROOT, "converted %d tensors from %s into %s (%s; %s, %.1f s)%n",
                    stored.values().stream().mapToInt(Integer::intValue).sum(), input.id(), target,
                    String.join(", ", stored.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList()),
                    ByteSize.format(bytes), seconds);
            stdout.flush();
        }
    }
}
