package org.evomerge.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;

/**
 * The process {@link FreshJvmBitsTest} starts: scores and decodes tiny models of every weight dtype {@code rounds}
 * times on {@code threads} threads and prints the bits of every result of the first round, one line each; exits
 * with 1 if a later round gave other bits than the first (the kernels changed results once the JIT compiled them).
 * A 300-token prefill (matrix-matrix products, attention over long rows) and decode steps (matrix-vector products)
 * and a batched decoding step of 20 sequences put every kernel's vector loops and tails to work.
 */
final class KernelBitsProbe {

    private KernelBitsProbe() {
    }

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        LlamaInferenceEngine engine = new LlamaInferenceEngine(threads, m -> Optional.empty());
        // Head size 68 and widths off the vector width for the float types; Q8_0 rows are whole 32-element blocks.
        TinyModel.Spec odd = new TinyModel.Spec("LlamaForCausalLM", 2, 136, 200, 2, 1, 67, 10000, null, null, true,
                false, 512);
        TinyModel.Spec blocks = new TinyModel.Spec("LlamaForCausalLM", 2, 128, 224, 2, 1, 67, 10000, null, null, false,
                false, 512);
        List<LanguageModel> models = new ArrayList<>();
        for (DType dtype : List.of(DType.F32, DType.BF16, DType.F16)) {
            models.add(engine.load(TinyModel.of(odd, dtype, 11).model()));
        }
        models.add(engine.load(TinyModel.of(blocks, DType.Q8_0, 11).model()));
        // The other block types at widths of whole 256-element super-blocks.
        TinyModel.Spec superBlocks = new TinyModel.Spec("LlamaForCausalLM", 1, 256, 512, 2, 1, 67, 10000, null, null,
                false, false, 512);
        for (DType dtype : List.of(DType.Q4_0, DType.Q4_K, DType.Q5_K, DType.Q6_K)) {
            TinyModel model = TinyModel.of(superBlocks, DType.F32, 11);
            BlockQuantizer.matrixColumns(superBlocks)
                    .forEach((name, cols) -> BlockQuantizer.requantize(model, name, cols, dtype));
            models.add(engine.load(model.model()));
        }
        // Gemma 2: the GeLU-tanh activation and the soft caps (StrictMath's tanh) in every JIT stage too.
        Map<String, Object> gemma = new LinkedHashMap<>(TinyDecoder.gemma2(DType.BF16, 11).config);
        gemma.put("max_position_embeddings", 512);
        gemma.put("vocab_size", 67);
        models.add(engine.load(TinyDecoder.of(gemma, DType.BF16, 11).model()));
        int[] tokens = LlamaForwardTest.randomTokens(300, 67, 3);
        List<String> first = results(models, tokens);
        for (int round = 1; round < rounds; round++) {
            List<String> again = results(models, tokens);
            if (!again.equals(first)) {
                System.out.println("round " + round + " differs from round 0");
                System.exit(1);
            }
        }
        first.forEach(System.out::println);
    }

    /** Log-probabilities of a prefill and the logits of three decode steps, per model, as hexadecimal bits. */
    private static List<String> results(List<LanguageModel> models, int[] tokens) {
        List<String> lines = new ArrayList<>();
        for (LanguageModel model : models) {
            StringBuilder line = new StringBuilder();
            for (double p : model.tokenLogProbabilities(tokens)) {
                line.append(Long.toHexString(Double.doubleToRawLongBits(p))).append(' ');
            }
            try (InferenceSession session = model.newSession()) {
                float[] logits = session.append(tokens[0], tokens[1]);
                for (int step = 0; step < 3; step++) {
                    logits = session.append(tokens[2 + step]);
                    for (float l : logits) {
                        line.append(Integer.toHexString(Float.floatToRawIntBits(l))).append(' ');
                    }
                }
            }
            // Batched decoding: a step of 20 sequences in the one-token order (the panel kernel of that order).
            LlamaLanguageModel llama = (LlamaLanguageModel) model;
            KeyValueCache[] caches = new KeyValueCache[20];
            int[][] steps = new int[20][];
            for (int s = 0; s < caches.length; s++) {
                caches[s] = llama.newCache();
                steps[s] = new int[] {tokens[s]};
            }
            float[] hidden = llama.forward().runSequences(caches, steps, SummationOrder.DOT);
            for (float l : llama.forward().logitsPerRow(hidden, caches.length)) {
                line.append(Integer.toHexString(Float.floatToRawIntBits(l))).append(' ');
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
