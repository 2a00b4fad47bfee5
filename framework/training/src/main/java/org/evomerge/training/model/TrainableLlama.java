package org.evomerge.training.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.inference.LlamaConfig;
import org.evomerge.kernels.FloatCodecs;
import org.evomerge.training.kernels.RowParallelKernels;
import org.evomerge.training.layers.CausalAttention;
import org.evomerge.training.layers.CrossEntropy;
import org.evomerge.training.layers.RmsNorm;
import org.evomerge.training.layers.RopeTables;
import org.evomerge.training.layers.SwiGlu;

/**
 * A Llama decoder ({@code LlamaForCausalLM}) held in float32 for training: forward passes that keep their
 * activations and a hand-written backward pass that accumulates gradients into the trainable {@link Parameter}s.
 *
 * <pre>
 * x = embed[tokens]
 * per layer: x += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n))), n = rmsnorm(x) · input_layernorm
 *            x += down_proj(silu(gate_proj(n)) ⊙ up_proj(n)),                  n = rmsnorm(x) · post_attention_layernorm
 * logits = rmsnorm(x) · norm  ·  (lm_head or embedᵀ when tied)
 * </pre>
 *
 * Not thread-safe: one forward/backward at a time; the matrix products inside use the kernels' threads.
 */
public final class TrainableLlama {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final LlamaConfig config;
    private final Parameter embed;
    private final Block[] blocks;
    private final Parameter finalNorm;
    private final Parameter head;
    private final CausalAttention attention;
    private final RopeTables rope;

    /** The parameters of one decoder block. */
    private record Block(Parameter inputNorm, Linear q, Linear k, Linear v, Linear o, Parameter postNorm,
            Linear gate, Linear up, Linear down) {

        List<Linear> projections() {
            return List.of(q, k, v, o, gate, up, down);
        }
    }

    /** What one block's forward pass keeps for its backward pass. */
    private static final class BlockActivations {
        float[] input;
        float[] norm1;
        float[] rms1;
        float[] q;
        float[] k;
        float[] v;
        float[] probs;
        float[] attended;
        float[] middle;
        float[] norm2;
        float[] rms2;
        float[] gate;
        float[] up;
        float[] hidden;
    }

    /** The activations of the last forward pass. */
    private BlockActivations[] saved;
    private float[] lastResidual;
    private float[] finalNormed;
    private float[] finalRms;

    private TrainableLlama(LlamaConfig config, Parameter embed, Block[] blocks, Parameter finalNorm,
            Parameter head) {
        this.config = config;
        this.embed = embed;
        this.blocks = blocks;
        this.finalNorm = finalNorm;
        this.head = head;
        this.attention = new CausalAttention(config.heads(), config.kvHeads(), config.headDim());
        this.rope = new RopeTables(config.rope(), 64);
    }

    /** The hyperparameters, as the inference engine reads them too. */
    public LlamaConfig config() {
        return config;
    }

    /**
     * The {@code config.json} of a new float32 {@code LlamaForCausalLM}, as transformers writes it (keys in order):
     * its fixed settings ({@code hidden_act} silu, no biases, no rope scaling, ...) and {@code stated}, which gives
     * the sizes ({@code num_hidden_layers}, {@code hidden_size}, {@code head_dim}, ...), {@code rope_theta},
     * {@code rms_norm_eps}, {@code tie_word_embeddings} and the tokenizer's {@code bos_token_id} and
     * {@code eos_token_id}.
     */
    public static ModelConfig newModelConfig(Map<String, Object> stated) {
        Map<String, Object> raw = new TreeMap<>();
        raw.put("architectures", List.of("LlamaForCausalLM"));
        raw.put("attention_bias", false);
        raw.put("attention_dropout", 0.0);
        raw.put("hidden_act", "silu");
        raw.put("initializer_range", 0.02);
        raw.put("mlp_bias", false);
        raw.put("model_type", "llama");
        raw.put("pretraining_tp", 1);
        raw.put("rope_scaling", null);
        raw.put("torch_dtype", "float32");
        raw.put("transformers_version", "4.46.0");
        raw.put("use_cache", true);
        raw.putAll(stated);
        return ModelConfig.of(raw);
    }

    /**
     * The hyperparameters of a model training can train: a Llama decoder ({@code LlamaForCausalLM}) without biases,
     * with SiLU, read as the inference engine reads them ({@code rope_scaling} included).
     *
     * @throws EvomergeException (input) naming the model and the field when the model is another architecture or
     *     has biases or another activation, or a hyperparameter is missing or invalid
     */
    public static LlamaConfig trainable(String modelName, ModelConfig config) {
        Map<String, Object> raw = config.raw();
        boolean llama = config.architectures().contains("LlamaForCausalLM") || config.modelType().equals("llama");
        if (!llama) {
            throw EvomergeException.input(modelName + ": training supports Llama decoders (LlamaForCausalLM); this"
                    + " model is '" + config.architecture() + "'", null);
        }
        if (Boolean.TRUE.equals(raw.get("attention_bias")) || Boolean.TRUE.equals(raw.get("mlp_bias"))) {
            throw EvomergeException.input(modelName + ": attention_bias/mlp_bias are not supported by training", null);
        }
        Object act = raw.get("hidden_act");
        if (act != null && !act.equals("silu")) {
            throw EvomergeException.input(modelName + ": hidden_act '" + act + "' is not supported by training (only"
                    + " silu)", null);
        }
        return LlamaConfig.of(modelName, config);
    }

    /**
     * A new model of {@code modelConfig} (see {@link #newModelConfig}) with weights drawn from N(0, std²) and
     * normalisation weights of 1, as Hugging Face initialises.
     *
     * @throws EvomergeException (input) as {@link #trainable} does
     */
    public static TrainableLlama initialize(ModelConfig modelConfig, double std, RandomGenerator random) {
        return build(trainable("new model", modelConfig), (name, shape) -> {
            long count = 1;
            for (long s : shape) {
                count *= s;
            }
            float[] values = new float[Math.toIntExact(count)];
            if (shape.length == 1) {
                Arrays.fill(values, 1f);
            } else {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * std);
                }
            }
            return values;
        });
    }

    /**
     * Copies the weights of {@code model} (Hugging Face Llama names, float32, float16 or bfloat16).
     *
     * @throws EvomergeException (input) naming the model and the tensor when one is missing, has another shape or
     *     an unsupported dtype
     */
    public static TrainableLlama from(Model model) {
        String where = model.location().map(Object::toString).orElse("in-memory model");
        return build(trainable(where, model.config()), (name, shape) -> {
            Tensor tensor;
            try {
                tensor = model.tensors().tensor(name);
            } catch (NoSuchElementException e) {
                throw EvomergeException.input(where + ": tensor '" + name + "' is missing", e);
            }
            TensorInfo info = tensor.info();
            if (!Arrays.equals(info.shape().dims(), shape)) {
                throw EvomergeException.input(where + ": tensor '" + name + "' has shape " + info.shape()
                        + ", the config says " + Arrays.toString(shape), null);
            }
            return decode(tensor, where);
        });
    }

    private static float[] decode(Tensor tensor, String where) {
        TensorInfo info = tensor.info();
        MemorySegment data = tensor.data();
        int count = Math.toIntExact(info.shape().elementCount());
        float[] values = new float[count];
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(data, F32, 0, values, 0, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = FloatCodecs.bf16ToFloat(data.getAtIndex(I16, i) & 0xFFFF);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = FloatCodecs.f16ToFloat(data.getAtIndex(I16, i) & 0xFFFF);
                }
            }
            default -> throw EvomergeException.input(where + ": tensor '" + info.name() + "' is " + info.dtype()
                    + "; training reads F32, F16 and BF16 weights", null);
        }
        return values;
    }

    @FunctionalInterface
    private interface WeightSource {
        float[] values(String name, long[] shape);
    }

    private static TrainableLlama build(LlamaConfig d, WeightSource source) {
        long h = d.hidden();
        Parameter embed = parameter(source, "model.embed_tokens.weight", d.vocab(), h);
        Block[] blocks = new Block[d.layers()];
        for (int l = 0; l < d.layers(); l++) {
            String p = "model.layers." + l + ".";
            long qWidth = (long) d.heads() * d.headDim();
            long kvWidth = (long) d.kvHeads() * d.headDim();
            blocks[l] = new Block(
                    parameter(source, p + "input_layernorm.weight", h),
                    new Linear(parameter(source, p + "self_attn.q_proj.weight", qWidth, h)),
                    new Linear(parameter(source, p + "self_attn.k_proj.weight", kvWidth, h)),
                    new Linear(parameter(source, p + "self_attn.v_proj.weight", kvWidth, h)),
                    new Linear(parameter(source, p + "self_attn.o_proj.weight", h, qWidth)),
                    parameter(source, p + "post_attention_layernorm.weight", h),
                    new Linear(parameter(source, p + "mlp.gate_proj.weight", d.intermediate(), h)),
                    new Linear(parameter(source, p + "mlp.up_proj.weight", d.intermediate(), h)),
                    new Linear(parameter(source, p + "mlp.down_proj.weight", h, d.intermediate())));
        }
        Parameter norm = parameter(source, "model.norm.weight", h);
        Parameter head = d.tied() ? embed : parameter(source, "lm_head.weight", d.vocab(), h);
        return new TrainableLlama(d, embed, blocks, norm, head);
    }

    private static Parameter parameter(WeightSource source, String name, long... shape) {
        return new Parameter(name, shape, source.values(name, shape));
    }

    /** Every weight of the model, in Hugging Face's order, without LoRA adapters (the tied head only once). */
    public List<Parameter> weights() {
        List<Parameter> all = new ArrayList<>();
        all.add(embed);
        for (Block b : blocks) {
            all.add(b.inputNorm());
            all.add(b.q().weight());
            all.add(b.k().weight());
            all.add(b.v().weight());
            all.add(b.o().weight());
            all.add(b.postNorm());
            all.add(b.gate().weight());
            all.add(b.up().weight());
            all.add(b.down().weight());
        }
        all.add(finalNorm);
        if (head != embed) {
            all.add(head);
        }
        return all;
    }

    /**
     * The model's current weights (without adapters) as a model held in memory: float32 copies under
     * {@code config}, whose dtype key now says float32, with {@code sideFiles}. Its format id is {@code memory};
     * write it with any writable format.
     */
    public InMemoryModel toModel(ModelConfig modelConfig, List<Path> sideFiles) {
        List<InMemoryTensor> tensors = weights().stream()
                .map(p -> InMemoryTensor.ofFloats(p.name(), Shape.of(p.shape()), p.value())).toList();
        return InMemoryModel.of(float32(modelConfig), tensors, sideFiles);
    }

    /**
     * {@code config} with its dtype key saying what trained tensors are: {@code dtype} (transformers 4.56 on) or
     * {@code torch_dtype} (before), whichever it has.
     */
    static ModelConfig float32(ModelConfig config) {
        Map<String, Object> raw = new LinkedHashMap<>(config.raw());
        for (String key : List.of("dtype", "torch_dtype")) {
            if (raw.containsKey(key)) {
                raw.put(key, "float32");
            }
        }
        return config.withRaw(raw);
    }

    /** The parameters that train: every weight in full fine-tuning, only the adapters with LoRA. */
    public List<Parameter> trainable() {
        List<Parameter> all = new ArrayList<>(weights());
        for (Block b : blocks) {
            for (Linear linear : b.projections()) {
                all.addAll(linear.adapter());
            }
        }
        return all.stream().filter(Parameter::trainable).toList();
    }

    /** Makes every weight trainable (full fine-tuning). */
    public void trainAllWeights() {
        weights().forEach(p -> p.setTrainable(true));
    }

    /**
     * Freezes every weight and adds LoRA adapters to the named projections of every block.
     *
     * @param modules projection names ({@code q_proj ... down_proj})
     */
    public void attachLora(int rank, double alpha, Set<String> modules, RandomGenerator random) {
        weights().forEach(p -> p.setTrainable(false));
        for (Block b : blocks) {
            String[] names = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
            List<Linear> projections = b.projections();
            for (int i = 0; i < names.length; i++) {
                if (modules.contains(names[i])) {
                    projections.get(i).attachLora(rank, alpha, random);
                }
            }
        }
    }

    /** Folds every adapter into its weight. */
    public void mergeLora() {
        for (Block b : blocks) {
            b.projections().forEach(Linear::mergeLora);
        }
    }

    public void zeroGradients() {
        trainable().forEach(Parameter::zeroGradient);
    }

    /**
     * The forward pass: returns logits {@code [rows][vocabulary]} and keeps every activation for {@link #backward}.
     */
    public float[] forward(Batch batch, RowParallelKernels kernels) {
        int n = batch.rows();
        int d = config.hidden();
        int qWidth = config.heads() * config.headDim();
        int kvWidth = config.kvHeads() * config.headDim();
        int inter = config.intermediate();
        rope.ensure(batch.longest());
        for (int t : batch.tokens()) {
            if (t < 0 || t >= config.vocab()) {
                throw EvomergeException.input("token id " + t + " is outside the vocabulary [0, " + config.vocab()
                        + ")", null);
            }
        }
        float[] x = new float[n * d];
        for (int t = 0; t < n; t++) {
            System.arraycopy(embed.value(), batch.tokens()[t] * d, x, t * d, d);
        }
        saved = new BlockActivations[blocks.length];
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            BlockActivations a = new BlockActivations();
            saved[l] = a;
            a.input = x;
            a.norm1 = new float[n * d];
            a.rms1 = new float[n];
            RmsNorm.forward(x, b.inputNorm().value(), a.norm1, a.rms1, n, d, config.rmsNormEps());
            a.q = new float[n * qWidth];
            a.k = new float[n * kvWidth];
            a.v = new float[n * kvWidth];
            b.q().forward(a.norm1, a.q, n, kernels);
            b.k().forward(a.norm1, a.k, n, kernels);
            b.v().forward(a.norm1, a.v, n, kernels);
            rotate(batch, a.q, config.heads(), false);
            rotate(batch, a.k, config.kvHeads(), false);
            a.probs = new float[Math.toIntExact(attention.probabilitySize(batch.lengths()))];
            a.attended = new float[n * qWidth];
            attention.forward(a.q, a.k, a.v, a.attended, a.probs, batch.starts(), batch.lengths(), kernels);
            float[] attnOut = new float[n * d];
            b.o().forward(a.attended, attnOut, n, kernels);
            a.middle = new float[n * d];
            for (int i = 0; i < a.middle.length; i++) {
                a.middle[i] = x[i] + attnOut[i];
            }
            a.norm2 = new float[n * d];
            a.rms2 = new float[n];
            RmsNorm.forward(a.middle, b.postNorm().value(), a.norm2, a.rms2, n, d, config.rmsNormEps());
            a.gate = new float[n * inter];
            a.up = new float[n * inter];
            b.gate().forward(a.norm2, a.gate, n, kernels);
            b.up().forward(a.norm2, a.up, n, kernels);
            a.hidden = new float[n * inter];
            SwiGlu.forward(a.gate, a.up, a.hidden, n * inter);
            float[] mlpOut = new float[n * d];
            b.down().forward(a.hidden, mlpOut, n, kernels);
            float[] next = new float[n * d];
            for (int i = 0; i < next.length; i++) {
                next[i] = a.middle[i] + mlpOut[i];
            }
            x = next;
        }
        lastResidual = x;
        finalNormed = new float[n * d];
        finalRms = new float[n];
        RmsNorm.forward(x, finalNorm.value(), finalNormed, finalRms, n, d, config.rmsNormEps());
        float[] logits = new float[n * config.vocab()];
        kernels.multiplyTransposed(finalNormed, head.value(), logits, n, d, config.vocab(), false);
        return logits;
    }

    private void rotate(Batch batch, float[] rows, int heads, boolean inverse) {
        int width = heads * config.headDim();
        for (int s = 0; s < batch.starts().length; s++) {
            for (int i = 0; i < batch.lengths()[s]; i++) {
                rope.rotate(rows, (batch.starts()[s] + i) * width, heads, config.headDim(), i, inverse);
            }
        }
    }

    /**
     * Forward and backward over a batch: adds {@code scale ·} the gradient of the summed cross-entropy to the
     * trainable parameters' gradients and returns the summed cross-entropy (natural log) over the batch's targets.
     */
    public double forwardBackward(Batch batch, double scale, RowParallelKernels kernels) {
        float[] logits = forward(batch, kernels);
        double loss = CrossEntropy.lossAndGradient(logits, batch.targets(), batch.rows(), config.vocab(), scale);
        backward(batch, logits, kernels);
        return loss;
    }

    /** The summed cross-entropy over the batch's targets, without gradients. */
    public double loss(Batch batch, RowParallelKernels kernels) {
        float[] logits = forward(batch, kernels);
        return CrossEntropy.lossAndGradient(logits, batch.targets(), batch.rows(), config.vocab(), 0);
    }

    /** The backward pass of the last {@link #forward}, given the logits' gradient {@code dLogits}. */
    public void backward(Batch batch, float[] dLogits, RowParallelKernels kernels) {
        int n = batch.rows();
        int d = config.hidden();
        int qWidth = config.heads() * config.headDim();
        int kvWidth = config.kvHeads() * config.headDim();
        int inter = config.intermediate();
        float[] dNormed = new float[n * d];
        kernels.multiplyAccumulate(dLogits, head.value(), dNormed, n, d, config.vocab());
        if (head.trainable()) {
            kernels.accumulateOuter(dLogits, finalNormed, head.gradient(), n, d, config.vocab());
        }
        float[] dx = new float[n * d];
        RmsNorm.backward(lastResidual, finalNorm.value(), finalRms, dNormed, dx, finalNorm.gradient(), n, d);
        for (int l = blocks.length - 1; l >= 0; l--) {
            Block b = blocks[l];
            BlockActivations a = saved[l];
            // MLP: dx flows into the residual unchanged and through down(swiglu(gate, up)(norm2(middle))).
            float[] dHidden = new float[n * inter];
            b.down().backward(a.hidden, dx, dHidden, n, kernels);
            float[] dGate = new float[n * inter];
            float[] dUp = new float[n * inter];
            SwiGlu.backward(a.gate, a.up, dHidden, dGate, dUp, n * inter);
            float[] dNorm2 = new float[n * d];
            b.gate().backward(a.norm2, dGate, dNorm2, n, kernels);
            b.up().backward(a.norm2, dUp, dNorm2, n, kernels);
            float[] dMiddle = dx.clone();
            RmsNorm.backward(a.middle, b.postNorm().value(), a.rms2, dNorm2, dMiddle, b.postNorm().gradient(), n, d);
            // Attention.
            float[] dAttended = new float[n * qWidth];
            b.o().backward(a.attended, dMiddle, dAttended, n, kernels);
            float[] dq = new float[n * qWidth];
            float[] dk = new float[n * kvWidth];
            float[] dv = new float[n * kvWidth];
            attention.backward(a.q, a.k, a.v, a.probs, dAttended, dq, dk, dv, batch.starts(), batch.lengths(),
                    kernels);
            rotate(batch, dq, config.heads(), true);
            rotate(batch, dk, config.kvHeads(), true);
            // The projections' backward passes read only their input (norm1), so the rotated q and k kept for
            // attention are all the activations needed here.
            float[] dNorm1 = new float[n * d];
            b.q().backward(a.norm1, dq, dNorm1, n, kernels);
            b.k().backward(a.norm1, dk, dNorm1, n, kernels);
            b.v().backward(a.norm1, dv, dNorm1, n, kernels);
            float[] dInput = dMiddle.clone();
            RmsNorm.backward(a.input, b.inputNorm().value(), a.rms1, dNorm1, dInput, b.inputNorm().gradient(), n, d);
            dx = dInput;
        }
        if (embed.trainable()) {
            float[] dEmbed = embed.gradient();
            for (int t = 0; t < n; t++) {
                RowParallelKernels.axpy(1f, dx, t * d, dEmbed, batch.tokens()[t] * d, d);
            }
        }
        saved = null;
    }
}
