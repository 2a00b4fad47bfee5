package org.evomerge.api.model;

import java.util.List;
import java.util.Map;
import org.evomerge.api.Stable;

/**
 * The architecture facts evomerge needs from a model, read from {@code config.json} or from GGUF metadata.
 * Numbers a model does not state are 0 (or 0.0); {@code raw} keeps the full original configuration so writers can
 * carry it into outputs unchanged.
 *
 * @param architectures     e.g. {@code ["LlamaForCausalLM"]}
 * @param modelType         e.g. {@code llama}
 * @param numLayers         transformer blocks
 * @param hiddenSize        model width
 * @param intermediateSize  MLP width
 * @param numHeads          attention heads
 * @param numKeyValueHeads  key/value heads (grouped-query attention); equal to {@code numHeads} without GQA
 * @param headDim           per-head width
 * @param vocabSize         rows of the embedding
 * @param tiedEmbeddings    whether the output head reuses the embedding
 * @param ropeTheta         RoPE base frequency
 * @param rmsNormEps        normalisation epsilon
 * @param raw               the whole configuration as parsed JSON values, in file order (values may be null;
 *                          numbers are {@link Number}s of any class, which a format may use to keep their text)
 */
@Stable(since = "0.1.0")
public record ModelConfig(
        List<String> architectures,
        String modelType,
        int numLayers,
        int hiddenSize,
        int intermediateSize,
        int numHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        boolean tiedEmbeddings,
        double ropeTheta,
        double rmsNormEps,
        Map<String, Object> raw) {

    public ModelConfig {
        architectures = architectures == null ? List.of() : List.copyOf(architectures);
        modelType = modelType == null ? "" : modelType;
        // Not Map.copyOf: real configurations hold JSON nulls (e.g. "rope_scaling": null), and their order matters.
        raw = raw == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(raw));
    }

    /** The first declared architecture, or the model type when none is declared. */
    public String architecture() {
        return architectures.isEmpty() ? modelType : architectures.getFirst();
    }
}
