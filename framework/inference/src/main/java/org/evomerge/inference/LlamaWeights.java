package org.evomerge.inference;

import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.WeightHandle;

import java.util.ArrayList;
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
 * decoded to float arrays. Optional biases (Qwen2's q/k/v, {@code attention_bias}, {@code mlp_bias}) are used when
 * present. The output head is the embedding when the configuration ties them or the model has no
 * {@code lm_head.weight}.
 */
record LlamaWeights(WeightMatrix embedding, List<Layer> layers, float[] finalNorm, WeightHandle outputHead)
        implements AutoCloseable {

    /** One transformer block. */
    record Layer(float[] attentionNorm, Projection q, Projection k, Projection v, Projection o, float[] mlpNorm,
                 Projection gate, Projection up, Projection down) {

        List<WeightHandle> matrices() {
            return Stream.of(q, k, v, o, gate, up, down).map(Projection::weight).toList();
        }
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
        Loader loader = new Loader(config, tensors, operations);
        WeightMatrix embedding = loader.hostMatrix("model.embed_tokens.weight", config.vocab(), config.hidden());
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new Layer(
                    loader.vector(p + "input_layernorm.weight", config.hidden()),
                    loader.projection(p + "self_attn.q_proj", config.qDim(), config.hidden()),
                    loader.projection(p + "self_attn.k_proj", config.kvDim(), config.hidden()),
                    loader.projection(p + "self_attn.v_proj", config.kvDim(), config.hidden()),
                    loader.projection(p + "self_attn.o_proj", config.hidden(), config.qDim()),
                    loader.vector(p + "post_attention_layernorm.weight", config.hidden()),
                    loader.projection(p + "mlp.gate_proj", config.intermediate(), config.hidden()),
                    loader.projection(p + "mlp.up_proj", config.intermediate(), config.hidden()),
                    loader.projection(p + "mlp.down_proj", config.hidden(), config.intermediate())));
        }
        float[] norm = loader.vector("model.norm.weight", config.hidden());
        boolean hasHead = tensors.find("lm_head.weight").isPresent();
        WeightHandle head = hasHead && !config.tied()
                ? loader.matrix("lm_head.weight", config.vocab(), config.hidden())
                : loader.matrix("model.embed_tokens.weight", config.vocab(), config.hidden());
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

        private java.lang.foreign.MemorySegment data(String name) {
            Tensor tensor = tensors.tensor(name);
            return tensor.data();
        }
    }
}
