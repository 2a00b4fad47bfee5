package org.evomerge.cli.inspect;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.output.ByteSize;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.architecture.ArchitectureDescription;
import org.evomerge.engine.architecture.TensorPlacement;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge inspect PATH [--json]}: what a model is, without loading its weights. */
@Command(name = "inspect", mixinStandardHelpOptions = true)
public final class InspectCommand implements Runnable {

    @Parameters(paramLabel = "PATH", descriptionKey = "path")
    Path path;

    @Option(names = "--no-tensors")
    boolean noTensors;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        CommandSession session = output.session();
        Path target = session.environment().resolve(path);
        ModelFormats.Installed format = session.modelFormats().forPath(target);
        try (Model model = format.format().open(target)) {
            ModelConfig config = model.config();
            ArchitectureDescription description = session.architectures().findOrGeneric(config);
            List<TensorInfo> tensors = model.tensors().tensors();
            long parameters = 0;
            long bytes = 0;
            Map<String, Integer> dtypes = new TreeMap<>();
            TreeSet<String> files = new TreeSet<>();
            for (TensorInfo t : tensors) {
                parameters += t.shape().elementCount();
                bytes += t.byteSize();
                dtypes.merge(t.dtype().name(), 1, Integer::sum);
                if (!t.file().isEmpty()) {
                    files.add(t.file());
                }
            }
            long parameterCount = parameters;
            long byteCount = bytes;
            output.print(() -> document(target, format.id(), model, description, tensors, parameterCount, byteCount,
                    dtypes, files), out -> printText(out, target, format.id(), model, description, tensors,
                    parameterCount, byteCount, dtypes, files));
        }
    }

    private Map<String, Object> document(Path target, String formatId, Model model,
                                         ArchitectureDescription description, List<TensorInfo> tensors,
                                         long parameters, long bytes, Map<String, Integer> dtypes,
                                         TreeSet<String> files) {
        ModelConfig config = model.config();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("path", target.toString());
        doc.put("format", formatId);
        doc.put("architecture", config.architecture());
        doc.put("model_type", config.modelType());
        doc.put("architecture_description", description.name());
        doc.put("num_layers", config.numLayers());
        doc.put("parameters", parameters);
        doc.put("bytes", bytes);
        doc.put("dtypes", dtypes);
        Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("hidden_size", config.hiddenSize());
        shape.put("intermediate_size", config.intermediateSize());
        shape.put("num_attention_heads", config.numHeads());
        shape.put("num_key_value_heads", config.numKeyValueHeads());
        shape.put("head_dim", config.headDim());
        shape.put("vocab_size", config.vocabSize());
        shape.put("tie_word_embeddings", config.tiedEmbeddings());
        shape.put("rope_theta", config.ropeTheta());
        shape.put("rms_norm_eps", config.rmsNormEps());
        doc.put("config", shape);
        doc.put("files", List.copyOf(files));
        doc.put("side_files", model.sideFiles().stream().map(p -> p.getFileName().toString()).toList());
        doc.put("problems", ModelFormats.missingConfig(model).stream().toList());
        if (!noTensors) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (TensorInfo t : tensors) {
                TensorPlacement placement = description.classify(t.name());
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", t.name());
                entry.put("dtype", t.dtype().name());
                entry.put("shape", t.shape().dims());
                entry.put("file", t.file());
                entry.put("role", placement.role().id());
                entry.put("layer", placement.layer().isPresent() ? placement.layer().getAsInt() : null);
                list.add(entry);
            }
            doc.put("tensors", list);
        }
        return doc;
    }

    private void printText(PrintWriter out, Path target, String formatId, Model model,
                           ArchitectureDescription description, List<TensorInfo> tensors, long parameters,
                           long bytes, Map<String, Integer> dtypes, TreeSet<String> files) {
        ModelConfig config = model.config();
        out.println("Path:          " + target);
        out.println("Format:        " + formatId);
        out.println("Architecture:  " + (config.architecture().isEmpty() ? "(not stated)" : config.architecture())
                + (config.modelType().isEmpty() ? "" : " (model_type " + config.modelType() + ")")
                + ", described by '" + description.name() + "'");
        // The tensors are still listed: inspect is how one looks into a folder that cannot be merged or run yet.
        ModelFormats.missingConfig(model).ifPresent(problem -> out.println("Problem:       " + problem
                + "; merge and eval refuse it"));
        out.println("Layers:        " + config.numLayers());
        out.printf("Parameters:    %,d (%s)%n", parameters, ByteSize.format(bytes));
        out.println("Dtypes:        " + String.join(", ", dtypes.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " tensors)").toList()));
        if (config.hiddenSize() > 0) {
            out.println("Shape:         hidden " + config.hiddenSize() + ", intermediate " + config.intermediateSize()
                    + ", heads " + config.numHeads() + " (kv " + config.numKeyValueHeads() + ", dim " + config.headDim()
                    + "), vocab " + config.vocabSize() + (config.tiedEmbeddings() ? ", tied embeddings" : ""));
        }
        out.println("Files:         " + String.join(", ", files));
        if (!model.sideFiles().isEmpty()) {
            out.println("Side files:    " + String.join(", ", model.sideFiles().stream()
                    .map(p -> p.getFileName().toString()).toList()));
        }
        if (!noTensors) {
            out.println();
            TextTable table = new TextTable("TENSOR", "DTYPE", "SHAPE", "FILE", "ROLE", "LAYER");
            for (TensorInfo t : tensors) {
                TensorPlacement p = description.classify(t.name());
                table.row(t.name(), t.dtype().name(), t.shape().toString(), t.file(), p.role().id(),
                        p.layer().isPresent() ? Integer.toString(p.layer().getAsInt()) : "");
            }
            table.print(out);
        }
    }
}
