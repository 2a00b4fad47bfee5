package org.evomerge.engine.moe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.inference.HiddenStates;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;

/**
 * {@code evomerge moe}: mergekit-moe's merge ({@code mergekit/scripts/moe.py}, {@code mergekit/moe/mixtral.py}). The
 * base model gives everything but the MLPs; each expert model's MLP becomes one expert of every layer (with its
 * {@code noise_scale} noise and, on {@code down_proj}, its {@code residual_scale}); the routers are the
 * {@link GateVectors}. The output is a transformers checkpoint of the selected {@link MoeArchitecture}, written one
 * tensor at a time in chunks (in parts where the writer takes parts), atomically, with the configuration as
 * {@code mergekit_moe_config.yml}, the base model's tokenizer files and a model card.
 */
public final class MoeMerge {

    /** Elements converted at a time: a multiple of every block size. */
    private static final int CHUNK = 1 << 20;
    private static final Set<String> NOT_COPIED = Set.of("README.md", "mergekit_config.yml", "mergekit_moe_config.yml",
            "config.json");

    /**
     * @param allowAllSame   {@code --i-understand-this-is-not-useful-without-training}
     * @param allowOverwrite replace an existing model at the destination
     * @param maxShardBytes  the largest safetensors shard
     * @param copyTokenizer  copy the base model's tokenizer files
     * @param version        evomerge's version, for the model card
     */
    public record Options(boolean allowAllSame, boolean allowOverwrite, long maxShardBytes, boolean copyTokenizer,
                          String version) {
    }

    /**
     * What was written.
     *
     * @param gates the router weights, {@code [layers][experts][hidden]}, before rounding to {@code dtype}
     */
    public record Result(Path output, MoeArchitecture architecture, int layers, int experts, int expertsPerToken,
                         String gateMode, DType dtype, long tensors, double[][][] gates) {
    }

    private MoeMerge() {
    }

    /**
     * Runs the merge.
     *
     * @param models  opens a model by the reference the configuration gives (the caller closes them)
     * @param engine  the inference engine for {@code hidden} gates (its tokenizer also serves {@code cheap_embed})
     * @param format  the output format (safetensors)
     * @throws EvomergeException (CONFIGURATION) naming the configuration file for a configuration mergekit-moe
     *     refuses or an architecture evomerge does not write; (INPUT) naming the model and tensor for a missing or
     *     misshapen tensor
     */
    public static Result run(MoeMergeConfig config, Function<String, Model> models, InferenceEngine engine,
                             ModelFormat format, Path destination, RunContext context, Options options) {
        config.problem(options.allowAllSame()).ifPresent(p -> {
            throw MoeMergeConfig.error(config.file(), p);
        });
        MoeArchitecture architecture = MoeArchitecture.select(config, ref -> models.apply(ref).config().modelType());
        if (!architecture.written()) {
            throw MoeMergeConfig.error(config.file(), "the configuration selects the '" + architecture.displayName()
                    + "' output architecture, which evomerge does not write yet (it writes Mixtral: set"
                    + " 'architecture: mixtral' and no shared_experts)");
        }
        Model base = models.apply(config.baseModel());
        ModelConfig baseConfig = base.config();
        String baseName = name(base, config.baseModel());
        int layers = positive(baseName, "num_hidden_layers", baseConfig.numLayers());
        int hidden = positive(baseName, "hidden_size", baseConfig.hiddenSize());
        int intermediate = positive(baseName, "intermediate_size", baseConfig.intermediateSize());
        DType dtype = config.dtype() != null ? MoeMergeConfig.outputDtype(config.file(), config.dtype())
                : baseDtype(base);
        for (MoeMergeConfig.Expert expert : config.experts()) {
            Model model = models.apply(expert.sourceModel());
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".mlp.";
                require(model, expert.sourceModel(), p + "gate_proj.weight", intermediate, hidden);
                require(model, expert.sourceModel(), p + "up_proj.weight", intermediate, hidden);
                require(model, expert.sourceModel(), p + "down_proj.weight", hidden, intermediate);
            }
        }
        double[][][] gates = gates(config, base, engine, context, layers, hidden);

        // The tensors, in mergekit's order: the base's non-MLP weights, the experts layer by layer, the routers.
        List<Planned> plan = new ArrayList<>();
        for (String name : baseTensorNames(base, layers)) {
            TensorInfo info = base.tensors().find(name).orElseThrow();
            plan.add(new Planned(new TensorInfo(name, dtype, info.shape(), ""), base, name, null, false, null));
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (int e = 0; e < config.experts().size(); e++) {
                MoeMergeConfig.Expert expert = config.experts().get(e);
                Model model = models.apply(expert.sourceModel());
                String x = p + "block_sparse_moe.experts." + e + ".";
                plan.add(new Planned(new TensorInfo(x + "w1.weight", dtype, Shape.of(intermediate, hidden), ""),
                        model, p + "mlp.gate_proj.weight", expert, false, null));
                plan.add(new Planned(new TensorInfo(x + "w2.weight", dtype, Shape.of(hidden, intermediate), ""),
                        model, p + "mlp.down_proj.weight", expert, true, null));
                plan.add(new Planned(new TensorInfo(x + "w3.weight", dtype, Shape.of(intermediate, hidden), ""),
                        model, p + "mlp.up_proj.weight", expert, false, null));
            }
        }
        for (int l = 0; l < layers; l++) {
            plan.add(new Planned(new TensorInfo("model.layers." + l + ".block_sparse_moe.gate.weight", dtype,
                    Shape.of(config.experts().size(), hidden), ""), null, null, null, false, gates[l]));
        }
        Map<String, Object> outConfig = mixtralConfig(baseConfig, config, dtype);
        write(config, base, plan, outConfig, format, destination, context, options, dtype);
        return new Result(destination, architecture, layers, config.experts().size(), config.expertsPerToken(),
                config.gateMode(), dtype, plan.size(), gates);
    }

    /** A tensor to write: copied from {@code source} (with an expert's noise and scale), or a router's rows. */
    private record Planned(TensorInfo info, Model source, String sourceName, MoeMergeConfig.Expert expert,
                           boolean residual, double[][] rows) {
    }

    private static double[][][] gates(MoeMergeConfig config, Model base, InferenceEngine engine, RunContext context,
                                      int layers, int hidden) {
        List<MoeMergeConfig.Expert> experts = config.experts();
        RandomGenerator random = context.random().fork("moe-gates").generator();
        String baseName = name(base, config.baseModel());
        return switch (config.gateMode()) {
            case "random" -> GateVectors.random(random, layers, experts.size(), hidden);
            case "uniform_random" -> GateVectors.uniformRandom(random, layers, experts.size(), hidden);
            case "cheap_embed" -> {
                Tokenizer tokenizer = tokenizer(engine, base, baseName, config.gateMode());
                Tensor embedding = base.tensors().tensor("model.embed_tokens.weight");
                TensorCodecs codecs = context.compute().codecs();
                DType stored = embedding.info().dtype();
                int vocab = (int) embedding.info().shape().dim(0);
                Function<Integer, float[]> row = token -> {
                    if (token < 0 || token >= vocab) {
                        throw EvomergeException.input(baseName + ": the tokenizer gives token " + token
                                + ", outside the embedding's " + vocab + " rows", null);
                    }
                    float[] values = new float[hidden];
                    codecs.toFloat(embedding.data().asSlice(stored.byteSize((long) token * hidden),
                            stored.byteSize(hidden)), stored, values, hidden);
                    return values;
                };
                yield GateVectors.fromPrompts(experts, layers,
                        prompts -> GateVectors.cheapEmbedding(row, tokenizer, prompts, layers, hidden));
            }
            default -> {
                if (engine == null) {
                    throw EvomergeException.configuration(config.file() + ": gate_mode " + config.gateMode()
                            + " needs the inference engine");
                }
                Tokenizer tokenizer = tokenizer(engine, base, baseName, config.gateMode());
                try (LanguageModel model = engine.load(base)) {
                    HiddenStates states = model.hiddenStates().orElseThrow(() -> EvomergeException.input(baseName
                            + ": the inference engine does not expose this model's hidden states, which gate_mode "
                            + config.gateMode() + " needs", null));
                    boolean last = !config.gateMode().equals("hidden_avg");
                    yield GateVectors.fromPrompts(experts, layers,
                            prompts -> GateVectors.hiddenStates(states, tokenizer, prompts, layers, hidden, last));
                }
            }
        };
    }

    private static Tokenizer tokenizer(InferenceEngine engine, Model base, String baseName, String gateMode) {
        Optional<Tokenizer> tokenizer = engine == null ? Optional.empty() : engine.tokenizer(base);
        return tokenizer.orElseThrow(() -> EvomergeException.input(baseName + ": gate_mode " + gateMode
                + " tokenizes the prompts with the base model's tokenizer, and it has none (tokenizer.json)", null));
    }

    /** mergekit's {@code MISTRAL_INFO} weights but the MLPs: embeddings, attention, norms, the output head. */
    private static List<String> baseTensorNames(Model base, int layers) {
        List<String> names = new ArrayList<>();
        names.add("model.embed_tokens.weight");
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            names.add(p + "input_layernorm.weight");
            for (String projection : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                names.add(p + "self_attn." + projection + ".weight");
            }
            names.add(p + "post_attention_layernorm.weight");
        }
        names.add("model.norm.weight");
        if (base.tensors().find("lm_head.weight").isPresent()) {
            names.add("lm_head.weight");
        }
        for (String name : names) {
            if (base.tensors().find(name).isEmpty()) {
                throw EvomergeException.input(base.location().map(Object::toString).orElse("base model")
                        + ": tensor '" + name + "' is missing", null);
            }
        }
        return names;
    }

    /**
     * mergekit's {@code MixtralMoE._generate_config}: the base's configuration as a {@code MixtralConfig}
     * ({@code MixtralConfig(**base.to_dict())} keeps every key and adds Mixtral's defaults), with the experts and
     * no sliding window.
     */
    static Map<String, Object> mixtralConfig(ModelConfig base, MoeMergeConfig config, DType dtype) {
        Map<String, Object> out = new LinkedHashMap<>(base.raw());
        out.put("architectures", List.of("MixtralForCausalLM"));
        out.put("model_type", "mixtral");
        out.put("num_local_experts", config.experts().size());
        out.put("num_experts_per_tok", config.expertsPerToken());
        out.put("sliding_window", null);
        out.putIfAbsent("output_router_logits", false);
        out.putIfAbsent("router_aux_loss_coef", 0.001);
        out.putIfAbsent("router_jitter_noise", 0.0);
        String name = torchName(dtype);
        out.put("dtype", name);
        out.put("torch_dtype", name);
        return out;
    }

    /** The name transformers gives {@code dtype} ({@code torch_dtype}): float32, float16 or bfloat16. */
    public static String torchName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> dtype.name().toLowerCase(Locale.ROOT);
        };
    }

    private static void write(MoeMergeConfig config, Model base, List<Planned> plan, Map<String, Object> outConfig,
                              ModelFormat format, Path destination, RunContext context, Options options,
                              DType dtype) {
        Path parent = destination.toAbsolutePath().getParent();
        Path extras = parent.resolve("." + destination.getFileName() + ".moe-extras-" + UUID.randomUUID());
        try {
            Files.createDirectories(extras);
            List<Path> sideFiles = new ArrayList<>();
            sideFiles.add(Files.writeString(extras.resolve("mergekit_moe_config.yml"), config.source()));
            sideFiles.add(Files.writeString(extras.resolve("README.md"), card(config, options, dtype)));
            if (options.copyTokenizer()) {
                base.sideFiles().stream().filter(f -> !NOT_COPIED.contains(f.getFileName().toString()))
                        .forEach(sideFiles::add);
            }
            WriteOptions writeOptions = new WriteOptions(plan.stream().map(Planned::info).toList(),
                    ModelConfig.of(outConfig), options.maxShardBytes(), options.allowOverwrite(),
                    Map.of("evomerge.kind", "moe"), sideFiles);
            TensorCodecs codecs = context.compute().codecs();
            try (ModelWriter writer = format.create(destination, writeOptions)) {
                for (Planned p : plan) {
                    if (p.rows() != null) {
                        writer.write(p.info(), router(p.rows(), p.info().dtype(), codecs));
                    } else {
                        copy(writer, p, codecs, context);
                    }
                }
                writer.commit();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + destination + ": " + e.getMessage(), e);
        } finally {
            deleteTree(extras);
        }
    }

    private static MemorySegment router(double[][] rows, DType dtype, TensorCodecs codecs) {
        int hidden = rows[0].length;
        float[] values = new float[rows.length * hidden];
        for (int e = 0; e < rows.length; e++) {
            for (int i = 0; i < hidden; i++) {
                values[e * hidden + i] = (float) rows[e][i];
            }
        }
        MemorySegment data = Arena.ofAuto().allocate(dtype.byteSize(values.length), 8);
        codecs.fromFloat(values, dtype, data, values.length);
        return data;
    }

    /**
     * Copies a source tensor in the output dtype: its stored bytes when nothing changes, else in chunks of
     * {@link #CHUNK} elements (decoded, noise added, scaled, encoded), each written as a part where the writer takes
     * parts, so memory stays at a chunk whatever the tensor.
     */
    private static void copy(ModelWriter writer, Planned p, TensorCodecs codecs, RunContext context) {
        Tensor source = p.source().tensors().tensor(p.sourceName());
        DType from = source.info().dtype();
        DType to = p.info().dtype();
        Double noise = p.expert() == null ? null : p.expert().noiseScale();
        Double scale = p.expert() != null && p.residual() ? p.expert().residualScale() : null;
        if (from == to && noise == null && scale == null) {
            writer.write(p.info(), source.data());
            return;
        }
        RandomGenerator random = noise == null ? null
                : context.random().fork("moe-noise").fork(p.info().name()).generator();
        long count = p.info().shape().elementCount();
        boolean parts = writer.writesInParts();
        MemorySegment whole = parts ? null : Arena.ofAuto().allocate(to.byteSize(count), 8);
        float[] values = new float[(int) Math.min(CHUNK, count)];
        for (long start = 0; start < count; start += CHUNK) {
            int n = (int) Math.min(CHUNK, count - start);
            codecs.toFloat(source.data().asSlice(from.byteSize(start), from.byteSize(n)), from, values, n);
            for (int i = 0; i < n; i++) {
                double v = values[i];
                if (noise != null) {
                    v += random.nextGaussian() * noise;
                }
                if (scale != null) {
                    v *= scale;
                }
                values[i] = (float) v;
            }
            if (parts) {
                MemorySegment part = Arena.ofAuto().allocate(to.byteSize(n), 8);
                codecs.fromFloat(values, to, part, n);
                writer.writePart(p.info(), to.byteSize(start), part);
            } else {
                codecs.fromFloat(values, to, whole.asSlice(to.byteSize(start), to.byteSize(n)), n);
            }
        }
        if (!parts) {
            writer.write(p.info(), whole);
        }
    }

    /** The model card: what the merge was made from, and how (mergekit-moe writes only its configuration). */
    private static String card(MoeMergeConfig config, Options options, DType dtype) {
        StringBuilder card = new StringBuilder("---\nbase_model: " + config.baseModel()
                + "\nlibrary_name: transformers\ntags:\n- moe\n- frankenmoe\n- merge\n- mergekit\n- evomerge\n---\n\n");
        card.append("# Mixture of experts\n\n")
                .append("A Mixtral-style mixture of experts made with evomerge ").append(options.version())
                .append(" (`evomerge moe`, mergekit-moe's method and configuration): the attention, embeddings and ")
                .append("norms of the base model, each expert model's MLP as one expert in every layer, and routers ")
                .append("from gate mode `").append(config.gateMode()).append("`; ").append(config.expertsPerToken())
                .append(" experts per token, ").append(torchName(dtype)).append(".\n\n")
                .append("- base model: `").append(config.baseModel()).append("`\n");
        for (int e = 0; e < config.experts().size(); e++) {
            card.append("- expert ").append(e).append(": `").append(config.experts().get(e).sourceModel())
                    .append("`\n");
        }
        card.append("\n## Configuration\n\n```yaml\n").append(config.source().strip()).append("\n```\n");
        return card.toString();
    }

    private static DType baseDtype(Model base) {
        Object named = base.config().raw().getOrDefault("torch_dtype", base.config().raw().get("dtype"));
        if (named instanceof String s) {
            try {
                return MoeMergeConfig.outputDtype(Path.of("config.json"), s);
            } catch (EvomergeException e) {
                // not a float dtype name: fall back to the embedding's
            }
        }
        DType stored = base.tensors().find("model.embed_tokens.weight").map(TensorInfo::dtype).orElse(DType.F32);
        return stored == DType.F16 || stored == DType.BF16 ? stored : DType.F32;
    }

    private static void require(Model model, String reference, String name, int rows, int cols) {
        TensorInfo info = model.tensors().find(name).orElseThrow(() -> EvomergeException.input(
                name(model, reference) + ": tensor '" + name + "' is missing", null));
        Shape shape = info.shape();
        if (shape.rank() != 2 || shape.dim(0) != rows || shape.dim(1) != cols) {
            throw EvomergeException.input(name(model, reference) + ": tensor '" + name + "' has shape " + shape
                    + ", expected [" + rows + ", " + cols + "] from the base model's config", null);
        }
    }

    private static int positive(String model, String field, int value) {
        if (value <= 0) {
            throw EvomergeException.input(model + ": config field '" + field + "' is missing or not positive", null);
        }
        return value;
    }

    private static String name(Model model, String reference) {
        return model.location().map(Object::toString).orElse(reference);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a hidden leftover never looks like a model
        }
    }
}
