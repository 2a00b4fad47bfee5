package org.evomerge.plugins.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.training.Trainer;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.testkit.MutationContract;
import org.evomerge.testkit.TestRunContexts;
import org.evomerge.training.LlamaTrainer;
import org.evomerge.training.model.TrainableLlama;
import org.junit.jupiter.api.Test;

/** The fine-tune mutation with the real trainer, a tiny model and an in-memory model store. */
class FineTuneMutationTest extends MutationContract {

    /** A Llama of 1 layers, width 16, 2 query heads sharing 1 key/value heads, tied embeddings. */
    private static final ModelConfig CONFIG = TrainableLlama.newModelConfig(Map.ofEntries(
            Map.entry("num_hidden_layers", 1), Map.entry("hidden_size", 16), Map.entry("intermediate_size", 32),
            Map.entry("num_attention_heads", 2), Map.entry("num_key_value_heads", 1), Map.entry("head_dim", 8),
            Map.entry("vocab_size", 12), Map.entry("tie_word_embeddings", true), Map.entry("rope_theta", 10000.0),
            Map.entry("rms_norm_eps", 1e-5), Map.entry("max_position_embeddings", 64), Map.entry("bos_token_id", 0),
            Map.entry("eos_token_id", 1)));

    private final InMemoryModelStore store = new InMemoryModelStore();
    private final ModelGenome parent = store.add(tinyModel());
    private final Path dataset = writeDataset();

    private static Model tinyModel() {
        TrainableLlama init = TrainableLlama.initialize(CONFIG, 0.05, new SplittableRandom(1));
        return init.toModel(CONFIG, List.of());
    }

    /** Ten token sequences, and two text records the fake tokenizer turns into ids. */
    private static Path writeDataset() {
        try {
            Path file = Files.createTempFile("fine-tune", ".jsonl");
            file.toFile().deleteOnExit();
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                lines.append("{\"input_ids\": [0, ").append(2 + i % 10).append(", ").append(2 + (i + 1) % 10)
                        .append(", ").append(2 + (i + 2) % 10).append("]}\n");
            }
            lines.append("{\"prompt\": \"ab\", \"answer\": \"cd\"}\n\n{\"text\": \"abcabc\"}\n");
            Files.writeString(file, lines);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Letters a..j are ids 2..11; BOS 0, EOS 1. */
    static final class LetterTokenizer implements Tokenizer {
        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            int offset = addSpecialTokens ? 1 : 0;
            int[] ids = new int[text.length() + offset];
            for (int i = 0; i < text.length(); i++) {
                ids[i + offset] = 2 + text.charAt(i) - 'a';
            }
            return ids;
        }

        @Override
        public String decode(int[] ids, boolean skipSpecialTokens) {
            throw new UnsupportedOperationException();
        }

        @Override
        public OptionalInt bosTokenId() {
            return OptionalInt.of(0);
        }

        @Override
        public OptionalInt eosTokenId() {
            return OptionalInt.of(1);
        }
    }

    private static final InferenceEngine TOKENIZING_ENGINE = new InferenceEngine() {
        @Override
        public LanguageModel load(Model model) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Tokenizer> tokenizer(Model model) {
            return Optional.of(new LetterTokenizer());
        }
    };

    @Override
    protected MutationFactory factory() {
        return new FineTuneMutationFactory();
    }

    @Override
    protected Genome parent() {
        return parent;
    }

    @Override
    protected RunContext context(long seed) {
        RunContext base = TestRunContexts.seeded(seed);
        return new DefaultRunContext(new SeededRandomSource(seed), base.compute(), base.progress(), base.scratch(), 1,
                Map.of(ModelStore.class, store, Trainer.class, new LlamaTrainer(1),
                        InferenceEngine.class, TOKENIZING_ENGINE));
    }

    @Override
    protected Parameters parameters(EnumSet<ParameterScope> scopes, Map<String, ?> overrides) {
        Map<String, Object> all = new LinkedHashMap<>(overrides);
        all.putIfAbsent("dataset", dataset.toString());
        all.putIfAbsent("steps", 3);
        all.putIfAbsent("batch_size", 4);
        all.putIfAbsent("learning_rate_min", 1e-3);
        all.putIfAbsent("learning_rate_max", 1e-2);
        all.putIfAbsent("lora_rank_min", 1);
        all.putIfAbsent("lora_rank_max", 4);
        return super.parameters(scopes, all);
    }

    @Test
    void drawsRankAndLearningRateFromTheirRangesAndStoresTheResult() {
        var mutation = factory().create(parameters(EnumSet.allOf(ParameterScope.class), Map.of()), context(1));
        List<Genome> children = new ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) {
            children.add(mutation.mutate(new MutationInput(parent, List.of(), new SeededRandomSource(seed))));
        }
        assertEquals(6, store.labels.size());
        for (String label : store.labels) {
            assertTrue(label.matches("fine-tune lora r=[1-4] lr=\\S+ steps=3"), label);
            double lr = Double.parseDouble(label.replaceAll(".*lr=(\\S+).*", "$1"));
            assertTrue(lr >= 1e-3 && lr <= 1e-2, label);
        }
        assertTrue(store.labels.stream().distinct().count() > 1, "draws differ across seeds: " + store.labels);
        assertTrue(children.stream().allMatch(c -> c instanceof ModelGenome g && !g.equals(parent)));
    }

    @Test
    void fullFineTuningChangesEveryWeight() {
        var mutation = factory().create(parameters(EnumSet.allOf(ParameterScope.class), Map.of("method", "full")),
                context(1));
        ModelGenome child = (ModelGenome) mutation.mutate(new MutationInput(parent, List.of(),
                new SeededRandomSource(4)));
        try (Model before = store.open(parent); Model after = store.open(child)) {
            for (var info : before.tensors().tensors()) {
                assertTrue(!before.tensors().tensor(info.name()).data().asByteBuffer()
                        .equals(after.tensors().tensor(info.name()).data().asByteBuffer()), info.name());
            }
        }
        assertTrue(store.labels.getLast().startsWith("fine-tune full"));
    }

    @Test
    void badDatasetsAndRangesAreClearErrors() {
        var factory = factory();
        EvomergeException missing = assertThrows(EvomergeException.class, () -> factory.create(
                parameters(EnumSet.allOf(ParameterScope.class), Map.of("dataset", "/no/such.jsonl")), context(1)));
        assertTrue(missing.getMessage().contains("/no/such.jsonl"), missing.getMessage());
        EvomergeException ranks = assertThrows(EvomergeException.class, () -> factory.create(
                parameters(EnumSet.allOf(ParameterScope.class), Map.of("lora_rank_min", 8, "lora_rank_max", 2)),
                context(1)));
        assertTrue(ranks.getMessage().contains("lora_rank_min"), ranks.getMessage());
        Path bad;
        try {
            bad = Files.createTempFile("bad", ".jsonl");
            Files.writeString(bad, "{\"text\": \"ab\"}\n{\"label\": 3}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path badFile = bad;
        EvomergeException record = assertThrows(EvomergeException.class, () -> factory.create(
                parameters(EnumSet.allOf(ParameterScope.class), Map.of("dataset", badFile.toString())), context(1)));
        assertTrue(record.getMessage().contains(badFile + ":2"), record.getMessage());
    }
}
