package org.evomerge.engine.moe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.random.RandomGenerator;

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
import org.evomerge.engine.context.FolderTree;

/**
 * {@code evomerge moe}: mergekit-moe's merge ({@code mergekit/scripts/moe.py}, {@code mergekit/moe/mixtral.py},
 * {@code qwen.py}, {@code deepseek.py}). The base model gives everything but the MLPs; each expert model's MLP
 * becomes one expert of every layer, a shared expert's the shared MLP (with its {@code noise_scale} noise and, on
 * {@code down_proj}, its {@code residual_scale}); the routers are the {@link GateVectors}. The output is a transformers checkpoint of the selected {@link MoeArchitecture}, written one
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

        /**
         * The layers whose gate rows are nearly linearly dependent (condition number above 5), which mergekit warns
         * about: the prompts may be too similar, and some experts will be underused.
         */
        public List<Integer> degenerateGateLayers() {
            return GateVectors.degenerateLayers(gates, 5);
        }
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
        Model base = models.apply(config.baseModel());
        ModelConfig baseConfig = base.config();
        String baseName = name(base, config.baseModel());
        int layers = positive(baseName, "num_hidden_layers", baseConfig.numLayers());
        int hidden = positive(baseName, "hidden_size", baseConfig.hiddenSize());
        int intermediate = positive(baseName, "intermediate_size", baseConfig.intermediateSize());
        DType dtype = config.dtype() != null ? MoeMergeConfig.outputDtype(config.file(), config.dtype())
                : baseDtype(base);
        List<MoeMergeConfig.Expert> mlpSources = new ArrayList<>(config.experts());
        mlpSources.addAll(config.sharedExperts());
        for (MoeMergeConfig.Expert expert : mlpSources) {
            Model model = models.apply(expert.sourceModel());
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".mlp.";
                require(model, expert.sourceModel(), p + "gate_proj.weight", intermediate, hidden);
                require(model, expert.sourceModel(), p + "up_proj.weight", intermediate, hidden);
                require(model, expert.sourceModel(), p + "down_proj.weight", hidden, intermediate);
            }
        }
        // mergekit computes gates for the shared experts too when they have prompts or the gates are random.
        List<MoeMergeConfig.Expert> gated = new ArrayList<>(config.experts());
        boolean sharedGated = !config.sharedExperts().isEmpty()
                && (!config.sharedExperts().getFirst().positivePrompts().isEmpty()
                || config.gateMode().equals("random") || config.gateMode().equals("uniform_random"));
        if (sharedGated) {
            gated.addAll(config.sharedExperts());
        }
        double[][][] gates;
        try {
            gates = gates(config, gated, base, engine, context, layers, hidden);
        } catch (IllegalArgumentException e) {
            // A prompt the base model cannot run: too long for its context, or no tokens.
            throw MoeMergeConfig.error(config.file(), e.getMessage());
        }

        List<Planned> plan = switch (architecture) {
            case MIXTRAL -> mixtralPlan(config, models, base, layers, hidden, intermediate, dtype, gates);
            case QWEN, DEEPSEEK -> sharedExpertPlan(architecture, config, models, base, layers, hidden, intermediate,
                    dtype, gates);
        };
        Map<String, Object> outConfig = switch (architecture) {
            case MIXTRAL -> mixtralConfig(baseConfig, config, dtype);
            case QWEN -> qwenConfig(baseConfig, config, dtype);
            case DEEPSEEK -> deepseekConfig(baseConfig, config, dtype);
        };
        write(config, architecture, base, plan, outConfig, format, destination, context, options, dtype);
        return new Result(destination, architecture, layers, config.experts().size(), config.expertsPerToken(),
                config.gateMode(), dtype, plan.size(), gates);
    }

    /** {@code mixtral.py}: the base's non-MLP weights, the experts layer by layer, the routers. */
    private static List<Planned> mixtralPlan(MoeMergeConfig config, Function<String, Model> models, Model base,
                                             int layers, int hidden, int intermediate, DType dtype,
                                             double[][][] gates) {
        List<Planned> plan = new ArrayList<>();
        for (String name : baseTensorNames(base, layers)) {
            plan.add(Planned.copy(new TensorInfo(name, dtype, base.tensors().find(name).orElseThrow().shape(), ""),
                    base, name, null, false));
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (int e = 0; e < config.experts().size(); e++) {
                MoeMergeConfig.Expert expert = config.experts().get(e);
                Model model = models.apply(expert.sourceModel());
                String x = p + "block_sparse_moe.experts." + e + ".";
                plan.add(Planned.copy(new TensorInfo(x + "w1.weight", dtype, Shape.of(intermediate, hidden), ""),
                        model, p + "mlp.gate_proj.weight", expert, false));
                plan.add(Planned.copy(new TensorInfo(x + "w2.weight", dtype, Shape.of(hidden, intermediate), ""),
                        model, p + "mlp.down_proj.weight", expert, true));
                plan.add(Planned.copy(new TensorInfo(x + "w3.weight", dtype, Shape.of(intermediate, hidden), ""),
                        model, p + "mlp.up_proj.weight", expert, false));
            }
        }
        for (int l = 0; l < layers; l++) {
            plan.add(Planned.router(new TensorInfo("model.layers." + l + ".block_sparse_moe.gate.weight", dtype,
                    Shape.of(config.experts().size(), hidden), ""), gates[l]));
        }
        return plan;
    }

    /**
     * {@code qwen.py} and {@code deepseek.py}: the base's weights in its order, each MLP weight replaced by the
     * experts' ({@code mlp.experts.N.}) and the shared expert's ({@code mlp.shared_expert.} for Qwen,
     * {@code mlp.shared_experts.} for DeepSeek); then the routers ({@code mlp.gate}) and, for Qwen, the shared expert's
     * gate ({@code mlp.shared_expert_gate}, its gate vector). Qwen2-MoE has q/k/v biases: a base without them gets
     * zeros, as mergekit gives it.
     */
    private static List<Planned> sharedExpertPlan(MoeArchitecture architecture, MoeMergeConfig config,
                                                  Function<String, Model> models, Model base, int layers, int hidden,
                                                  int intermediate, DType dtype, double[][][] gates) {
        boolean qwen = architecture == MoeArchitecture.QWEN;
        ModelConfig baseConfig = base.config();
        int heads = baseConfig.numHeads();
        int kvHeads = baseConfig.numKeyValueHeads() > 0 ? baseConfig.numKeyValueHeads() : heads;
        int headDim = heads > 0 ? hidden / heads : 0;
        MoeMergeConfig.Expert shared = config.sharedExperts().isEmpty() ? null : config.sharedExperts().getFirst();
        String sharedInfix = qwen ? ".mlp.shared_expert." : ".mlp.shared_experts.";
        List<Planned> plan = new ArrayList<>();
        plan.add(baseCopy(base, "model.embed_tokens.weight", dtype));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            plan.add(baseCopy(base, p + "input_layernorm.weight", dtype));
            for (String projection : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                plan.add(baseCopy(base, p + "self_attn." + projection + ".weight", dtype));
                if (qwen && !projection.equals("o_proj")) {
                    String bias = p + "self_attn." + projection + ".bias";
                    int rows = (projection.equals("q_proj") ? heads : kvHeads) * headDim;
                    plan.add(base.tensors().find(bias).isPresent() ? baseCopy(base, bias, dtype)
                            : Planned.zeros(new TensorInfo(bias, dtype, Shape.of(rows), "")));
                }
            }
            plan.add(baseCopy(base, p + "post_attention_layernorm.weight", dtype));
            for (String projection : List.of("gate_proj", "up_proj", "down_proj")) {
                String name = p + "mlp." + projection + ".weight";
                Shape shape = projection.equals("down_proj") ? Shape.of(hidden, intermediate)
                        : Shape.of(intermediate, hidden);
                boolean residual = projection.equals("down_proj");
                for (int e = 0; e < config.experts().size(); e++) {
                    MoeMergeConfig.Expert expert = config.experts().get(e);
                    plan.add(Planned.copy(new TensorInfo(name.replace(".mlp.", ".mlp.experts." + e + "."), dtype,
                            shape, ""), models.apply(expert.sourceModel()), name, expert, residual));
                }
                if (shared != null) {
                    plan.add(Planned.copy(new TensorInfo(name.replace(".mlp.", sharedInfix), dtype, shape, ""),
                            models.apply(shared.sourceModel()), name, shared, residual));
                }
            }
        }
        plan.add(baseCopy(base, "model.norm.weight", dtype));
        if (base.tensors().find("lm_head.weight").isPresent()) {
            plan.add(baseCopy(base, "lm_head.weight", dtype));
        }
        int experts = config.experts().size();
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".mlp.";
            plan.add(Planned.router(new TensorInfo(p + "gate.weight", dtype, Shape.of(experts, hidden), ""),
                    java.util.Arrays.copyOf(gates[l], experts)));
            if (qwen) {
                plan.add(Planned.router(new TensorInfo(p + "shared_expert_gate.weight", dtype, Shape.of(1, hidden),
                        ""), new double[][] {gates[l][experts]}));
            }
        }
        return plan;
    }

    private static Planned baseCopy(Model base, String name, DType dtype) {
        TensorInfo info = base.tensors().find(name).orElseThrow(() -> EvomergeException.input(
                base.location().map(Object::toString).orElse("base model") + ": tensor '" + name + "' is missing",
                null));
        return Planned.copy(new TensorInfo(name, dtype, info.shape(), ""), base, name, null, false);
    }

    /**
     * A tensor to write: copied from {@code source} (with an expert's noise and, on a residual weight, its scale), a
     * router's rows, or zeros.
     */
    private record Planned(TensorInfo info, Model source, String sourceName, MoeMergeConfig.Expert expert,
                           boolean residual, double[][] rows) {

        static Planned copy(TensorInfo info, Model source, String sourceName, MoeMergeConfig.Expert expert,
                            boolean residual) {
            return new Planned(info, source, sourceName, expert, residual, null);
        }

        static Planned router(TensorInfo info, double[][] rows) {
            return new Planned(info, null, null, null, false, rows);
        }

        static Planned zeros(TensorInfo info) {
            return new Planned(info, null, null, null, false, null);
        }
    }

    private static double[][][] gates(MoeMergeConfig config, List<MoeMergeConfig.Expert> experts, Model base,
                                      InferenceEngine engine, RunContext context, int layers, int hidden) {
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

    /**
     * {@code QwenMoE._generate_config}: the base's configuration as a {@code Qwen2MoeConfig}, every layer sparse,
     * each expert and the shared expert as wide as the base's MLP, top-k probabilities renormalised.
     */
    static Map<String, Object> qwenConfig(ModelConfig base, MoeMergeConfig config, DType dtype) {
        Map<String, Object> out = new LinkedHashMap<>(base.raw());
        int intermediate = base.intermediateSize();
        out.put("architectures", List.of("Qwen2MoeForCausalLM"));
        out.put("model_type", "qwen2_moe");
        out.put("num_experts", config.experts().size());
        out.put("num_experts_per_tok", config.expertsPerToken());
        out.put("decoder_sparse_step", 1);
        out.put("norm_topk_prob", true);
        out.put("sliding_window", null);
        out.put("use_sliding_window", false);
        out.put("shared_expert_intermediate_size", intermediate);
        out.put("moe_intermediate_size", intermediate);
        out.putIfAbsent("mlp_only_layers", List.of());
        out.putIfAbsent("output_router_logits", false);
        out.putIfAbsent("router_aux_loss_coef", 0.001);
        out.put("dtype", torchName(dtype));
        out.put("torch_dtype", torchName(dtype));
        return out;
    }

    /**
     * {@code DeepseekMoE._generate_config}: the base's configuration with DeepSeek-MoE's keys (the model's code is
     * DeepSeek's remote code, named in {@code auto_map}).
     */
    static Map<String, Object> deepseekConfig(ModelConfig base, MoeMergeConfig config, DType dtype) {
        Map<String, Object> out = new LinkedHashMap<>(base.raw());
        int shared = config.sharedExperts().size();
        out.put("architectures", List.of("DeepseekForCausalLM"));
        out.put("model_type", "deepseek");
        out.put("n_routed_experts", config.experts().size());
        out.put("n_shared_experts", shared == 0 ? null : shared);
        out.put("num_experts_per_tok", config.expertsPerToken());
        out.put("first_k_dense_replace", 0);
        out.put("moe_layer_freq", 1);
        out.put("scoring_func", "softmax");
        out.put("norm_topk_prob", true);
        out.put("moe_intermediate_size", base.intermediateSize());
        Map<String, Object> autoMap = new LinkedHashMap<>();
        autoMap.put("AutoConfig", "deepseek-ai/deepseek-moe-16b-base--configuration_deepseek.DeepseekConfig");
        autoMap.put("AutoModel", "deepseek-ai/deepseek-moe-16b-base--modeling_deepseek.DeepseekModel");
        autoMap.put("AutoModelForCausalLM",
                "deepseek-ai/deepseek-moe-16b-base--modeling_deepseek.DeepseekForCausalLM");
        out.put("auto_map", autoMap);
        out.put("torch_dtype", torchName(dtype));
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

    private static void write(MoeMergeConfig config, MoeArchitecture architecture, Model base, List<Planned> plan,
                              Map<String, Object> outConfig, ModelFormat format, Path destination,
                              RunContext context, Options options, DType dtype) {
        Path parent = destination.toAbsolutePath().getParent();
        Path extras = parent.resolve("." + destination.getFileName() + ".moe-extras-" + UUID.randomUUID());
        try {
            Files.createDirectories(extras);
            List<Path> sideFiles = new ArrayList<>();
            sideFiles.add(Files.writeString(extras.resolve("mergekit_moe_config.yml"), config.source()));
            sideFiles.add(Files.writeString(extras.resolve("README.md"), card(config, architecture, options, dtype)));
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
                    } else if (p.source() == null) {
                        writer.write(p.info(), Arena.ofAuto().allocate(p.info().byteSize(), 8));
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
    private static String card(MoeMergeConfig config, MoeArchitecture architecture, Options options, DType dtype) {
        StringBuilder card = new StringBuilder("---\nbase_model: " + config.baseModel()
                + "\nlibrary_name: transformers\ntags:\n- moe\n- frankenmoe\n- merge\n- mergekit\n- evomerge\n---\n\n");
        card.append("# Mixture of experts\n\n")
                .append("A ").append(architecture.displayName()).append(" mixture of experts made with evomerge ")
                .append(options.version())
                .append(" (`evomerge moe`, mergekit-moe's method and configuration): the attention, embeddings and ")
                .append("norms of the base model, each expert model's MLP as one expert in every layer, and routers ")
                .append("from gate mode `").append(config.gateMode()).append("`; ").append(config.expertsPerToken())
                .append(" experts per token, ").append(torchName(dtype)).append(".\n\n")
                .append("- base model: `").append(config.baseModel()).append("`\n");
        for (int e = 0; e < config.experts().size(); e++) {
            card.append("- expert ").append(e).append(": `").append(config.experts().get(e).sourceModel())
                    .append("`\n");
        }
        for (MoeMergeConfig.Expert shared : config.sharedExperts()) {
            card.append("- shared expert: `").append(shared.sourceModel()).append("`\n");
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
        try {
            FolderTree.delete(root);
        } catch (IOException e) {
            // a hidden leftover never looks like a model
        }
    }
}
