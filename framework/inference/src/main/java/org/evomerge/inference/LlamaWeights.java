package org.evomerge.inference;

import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.WeightHandle;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/**
 * A Llama-family model's tensors under their Hugging Face names, checked for shape and dtype. Matrices stay in their
 * stored bytes ({@link Tensor#data()}, usually a memory mapping); norm weights and biases, which are small, are
 * decoded to float arrays (with the configuration's {@link LlamaConfig#normWeightOffset} added to every norm weight).
 * Optional biases (Qwen2's q/k/v, {@code attention_bias}, {@code mlp_bias}) are used when present. Phi-3's fused
 * {@code qkv_proj} and {@code gate_up_proj} are split by rows, which are contiguous in every stored dtype, so the
 * parts are views of the stored bytes. The output head is the embedding when the configuration ties them or the model
 * has no {@code lm_head.weight}.
 * A Mixtral-style model's MLP is its router and experts under transformers' names ({@code block_sparse_moe.gate},
 * {@code block_sparse_moe.experts.N.w1/w2/w3}).
 */
record LlamaWeights(WeightMatrix embedding, List<Layer> layers, float[] finalNorm, WeightHandle outputHead)
        implements AutoCloseable {

    /**
     * One transformer block. {@code queryNorm} and {@code keyNorm} ({@code headDim} weights, Qwen3 and Gemma 3) are
     * null when the configuration has no {@link LlamaConfig#queryKeyNorm}; {@code postAttentionNorm} and
     * {@code postMlpNorm} (Gemma) when it has no {@link LlamaConfig#sandwichNorms}. {@code mlpNorm} is the norm before
     * the MLP: Llama's {@code post_attention_layernorm}, Gemma's {@code pre_feedforward_layernorm}. A dense MLP has
     * {@code gate}, {@code up} and {@code down} and no {@code experts}; a mixture of experts has {@code experts} and no
     * dense projections (null).
     */
    record Layer(float[] attentionNorm, Projection q, Projection k, Projection v, Projection o, float[] mlpNorm,
                 Projection gate, Projection up, Projection down, Experts experts, float[] queryNorm,
                 float[] keyNorm, float[] postAttentionNorm, float[] postMlpNorm) {

        List<WeightHandle> matrices() {
            Stream<WeightHandle> dense = Stream.of(q, k, v, o, gate, up, down).filter(p -> p != null)
                    .map(Projection::weight);
            return experts == null ? dense.toList() : Stream.concat(dense, experts.matrices().stream()).toList();
        }
    }

    /** A layer's mixture of experts: the router ({@code experts × hidden}) and the experts, in index order. */
    record Experts(ExpertRouting routing, WeightHandle router, List<Expert> experts) {

        List<WeightHandle> matrices() {
            return Stream.concat(Stream.of(router),
                    experts.stream().flatMap(e -> Stream.of(e.gate(), e.up(), e.down()))).toList();
        }
    }

    /** One SwiGLU expert: {@code down(silu(gate·x) ⊙ up·x)}; Mixtral's {@code w1}, {@code w3} and {@code w2}. */
    record Expert(WeightHandle gate, WeightHandle up, WeightHandle down) {
    }

    /** A linear projection {@code W·x + b}; the bias is null when the model has none. */
    record Projection(WeightHandle weight, float[] bias) {
    }

    /**
     * Loads the model's weights: the projections and the output head are uploaded to {@code operations} once (the
     * CPU kernels wrap the mapped bytes, a GPU keeps them in device memory until {@link #close()}); the embedding is
     * looked up row by row on the host.
     */
    static LlamaWeights load(LlamaConfig config, TensorSource tensors, InferenceOperations operations) {
        return load(config, Optional.empty(), tensors, operations);
    }

    /** {@link #load(LlamaConfig, TensorSource, InferenceOperations)}, with every MLP a mixture of experts if routed. */
    static LlamaWeights load(LlamaConfig config, Optional<ExpertRouting> routing, TensorSource tensors,
                             InferenceOperations operations) {
        Loader loader = new Loader(config, tensors, operations);
        WeightMatrix embedding = loader.hostMatrix("model.embed_tokens.weight", config.vocab(), config.hidden());
        int hidden = config.hidden();
        int qDim = config.qDim();
        int kvDim = config.kvDim();
        int intermediate = config.intermediate();
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            Projection q;
            Projection k;
            Projection v;
            Projection gate;
            Projection up;
            if (config.fusedProjections()) {
                String qkv = p + "self_attn.qkv_proj";
                q = loader.rowsOf(qkv, 0, qDim, qDim + 2 * kvDim, hidden);
                k = loader.rowsOf(qkv, qDim, kvDim, qDim + 2 * kvDim, hidden);
                v = loader.rowsOf(qkv, qDim + kvDim, kvDim, qDim + 2 * kvDim, hidden);
                String gateUp = p + "mlp.gate_up_proj";
                gate = loader.rowsOf(gateUp, 0, intermediate, 2 * intermediate, hidden);
                up = loader.rowsOf(gateUp, intermediate, intermediate, 2 * intermediate, hidden);
            } else {
                q = loader.projection(p + "self_attn.q_proj", qDim, hidden);
                k = loader.projection(p + "self_attn.k_proj", kvDim, hidden);
                v = loader.projection(p + "self_attn.v_proj", kvDim, hidden);
                gate = routing.isPresent() ? null : loader.projection(p + "mlp.gate_proj", intermediate, hidden);
                up = routing.isPresent() ? null : loader.projection(p + "mlp.up_proj", intermediate, hidden);
            }
            boolean sandwich = config.sandwichNorms();
            boolean qkNorm = config.queryKeyNorm();
            layers.add(new Layer(
                    loader.norm(p + "input_layernorm.weight", hidden),
                    q, k, v,
                    loader.projection(p + "self_attn.o_proj", hidden, qDim),
                    loader.norm(p + (sandwich ? "pre_feedforward_layernorm" : "post_attention_layernorm") + ".weight",
                            hidden),
                    gate, up,
                    routing.isPresent() ? null : loader.projection(p + "mlp.down_proj", hidden, intermediate),
                    routing.isPresent() ? loader.experts(p + "block_sparse_moe.", routing.get()) : null,
                    qkNorm ? loader.norm(p + "self_attn.q_norm.weight", config.headDim()) : null,
                    qkNorm ? loader.norm(p + "self_attn.k_norm.weight", config.headDim()) : null,
                    sandwich ? loader.norm(p + "post_attention_layernorm.weight", hidden) : null,
                    sandwich ? loader.norm(p + "post_feedforward_layernorm.weight", hidden) : null));
        }
        float[] norm = loader.norm("model.norm.weight", hidden);
        boolean hasHead = tensors.find("lm_head.weight").isPresent();
        WeightHandle head = hasHead && !config.tied()
                ? loader.matrix("lm_head.weight", config.vocab(), hidden)
                : loader.matrix("model.embed_tokens.weight", config.vocab(), hidden);
        return new LlamaWeights(embedding, List.copyOf(layers), norm, head);
    }

    /** Releases every uploaded matrix (device memory on a GPU). */
    @Override
    public void close() {
        for (Layer layer : layers) {
            layer.matrices().forEach(WeightHandle::close);
        }
        outputHead.close();
    }

    private record Loader(LlamaConfig config, TensorSource tensors, InferenceOperations operations) {

        /** {@code name.weight}, a {@code rows × cols} matrix, and the optional {@code name.bias} of {@code rows}. */
        Projection projection(String name, int rows, int cols) {
            return new Projection(matrix(name + ".weight", rows, cols), optionalVector(name + ".bias", rows));
        }

        /**
         * Rows {@code [first, first + rows)} of the {@code total × cols} fused projection {@code name.weight} (and of
         * its optional bias): a view of the stored bytes.
         */
        Projection rowsOf(String name, int first, int rows, int total, int cols) {
            String weightName = name + ".weight";
            WeightMatrix whole = hostMatrix(weightName, total, cols);
            MemorySegment data = data(weightName);
            long rowBytes = data.byteSize() / total;
            MemorySegment part = data.asSlice(first * rowBytes, rows * rowBytes);
            WeightHandle weight = operations.upload(part, whole.dtype(), rows, cols);
            float[] bias = optionalVector(name + ".bias", total);
            return new Projection(weight, bias == null ? null : Arrays.copyOfRange(bias, first, first + rows));
        }

        /** An RMSNorm weight, with the configuration's {@link LlamaConfig#normWeightOffset} added. */
        float[] norm(String name, int length) {
            float[] weight = vector(name, length);
            float offset = config.normWeightOffset();
            if (offset != 0) {
                for (int i = 0; i < length; i++) {
                    weight[i] += offset;
                }
            }
            return weight;
        }

        /** {@code prefix + gate.weight} and {@code prefix + experts.N.w1/w2/w3.weight}, as Mixtral names them. */
        Experts experts(String prefix, ExpertRouting routing) {
            List<Expert> experts = new ArrayList<>();
            for (int e = 0; e < routing.experts(); e++) {
                String name = prefix + "experts." + e + ".";
                experts.add(new Expert(
                        matrix(name + "w1.weight", config.intermediate(), config.hidden()),
                        matrix(name + "w3.weight", config.intermediate(), config.hidden()),
                        matrix(name + "w2.weight", config.hidden(), config.intermediate())));
            }
            return new Experts(routing, matrix(prefix + "gate.weight", routing.experts(), config.hidden()),
                    List.copyOf(experts));
        }

        WeightHandle matrix(String name, int rows, int cols) {
            WeightMatrix host = hostMatrix(name, rows, cols);
            return operations.upload(data(name), host.dtype(), rows, cols);
        }

        WeightMatrix hostMatrix(String name, int rows, int cols) {
            TensorInfo info = tensors.find(name).orElseThrow(
                    () -> LlamaConfig.error(config.modelName(), "tensor '" + name + "' is missing"));
            checkShape(info, rows, cols);
            if (!WeightMatrix.supports(info.dtype()) || cols % info.dtype().blockSize() != 0) {
                throw LlamaConfig.error(config.modelName(), "tensor '" + name + "' has dtype " + info.dtype()
                        + ", which the inference engine does not support"
                        + " (supported: F32, BF16, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
            }
            return WeightMatrix.of(data(name), info.dtype(), rows, cols);
        }

        float[] vector(String name, int length) {
            float[] values = optionalVector(name, length);
            if (values == null) {
                throw LlamaConfig.error(config.modelName(), "tensor '" + name + "' is missing");
            }
            return values;
        }

        float[] optionalVector(String name, int length) {
            Optional<TensorInfo> found = tensors.find(name);
            if (found.isEmpty()) {
                return null;
            }
            TensorInfo info = found.get();
            if (info.shape().elementCount() != length || info.shape().rank() > 2) {
                throw LlamaConfig.error(config.modelName(), "tensor '" + name + "' has shape " + info.shape()
                        + ", expected [" + length + "]");
            }
            if (info.dtype() != DType.F32 && info.dtype() != DType.BF16 && info.dtype() != DType.F16) {
                throw LlamaConfig.error(config.modelName(), "tensor '" + name + "' has dtype " + info.dtype()
                        + ", which the inference engine does not support for vectors (supported: F32, BF16, F16)");
            }
            float[] values = new float[length];
            WeightMatrix.of(data(name), info.dtype(), 1, length).decodeRow(0, values, 0);
            return values;
        }

        private void checkShape(TensorInfo info, int rows, int cols) {
            if (info.shape().rank() != 2 || info.shape().dim(0) != rows || info.shape().dim(1) != cols) {
                throw LlamaConfig.error(config.modelName(), "tensor '" + info.name() + "' has shape " + info.shape()
                        + ", expected [" + rows + ", " + cols + "] from the config");
            }
        }

        private MemorySegment data(String name) {
            Tensor tensor = tensors.tensor(name);
            return tensor.data();
        }
    }
}
