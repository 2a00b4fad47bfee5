package org.evomerge.plugins.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.training.Trainer;
import org.evomerge.api.training.TrainingData;
import org.evomerge.api.training.TrainingResult;
import org.evomerge.api.training.TrainingSettings;
import org.pf4j.Extension;

/**
 * Fine-tuning as mutation, as EvoMerge mutates: each mutation draws a LoRA rank (uniform integer in
 * {@code [lora_rank_min, lora_rank_max]}) and a learning rate (log-uniform in {@code [learning_rate_min,
 * learning_rate_max]}), samples {@code sample_size} records of the dataset without replacement, fine-tunes the
 * individual for {@code steps} steps with the run's {@link Trainer} and stores the result with
 * {@link ModelStore#write}. Every draw comes from the mutation's own random source, so a seed gives one child.
 *
 * <p>Text records are tokenised with the individual's tokenizer from the run's {@link InferenceEngine};
 * {@code input_ids} records need none.
 */
@Extension
public class FineTuneMutationFactory implements MutationFactory {

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("fine-tune", "1.0.0",
            ExtensionKind.MUTATION,
            "Fine-tunes a model individual (LoRA or full) on a JSONL dataset with seeded draws of rank, learning"
                    + " rate and data.",
            ParameterSchema.of(
                    new ParameterSpec("dataset", ParameterType.PATH, null, null, null, List.of(), true,
                            ParameterScope.GLOBAL, "JSONL file of {\"text\"}, {\"prompt\",\"answer\"} or"
                            + " {\"input_ids\"} records"),
                    ParameterSpec.choice("method", "lora", List.of("lora", "full"),
                            "train LoRA adapters (merged on save) or every weight"),
                    ParameterSpec.integer("steps", 20, 1L, 1_000_000L, "optimizer steps per mutation"),
                    ParameterSpec.integer("batch_size", 8, 1L, 4096L, "examples per step"),
                    ParameterSpec.integer("sample_size", 0, 0L, (long) Integer.MAX_VALUE,
                            "records drawn from the dataset per mutation (0: all of them)"),
                    ParameterSpec.number("learning_rate_min", 1e-4, 1e-9, 1.0, "lowest learning rate drawn"),
                    ParameterSpec.number("learning_rate_max", 1e-3, 1e-9, 1.0, "highest learning rate drawn"),
                    ParameterSpec.integer("lora_rank_min", 4, 1L, 1024L, "lowest LoRA rank drawn"),
                    ParameterSpec.integer("lora_rank_max", 16, 1L, 1024L, "highest LoRA rank drawn"),
                    ParameterSpec.number("lora_alpha_ratio", 2.0, 1e-6, null, "LoRA alpha as a multiple of the rank"),
                    new ParameterSpec("target_modules", ParameterType.STRING, "q_proj,k_proj,v_proj,o_proj", null,
                            null, List.of(), false, ParameterScope.GLOBAL,
                            "comma-separated projections LoRA adapts (q_proj ... down_proj)"),
                    ParameterSpec.integer("max_sequence_length", 512, 2L, 1_000_000L, "longer examples are cut"),
                    ParameterSpec.number("warmup_fraction", 0.1, 0.0, 1.0, "share of steps with linear warm-up"),
                    ParameterSpec.number("weight_decay", 0.0, 0.0, null, "AdamW weight decay"),
                    ParameterSpec.number("max_gradient_norm", 1.0, 0.0, null, "global-norm clipping (0: off)")),
            Set.of(Capability.MODEL_GENOMES, Capability.RANDOMIZED));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    /** The settings of one fine-tune mutation, after checking they fit together. */
    private record Config(TrainingDataset dataset, boolean lora, int steps, int batchSize, int sampleSize,
            double lrMin, double lrMax, int rankMin, int rankMax, double alphaRatio, Set<String> modules,
            int maxLength, double warmupFraction, double weightDecay, double maxGradientNorm) {
    }

    @Override
    public Mutation create(Parameters parameters, RunContext context) {
        if (!parameters.has("dataset")) {
            throw EvomergeException.configuration("fine-tune: parameter 'dataset' is required (a JSONL file)");
        }
        Path file = Path.of(parameters.string("dataset")).toAbsolutePath();
        if (!Files.isRegularFile(file)) {
            throw EvomergeException.configuration("fine-tune: dataset '" + file + "' does not exist");
        }
        double lrMin = parameters.number("learning_rate_min");
        double lrMax = parameters.number("learning_rate_max");
        if (lrMin > lrMax) {
            throw EvomergeException.configuration("fine-tune: learning_rate_min " + lrMin + " exceeds"
                    + " learning_rate_max " + lrMax);
        }
        int rankMin = (int) parameters.integer("lora_rank_min");
        int rankMax = (int) parameters.integer("lora_rank_max");
        if (rankMin > rankMax) {
            throw EvomergeException.configuration("fine-tune: lora_rank_min " + rankMin + " exceeds lora_rank_max "
                    + rankMax);
        }
        Set<String> modules = new LinkedHashSet<>();
        for (String module : parameters.string("target_modules").split(",")) {
            String name = module.strip();
            if (!name.isEmpty()) {
                if (!TrainingSettings.Lora.LLAMA_MODULES.contains(name)) {
                    throw EvomergeException.configuration("fine-tune: target_modules: unknown module '" + name
                            + "' (known: " + String.join(", ", TrainingSettings.Lora.LLAMA_MODULES) + ")");
                }
                modules.add(name);
            }
        }
        if (modules.isEmpty()) {
            throw EvomergeException.configuration("fine-tune: target_modules names no module");
        }
        Config config = new Config(TrainingDataset.read(file), parameters.string("method").equals("lora"),
                (int) parameters.integer("steps"), (int) parameters.integer("batch_size"),
                (int) parameters.integer("sample_size"), lrMin, lrMax, rankMin, rankMax,
                parameters.number("lora_alpha_ratio"), modules, (int) parameters.integer("max_sequence_length"),
                parameters.number("warmup_fraction"), parameters.number("weight_decay"),
                parameters.number("max_gradient_norm"));
        return new FineTuneMutation(config, context);
    }

    private record FineTuneMutation(Config config, RunContext context) implements ModelMutation {

        @Override
        public String id() {
            return "fine-tune";
        }

        @Override
        public Genome mutate(ModelGenome parent, MutationInput input, ModelStore store) {
            Trainer trainer = context.service(Trainer.class).orElseThrow(() -> EvomergeException.configuration(
                    "fine-tune: this run offers no trainer service"));
            RandomGenerator random = input.random().generator();
            int rank = config.rankMin() + random.nextInt(config.rankMax() - config.rankMin() + 1);
            double lr = Math.exp(Math.log(config.lrMin())
                    + random.nextDouble() * (Math.log(config.lrMax()) - Math.log(config.lrMin())));
            if (config.lrMin() == config.lrMax()) {
                lr = config.lrMin();
            }
            List<Integer> chosen = sample(config.dataset().records().size(), config.sampleSize(), random);
            long seed = random.nextLong();
            TrainingSettings settings = new TrainingSettings(config.steps(), config.batchSize(), 1,
                    config.maxLength(), lr, (int) Math.round(config.steps() * config.warmupFraction()),
                    config.weightDecay(), 0.9, 0.999, 1e-8, config.maxGradientNorm(),
                    config.lora() ? new TrainingSettings.Lora(rank, config.alphaRatio() * rank, config.modules())
                            : null, seed);
            String label = String.format(Locale.ROOT, "fine-tune %s lr=%.3g steps=%d",
                    config.lora() ? "lora r=" + rank : "full", lr, config.steps());
            try (Model model = store.open(parent)) {
                Tokenizer tokenizer = null;
                if (config.dataset().needsTokenizer()) {
                    InferenceEngine engine = context.service(InferenceEngine.class).orElseThrow(() ->
                            EvomergeException.configuration("fine-tune: " + config.dataset().file()
                                    + " holds text, and this run offers no inference engine to tokenise it"
                                    + " (use input_ids records)"));
                    tokenizer = engine.tokenizer(model).orElseThrow(() -> EvomergeException.input(
                            parent.folder() + ": no tokenizer.json to tokenise " + config.dataset().file(), null));
                }
                TrainingData data = config.dataset().examples(chosen, tokenizer);
                TrainingResult result = trainer.fineTune(model, data, settings);
                try (Model tuned = result.model()) {
                    return store.write(tuned, label);
                }
            }
        }

        /** {@code count} distinct indices of {@code [0, size)} in draw order (all of them, shuffled, for 0). */
        private static List<Integer> sample(int size, int count, RandomGenerator random) {
            int[] indices = new int[size];
            Arrays.setAll(indices, i -> i);
            int take = count == 0 ? size : Math.min(count, size);
            List<Integer> chosen = new ArrayList<>(take);
            for (int i = 0; i < take; i++) {
                int j = i + random.nextInt(size - i);
                int swap = indices[i];
                indices[i] = indices[j];
                indices[j] = swap;
                chosen.add(indices[i]);
            }
            return chosen;
        }
    }
}
