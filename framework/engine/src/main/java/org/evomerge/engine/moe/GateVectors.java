package org.evomerge.engine.moe;

import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.evomerge.api.inference.HiddenStates;
import org.evomerge.api.inference.Tokenizer;

/**
 * The router weights of a mixture-of-experts merge, as mergekit-moe's {@code get_gate_params}
 * ({@code mergekit/moe/router.py}) computes them: {@code [layers][experts][hidden]} in double precision, rounded to the
 * output dtype only when written.
 *
 * <p>From prompts ({@code hidden}, {@code hidden_avg}, {@code hidden_last}, {@code cheap_embed}): per expert, the
 * prompts' vector per layer, minus the negative prompts' vector when there are negative prompts, scaled to unit
 * length per layer (norm clamped at 1e-8). A prompt is tokenized as mergekit does: the BOS token's text before it, no
 * special tokens added. {@code hidden} and {@code hidden_last} take the hidden state of a prompt's last token at each
 * layer's input (transformers' {@code hidden_states[:-1]}: the embeddings, then each layer's output but the last),
 * {@code hidden_avg} the mean over its tokens; either is then averaged over the prompts. mergekit runs the prompts as
 * one left-padded batch: the last token's state is the same, while its {@code hidden_avg} means include the padding
 * rows of shorter prompts; here each prompt is its own sequence, so the two agree when the prompts have the same
 * number of tokens. {@code cheap_embed} sums the embedding rows of all the prompts' tokens and scales the sum to unit
 * length, the same vector for every layer. {@code random} draws standard Gaussians, {@code uniform_random}
 * {@code U(-1/sqrt(hidden), 1/sqrt(hidden))} (torch's {@code nn.Linear} initialisation), from the run's seeded
 * generator and without scaling.
 */
final class GateVectors {

    private GateVectors() {
    }

    /** {@code random}: standard Gaussians. */
    static double[][][] random(RandomGenerator random, int layers, int experts, int hidden) {
        double[][][] gates = new double[layers][experts][hidden];
        for (double[][] layer : gates) {
            for (double[] row : layer) {
                for (int i = 0; i < hidden; i++) {
                    row[i] = random.nextGaussian();
                }
            }
        }
        return gates;
    }

    /** {@code uniform_random}: {@code U(-1/sqrt(hidden), 1/sqrt(hidden))}. */
    static double[][][] uniformRandom(RandomGenerator random, int layers, int experts, int hidden) {
        double scale = Math.sqrt(1.0 / hidden);
        double[][][] gates = new double[layers][experts][hidden];
        for (double[][] layer : gates) {
            for (double[] row : layer) {
                for (int i = 0; i < hidden; i++) {
                    row[i] = random.nextDouble() * 2 * scale - scale;
                }
            }
        }
        return gates;
    }

    /**
     * The gates of {@code experts} from their prompts: {@code promptVectors} maps a list of prompts to its
     * {@code [layers][hidden]} vectors.
     */
    static double[][][] fromPrompts(List<MoeMergeConfig.Expert> experts, int layers,
                                    Function<List<String>, double[][]> promptVectors) {
        double[][][] gates = new double[layers][experts.size()][];
        for (int e = 0; e < experts.size(); e++) {
            MoeMergeConfig.Expert expert = experts.get(e);
            double[][] vectors = promptVectors.apply(expert.positivePrompts());
            if (!expert.negativePrompts().isEmpty()) {
                double[][] negative = promptVectors.apply(expert.negativePrompts());
                for (int l = 0; l < layers; l++) {
                    for (int i = 0; i < vectors[l].length; i++) {
                        vectors[l][i] -= negative[l][i];
                    }
                }
            }
            for (int l = 0; l < layers; l++) {
                gates[l][e] = unit(vectors[l]);
            }
        }
        return gates;
    }

    /**
     * {@code get_hidden_states}: per layer, the prompts' mean of the last token's layer input ({@code last}) or of
     * the mean over their tokens.
     */
    static double[][] hiddenStates(HiddenStates model, Tokenizer tokenizer, List<String> prompts, int layers,
                                   int hidden, boolean last) {
        double[][] sum = new double[layers][hidden];
        for (String prompt : prompts) {
            int[] tokens = tokenize(tokenizer, prompt);
            float[][] inputs;
            try {
                inputs = model.layerInputs(tokens);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the prompt '" + prompt + "': " + e.getMessage(), e);
            }
            for (int l = 0; l < layers; l++) {
                for (int t = last ? tokens.length - 1 : 0; t < tokens.length; t++) {
                    double weight = last ? 1 : 1.0 / tokens.length;
                    for (int i = 0; i < hidden; i++) {
                        sum[l][i] += weight * inputs[l][t * hidden + i];
                    }
                }
            }
        }
        for (double[] row : sum) {
            for (int i = 0; i < hidden; i++) {
                row[i] /= prompts.size();
            }
        }
        return sum;
    }

    /**
     * {@code get_cheap_embedding}: the sum of the embedding rows of every token of every prompt, at unit length,
     * for every layer; {@code embeddingRow} decodes one row.
     */
    static double[][] cheapEmbedding(Function<Integer, float[]> embeddingRow, Tokenizer tokenizer,
                                     List<String> prompts, int layers, int hidden) {
        double[] sum = new double[hidden];
        for (String prompt : prompts) {
            for (int token : tokenize(tokenizer, prompt)) {
                float[] row = embeddingRow.apply(token);
                for (int i = 0; i < hidden; i++) {
                    sum[i] += row[i];
                }
            }
        }
        double[] unit = unit(sum);
        double[][] perLayer = new double[layers][];
        for (int l = 0; l < layers; l++) {
            perLayer[l] = unit.clone();
        }
        return perLayer;
    }

    /**
     * {@code tokenize_prompts}: the BOS token's text, then the prompt, encoded without adding special tokens.
     *
     * @throws IllegalArgumentException naming the prompt when it has no tokens
     */
    static int[] tokenize(Tokenizer tokenizer, String prompt) {
        String bos = tokenizer.bosTokenId().isPresent()
                ? tokenizer.decode(new int[] {tokenizer.bosTokenId().getAsInt()}, false) : "";
        int[] tokens = tokenizer.encode(bos + prompt, false);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the prompt '" + prompt + "' has no tokens");
        }
        return tokens;
    }

    /**
     * mergekit's {@code warn_degenerate_gates}: the layers whose gate matrix ({@code experts × hidden}) has a 2-norm
     * condition number {@code σmax / σmin} above {@code threshold} (mergekit's 5): rows so alike that some experts
     * will rarely be chosen.
     */
    static List<Integer> degenerateLayers(double[][][] gates, double threshold) {
        List<Integer> degenerate = new java.util.ArrayList<>();
        for (int l = 0; l < gates.length; l++) {
            double[][] rows = gates[l];
            DMatrixRMaj matrix = new DMatrixRMaj(rows);
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(matrix.numRows,
                    matrix.numCols, false, false, true);
            if (!svd.decompose(matrix)) {
                continue;
            }
            double max = 0;
            double min = Double.POSITIVE_INFINITY;
            for (double sigma : svd.getSingularValues()) {
                max = Math.max(max, sigma);
                min = Math.min(min, sigma);
            }
            if (!(max / min <= threshold)) {
                degenerate.add(l);
            }
        }
        return degenerate;
    }

    /** {@code v / max(|v|, 1e-8)}. */
    static double[] unit(double[] v) {
        double squares = 0;
        for (double x : v) {
            squares += x * x;
        }
        double norm = Math.max(Math.sqrt(squares), 1e-8);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }
}
