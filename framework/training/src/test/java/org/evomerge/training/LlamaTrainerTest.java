package org.evomerge.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.training.TrainingData;
import org.evomerge.api.training.TrainingResult;
import org.evomerge.api.training.TrainingSettings;
import org.evomerge.training.model.TrainableLlama;
import org.junit.jupiter.api.Test;

class LlamaTrainerTest {

    /** A Llama of 2 layers, width 32, 4 query heads sharing 2 key/value heads, tied embeddings. */
    private static final ModelConfig CONFIG = TrainableLlama.newModelConfig(Map.ofEntries(
            Map.entry("num_hidden_layers", 2), Map.entry("hidden_size", 32), Map.entry("intermediate_size", 64),
            Map.entry("num_attention_heads", 4), Map.entry("num_key_value_heads", 2), Map.entry("head_dim", 8),
            Map.entry("vocab_size", 12), Map.entry("tie_word_embeddings", true), Map.entry("rope_theta", 10000.0),
            Map.entry("rms_norm_eps", 1e-5), Map.entry("max_position_embeddings", 64), Map.entry("bos_token_id", 0),
            Map.entry("eos_token_id", 1)));

    /** A fresh random model as a {@link Model}, as a caller would pass one. */
    static Model baseModel(long seed) {
        TrainableLlama init = TrainableLlama.initialize(CONFIG, 0.02, new SplittableRandom(seed));
        return init.toModel(CONFIG, List.of());
    }

    /** Counting sequences "2 3 4 5 ..." and "7 6 5 4 ..." modulo 10, shifted by 2: learnable in a few steps. */
    static TrainingData countingData() {
        List<TrainingData.Example> examples = new ArrayList<>();
        for (int start = 0; start < 10; start++) {
            int[] up = new int[12];
            int[] down = new int[12];
            up[0] = 0;
            down[0] = 1;
            for (int i = 1; i < 12; i++) {
                up[i] = 2 + (start + i) % 10;
                down[i] = 2 + Math.floorMod(start - i, 10);
            }
            examples.add(TrainingData.Example.text(up));
            examples.add(TrainingData.Example.text(down));
        }
        return new TrainingData(examples);
    }

    static float[] values(Model model, String name) {
        TensorInfo info = model.tensors().tensor(name).info();
        return model.tensors().tensor(name).data().toArray(
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void lossDecreasesOnATinyDataset() {
        TrainingSettings settings = TrainingSettings.of(60, 8, 1e-2, 1);
        TrainingResult result = new LlamaTrainer(1).fineTune(baseModel(1), countingData(), settings);
        List<Double> losses = result.stepLosses();
        assertEquals(60, losses.size());
        double first = losses.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = losses.subList(55, 60).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(first > 2.0, "starts near ln(12) = 2.48: " + first);
        assertTrue(last < 0.5 * first, "loss must at least halve: " + first + " -> " + last);
        assertEquals(60L * 8 * 12, result.tokensTrained());
    }

    @Test
    void sameSeedSameWeightsAnyThreadCountAndAnotherSeedDiffers() {
        TrainingSettings settings = TrainingSettings.of(5, 4, 1e-2, 7).withAccumulation(2);
        Model a = new LlamaTrainer(1).fineTune(baseModel(3), countingData(), settings).model();
        Model b = new LlamaTrainer(2).fineTune(baseModel(3), countingData(), settings).model();
        Model c = new LlamaTrainer(1).fineTune(baseModel(3), countingData(),
                TrainingSettings.of(5, 4, 1e-2, 8).withAccumulation(2)).model();
        for (TensorInfo info : a.tensors().tensors()) {
            assertArrayEquals(values(a, info.name()), values(b, info.name()), info.name());
        }
        assertFalse(java.util.Arrays.equals(values(a, "model.layers.0.mlp.up_proj.weight"),
                values(c, "model.layers.0.mlp.up_proj.weight")), "another seed must draw other batches");
    }

    @Test
    void loraTrainsOnlyTheTargetsAndMergesThemIntoTheWeights() {
        Model base = baseModel(4);
        TrainingSettings settings = TrainingSettings.of(30, 8, 2e-2, 1)
                .withLora(new TrainingSettings.Lora(4, 8, Set.of("q_proj", "up_proj")));
        TrainingResult result = new LlamaTrainer(1).fineTune(base, countingData(), settings);
        Model tuned = result.model();
        assertEquals(base.tensors().tensors().size(), tuned.tensors().tensors().size(), "no adapter tensors saved");
        assertFalse(java.util.Arrays.equals(values(base, "model.layers.1.self_attn.q_proj.weight"),
                values(tuned, "model.layers.1.self_attn.q_proj.weight")), "q_proj changed");
        assertArrayEquals(values(base, "model.layers.1.self_attn.k_proj.weight"),
                values(tuned, "model.layers.1.self_attn.k_proj.weight"), "k_proj is not a target");
        assertArrayEquals(values(base, "model.embed_tokens.weight"), values(tuned, "model.embed_tokens.weight"));
        assertTrue(result.stepLosses().getLast() < result.stepLosses().getFirst(), "loss decreased");
    }

    @Test
    void tokensOutsideTheVocabularyAreAnInputError() {
        TrainingData bad = new TrainingData(List.of(TrainingData.Example.text(new int[] {1, 99})));
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> new LlamaTrainer(1).fineTune(baseModel(1), bad, TrainingSettings.of(1, 1, 1e-3, 1)));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }
}
