package org.evomerge.cli.convert;

import java.io.IOException;
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
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.cli.output.ByteSize;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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

    @Parameters(index = "0", paramLabel = "MODEL", descriptionKey = "model")
    Path model;

    @Parameters(index = "1", paramLabel = "OUT.gguf", descriptionKey = "output")
    Path output;

    @Option(names = "--out-type", paramLabel = "TYPE", defaultValue = "auto")
    String outType;

    @Option(names = "--allow-overwrite")
    boolean allowOverwrite;

    @Mixin
    CommandOutput commandOutput;

    @Override
    public void run() {
        CommandSession session = commandOutput.session();
        Path source = session.environment().resolve(model);
        Path target = session.environment().resolve(output);
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
        int tensorCount = stored.values().stream().mapToInt(Integer::intValue).sum();
        commandOutput.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("source", source.toString());
            doc.put("source_format", input.id());
            doc.put("output", target.toString());
            doc.put("out_type", outType.toLowerCase(Locale.ROOT));
            doc.put("tensors", tensorCount);
            doc.put("dtypes", stored);
            doc.put("bytes", bytes);
            doc.put("seconds", seconds);
            return doc;
        }, out -> out.printf(Locale.ROOT, "converted %d tensors from %s into %s (%s; %s, %.1f s)%n", tensorCount,
                input.id(), target,
                String.join(", ", stored.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList()),
                ByteSize.format(bytes), seconds));
    }
}
