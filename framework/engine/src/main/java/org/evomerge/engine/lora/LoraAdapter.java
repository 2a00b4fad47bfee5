package org.evomerge.engine.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/**
 * A PEFT LoRA adapter as PEFT saves it: {@code adapter_config.json} and {@code adapter_model.safetensors}, whose
 * tensors are named {@code base_model.model.MODULE.lora_A.weight} {@code [r, in]} and {@code ...lora_B.weight}
 * {@code [out, r]} (embeddings: {@code ...lora_embedding_A} {@code [r, vocab]} and {@code ...lora_embedding_B}
 * {@code [dim, r]}, the update transposed), {@code ...lora_B.bias} (a bias update) and, for {@code modules_to_save},
 * the module's tensors whole ({@code base_model.model.MODULE.weight}).
 *
 * <p>Each module's update is {@code scale * B A} with {@code scale = alpha / r}, or {@code alpha / sqrt(r)} when the
 * configuration says {@code use_rslora}; {@code r} and {@code alpha} come from {@code rank_pattern} and
 * {@code alpha_pattern} where a key matches the module (PEFT's rule: the key is a suffix of the module name), else
 * from {@code r} and {@code lora_alpha}. The factors are decoded to float32 when the adapter is opened: an adapter is
 * small next to its model.
 */
public final class LoraAdapter implements AutoCloseable {

    /** The adapter's configuration file. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter's weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** PEFT's prefix of every tensor name in the weights file. */
    public static final String PREFIX = "base_model.model.";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A low-rank update of one tensor: {@code delta[i, j] = scale * sum_k left[i, k] * right[k, j]}. */
    public record LowRankUpdate(String target, int rows, int cols, int rank, float[] left, float[] right,
                                double scale) {
    }

    private final Path folder;
    private final Path weightsFile;
    private final Map<String, LowRankUpdate> updates;
    private final Map<String, float[]> biasUpdates;
    private final Map<String, Tensor> replacements;
    private final AutoCloseable source;

    private LoraAdapter(Path folder, Path weightsFile, Map<String, LowRankUpdate> updates,
                        Map<String, float[]> biasUpdates, Map<String, Tensor> replacements, AutoCloseable source) {
        this.folder = folder;
        this.weightsFile = weightsFile;
        this.updates = Map.copyOf(updates);
        this.biasUpdates = Map.copyOf(biasUpdates);
        this.replacements = Map.copyOf(replacements);
        this.source = source;
    }

    /**
     * Opens the adapter in {@code folder}; {@code weights} opens its safetensors file as a model (the installed
     * format that reads it).
     *
     * @throws EvomergeException (INPUT) naming the folder or file and what is wrong: a missing file, a configuration
     *                           that is not a LoRA one, a tensor PEFT does not write, factors whose shapes disagree
     */
    public static LoraAdapter open(Path folder, Function<Path, Model> weights) {
        if (!Files.isDirectory(folder)) {
            throw EvomergeException.input(folder + ": no such adapter folder (a LoRA reference MODEL+ADAPTER names a"
                    + " PEFT adapter folder holding " + CONFIG_FILE + " and " + WEIGHTS_FILE + ")", null);
        }
        Path configFile = folder.resolve(CONFIG_FILE);
        Path weightsFile = folder.resolve(WEIGHTS_FILE);
        for (Path required : List.of(configFile, weightsFile)) {
            if (!Files.isRegularFile(required)) {
                throw EvomergeException.input(folder + ": no " + required.getFileName() + " (a PEFT adapter folder"
                        + " holds " + CONFIG_FILE + " and " + WEIGHTS_FILE + ")", null);
            }
        }
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        } catch (JsonProcessingException e) {
            throw EvomergeException.input(configFile + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw EvomergeException.input(configFile + ": cannot read (" + e.getMessage() + ")", e);
        }
        Model model = weights.apply(weightsFile);
        try {
            return of(folder, weightsFile, config, model.tensors(), model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The adapter with configuration {@code config} (as {@code adapter_config.json} holds it) and tensors
     * {@code tensors}, closing {@code source} on {@link #close()}.
     *
     * @param weightsFile the file the tensors come from, for messages
     */
    public static LoraAdapter of(Path folder, Path weightsFile, JsonNode config, TensorSource tensors,
                                 AutoCloseable source) {
        Path configFile = folder.resolve(CONFIG_FILE);
        if (config == null || !config.isObject()) {
            throw EvomergeException.input(configFile + ": not a JSON object", null);
        }
        String type = config.path("peft_type").asText("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw EvomergeException.input(configFile + ": peft_type is '" + type + "'; evomerge applies LORA"
                    + " adapters", null);
        }
        int r = positiveInt(config, "r", configFile);
        double alpha = config.has("lora_alpha") ? number(config, "lora_alpha", configFile) : 8;
        boolean rsLora = config.path("use_rslora").asBoolean(false);
        boolean fanInFanOut = config.path("fan_in_fan_out").asBoolean(false);
        Map<Pattern, Integer> rankPattern = patterns(config, "rank_pattern", configFile);
        Map<Pattern, Double> alphaPattern = new LinkedHashMap<>();
        patterns(config, "alpha_pattern", configFile).forEach((p, v) -> alphaPattern.put(p, v.doubleValue()));

        Map<String, float[]> a = new LinkedHashMap<>();
        Map<String, float[]> b = new LinkedHashMap<>();
        Map<String, TensorInfo> aInfo = new LinkedHashMap<>();
        Map<String, TensorInfo> bInfo = new LinkedHashMap<>();
        Map<String, Boolean> embedding = new LinkedHashMap<>();
        Map<String, float[]> biasUpdates = new LinkedHashMap<>();
        Map<String, Tensor> replacements = new LinkedHashMap<>();
        Map<String, String> biasOf = new LinkedHashMap<>();
        for (TensorInfo info : tensors.tensors()) {
            String name = info.name();
            if (!name.startsWith(PREFIX)) {
                throw EvomergeException.input(weightsFile + ": tensor '" + name + "' does not start with '" + PREFIX
                        + "', as PEFT names adapter tensors", null);
            }
            String rest = name.substring(PREFIX.length());
            String module;
            if ((module = strip(rest, ".lora_A.weight")) != null || (module = strip(rest, ".lora_embedding_A")) != null) {
                a.put(module, TensorFloats.of(tensors.tensor(name), weightsFile));
                aInfo.put(module, info);
                embedding.put(module, rest.endsWith(".lora_embedding_A"));
            } else if ((module = strip(rest, ".lora_B.weight")) != null
                    || (module = strip(rest, ".lora_embedding_B")) != null) {
                b.put(module, TensorFloats.of(tensors.tensor(name), weightsFile));
                bInfo.put(module, info);
            } else if ((module = strip(rest, ".lora_B.bias")) != null) {
                biasOf.put(module, name);
            } else if (rest.contains(".lora_") || rest.endsWith(".base_layer.weight")) {
                throw EvomergeException.input(weightsFile + ": tensor '" + name + "' is not one evomerge applies"
                        + " (LoRA factors lora_A/lora_B, lora_embedding_A/B, lora_B.bias, and modules_to_save"
                        + " tensors)", null);
            } else {
                String target = rest.replace(".modules_to_save.default.", ".");
                Tensor whole = tensors.tensor(name);
                TensorInfo renamed = new TensorInfo(target, info.dtype(), info.shape(), info.file());
                replacements.put(target, new RenamedTensor(renamed, whole));
            }
        }
        Map<String, LowRankUpdate> updates = new LinkedHashMap<>();
        for (String module : a.keySet()) {
            if (!b.containsKey(module)) {
                throw EvomergeException.input(weightsFile + ": module '" + module + "' has lora_A but no lora_B",
                        null);
            }
        }
        for (String module : b.keySet()) {
            if (!a.containsKey(module)) {
                throw EvomergeException.input(weightsFile + ": module '" + module + "' has lora_B but no lora_A",
                        null);
            }
            TensorInfo ai = aInfo.get(module);
            TensorInfo bi = bInfo.get(module);
            if (ai.shape().rank() != 2 || bi.shape().rank() != 2 || ai.shape().dim(0) != bi.shape().dim(1)) {
                throw EvomergeException.input(weightsFile + ": tensors '" + ai.name() + "' " + ai.shape() + " and '"
                        + bi.name() + "' " + bi.shape() + " are not LoRA factors A [r, in] and B [out, r]", null);
            }
            int rank = (int) ai.shape().dim(0);
            int configured = matching(rankPattern, module).orElse(r);
            if (configured != rank) {
                throw EvomergeException.input(weightsFile + ": tensor '" + ai.name() + "' has rank " + rank + ", "
                        + configFile.getFileName() + " gives module '" + module + "' rank " + configured, null);
            }
            double moduleAlpha = matching(alphaPattern, module).orElse(alpha);
            double scale = rsLora ? moduleAlpha / Math.sqrt(rank) : moduleAlpha / rank;
            int aCols = (int) ai.shape().dim(1);
            int bRows = (int) bi.shape().dim(0);
            boolean transposed = embedding.get(module) || fanInFanOut;
            String target = module + ".weight";
            // B A is [out, in]; an embedding's (and a fan_in_fan_out weight's) update is its transpose.
            LowRankUpdate update = transposed
                    ? new LowRankUpdate(target, aCols, bRows, rank, transpose(a.get(module), rank, aCols),
                            transpose(b.get(module), bRows, rank), scale)
                    : new LowRankUpdate(target, bRows, aCols, rank, b.get(module), a.get(module), scale);
            updates.put(target, update);
        }
        biasOf.forEach((module, name) -> {
            LowRankUpdate update = updates.get(module + ".weight");
            if (update == null) {
                throw EvomergeException.input(weightsFile + ": tensor '" + name + "' updates the bias of module '"
                        + module + "', which has no lora_A/lora_B", null);
            }
            float[] values = TensorFloats.of(tensors.tensor(name), weightsFile);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (values[i] * update.scale());
            }
            biasUpdates.put(module + ".bias", values);
        });
        return new LoraAdapter(folder, weightsFile, updates, biasUpdates, replacements, source);
    }

    private static String strip(String name, String suffix) {
        return name.endsWith(suffix) && name.length() > suffix.length()
                ? name.substring(0, name.length() - suffix.length()) : null;
    }

    private static float[] transpose(float[] values, int rows, int cols) {
        float[] t = new float[values.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = values[i * cols + j];
            }
        }
        return t;
    }

    private static <T> Optional<T> matching(Map<Pattern, T> patterns, String module) {
        for (Map.Entry<Pattern, T> e : patterns.entrySet()) {
            if (e.getKey().matcher(module).matches()) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    private static Map<Pattern, Integer> patterns(JsonNode config, String key, Path configFile) {
        Map<Pattern, Integer> patterns = new LinkedHashMap<>();
        JsonNode node = config.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return patterns;
        }
        if (!node.isObject()) {
            throw EvomergeException.input(configFile + ": " + key + " must be an object of module: number", null);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber() || e.getValue().asDouble() <= 0) {
                throw EvomergeException.input(configFile + ": " + key + "." + e.getKey() + " must be a positive"
                        + " number, got " + e.getValue(), null);
            }
            try {
                // PEFT's rule: the key matches the whole module name or a '.'-separated suffix of it.
                patterns.put(Pattern.compile("(.*\\.)?(" + e.getKey() + ")"), e.getValue().asInt());
            } catch (PatternSyntaxException ex) {
                throw EvomergeException.input(configFile + ": " + key + "." + e.getKey() + " is not a valid pattern ("
                        + ex.getDescription() + ")", ex);
            }
        }
        return patterns;
    }

    private static int positiveInt(JsonNode config, String key, Path configFile) {
        JsonNode node = config.path(key);
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() <= 0) {
            throw EvomergeException.input(configFile + ": " + key + " must be a positive whole number, got "
                    + (node.isMissingNode() ? "nothing" : node), null);
        }
        return node.asInt();
    }

    private static double number(JsonNode config, String key, Path configFile) {
        JsonNode node = config.path(key);
        if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
            throw EvomergeException.input(configFile + ": " + key + " must be a number, got " + node, null);
        }
        return node.asDouble();
    }

    public Path folder() {
        return folder;
    }

    public Path weightsFile() {
        return weightsFile;
    }

    /** The low-rank updates, by the name of the tensor each changes ({@code MODULE.weight}). */
    public Map<String, LowRankUpdate> updates() {
        return updates;
    }

    /** The bias updates, already scaled, by the name of the bias each changes ({@code MODULE.bias}). */
    public Map<String, float[]> biasUpdates() {
        return biasUpdates;
    }

    /** The {@code modules_to_save} tensors, by the name of the tensor each replaces. */
    public Map<String, Tensor> replacements() {
        return replacements;
    }

    /** Every tensor name the adapter changes, in a stable order. */
    public List<String> targets() {
        List<String> names = new ArrayList<>(updates.keySet());
        names.addAll(biasUpdates.keySet());
        names.addAll(replacements.keySet());
        return names.stream().sorted().toList();
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (Exception e) {
            // closing read-only mappings does not fail in a way the caller could act on
        }
    }

    /** A tensor of the adapter under the name of the model tensor it replaces. */
    private record RenamedTensor(TensorInfo info, Tensor tensor) implements Tensor {
        @Override
        public java.lang.foreign.MemorySegment data() {
            return tensor.data();
        }

        @Override
        public void read(long offset, java.lang.foreign.MemorySegment destination) {
            tensor.read(offset, destination);
        }
    }
}
