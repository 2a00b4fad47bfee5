package org.evomerge.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.training.TrainingData;
import org.evomerge.api.training.TrainingResult;
import org.evomerge.api.training.TrainingSettings;
import org.evomerge.demo.SyntheticTasks.Item;
import org.evomerge.training.LlamaTrainer;
import org.evomerge.training.kernels.RowParallelKernels;
import org.evomerge.training.model.TrainableLlama;

/**
 * The demo's first two steps: (1) write the synthetic data and the tokenizer, (2) pre-train a tiny Llama base
 * model on the corpus and a little of both skills, LoRA fine-tune one expert per skill from it, save the three as
 * Hugging Face folders and score them on every task. Deterministic for a seed (any thread count).
 *
 * <pre>
 * OUT/data/{corpus,arithmetic,language,composed,reversal}-{train,dev,test}.jsonl
 * OUT/tokenizer/{tokenizer.json,tokenizer_config.json,generation_config.json}
 * OUT/models/{base,expert-arithmetic,expert-language,expert-reversal}/   config.json, model.safetensors, tokenizer
 *                                                                         files
 * </pre>
 */
public final class DemoPipeline {

    /** The demo model: 4 layers of width 64, 4 query heads sharing 2 key/value heads, tied embeddings. */
    public static final int LAYERS = 4;
    public static final int HIDDEN = 64;
    public static final int INTERMEDIATE = 176;
    public static final int HEADS = 4;
    public static final int KV_HEADS = 2;
    public static final int MAX_POSITIONS = 64;

    /**
     * Steps and learning rates of the demo's training runs. The base is fully pre-trained; the experts are LoRA
     * fine-tunes (every projection, {@code alpha = 2 * loraRank}) merged back into the weights on save: low-rank
     * task vectors are nearly orthogonal to each other (cosine about 0.08 here, against 0.2-0.5 for full
     * fine-tunes of the same base), which is what lets a merge keep both skills.
     *
     * @param arithmeticExpertSteps steps of the arithmetic expert ({@code expertSteps}: the others')
     * @param loraRank    rank of the experts' adapters; 0 fine-tunes every weight instead
     * @param scoredItems items scored per task and split (the first ones); the demo scores them all
     */
    public record Schedule(int pretrainSteps, double pretrainLearningRate, int expertSteps,
            int arithmeticExpertSteps, double expertLearningRate, int loraRank, int batchSize, int scoredItems) {

        /**
         * What the demo runs by default: about three minutes on two quiet cores. The arithmetic expert trains longer
         * than the others: the base has seen only an eighth of the sums and adds badly (about 0.05 exact match).
         */
        public static final Schedule DEFAULT = new Schedule(1000, 3e-3, 400, 1000, 3e-3, 16, 32,
                Integer.MAX_VALUE);

        public Schedule {
            if (loraRank < 0) {
                throw new IllegalArgumentException("loraRank must be at least 0, got " + loraRank);
            }
        }
    }

    /**
     * @param out      the demo folder
     * @param seed     seeds data, initialisation and training
     * @param threads  matrix threads
     * @param writer   the format the models are written in (safetensors)
     * @param schedule training lengths
     * @param progress one line per finished step or model
     */
    public record Options(Path out, long seed, int threads, ModelFormat writer, Schedule schedule,
            Consumer<String> progress) {

        public Options {
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(writer, "writer");
            Objects.requireNonNull(schedule, "schedule");
            progress = progress == null ? line -> { } : progress;
        }
    }

    private static final List<String> SPLITS = List.of("train", "dev", "test");

    /**
     * The experts' skills, in table order: the distractor last, an expert in string reversal ({@code "abc="} ->
     * {@code "cba"}), a skill no task asks for (the paper's distraction test).
     */
    public static final List<String> EXPERT_SKILLS = List.of("arithmetic", "language", "reversal");


    private final Options options;
    private final CharacterTokenizer tokenizer = new CharacterTokenizer(SyntheticTasks.alphabet());

    public DemoPipeline(Options options) {
        this.options = options;
    }

    /** The {@code config.json} of the demo's models. */
    public ModelConfig modelConfig() {
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("num_hidden_layers", LAYERS);
        sizes.put("hidden_size", HIDDEN);
        sizes.put("intermediate_size", INTERMEDIATE);
        sizes.put("num_attention_heads", HEADS);
        sizes.put("num_key_value_heads", KV_HEADS);
        sizes.put("head_dim", HIDDEN / HEADS);
        sizes.put("vocab_size", tokenizer.vocabularySize());
        sizes.put("tie_word_embeddings", true);
        sizes.put("rope_theta", 10000.0);
        sizes.put("rms_norm_eps", 1e-5);
        sizes.put("max_position_embeddings", MAX_POSITIONS);
        sizes.put("bos_token_id", CharacterTokenizer.BOS);
        sizes.put("eos_token_id", CharacterTokenizer.EOS);
        return TrainableLlama.newModelConfig(sizes);
    }

    public CharacterTokenizer tokenizer() {
        return tokenizer;
    }

    /** Runs both steps and returns the scored models. */
    public DemoReport run() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        SyntheticTasks tasks = SyntheticTasks.generate(options.seed());
        Path data = options.out().resolve("data");
        writeData(tasks, data);
        List<Path> sideFiles = tokenizer.writeSideFiles(options.out().resolve("tokenizer"), MAX_POSITIONS);
        seconds.put("data", elapsed(t0));
        options.progress().accept("data: 5 tasks x 3 splits in " + data);

        Path models = options.out().resolve("models");
        ModelConfig config = modelConfig();
        Schedule schedule = options.schedule();
        List<DemoReport.ModelResult> results = new ArrayList<>();
        List<TrainedModel> trained = new ArrayList<>();

        long t1 = System.nanoTime();
        SplittableRandom random = new SplittableRandom(options.seed());
        TrainableLlama init = TrainableLlama.initialize(config, 0.02, random.split());
        Model template = init.toModel(config, sideFiles);
        TrainingSettings pretrain = settings(schedule.pretrainSteps(), schedule.pretrainLearningRate(),
                random.nextLong());
        TrainingResult base = new LlamaTrainer(options.threads()).train(init, template, pretrainingData(tasks),
                pretrain);
        Path basePath = write(base.model(), models.resolve("base"));
        seconds.put("pretrain", elapsed(t1));
        options.progress().accept(String.format(java.util.Locale.ROOT, "base: %d steps, loss %.3f, %.0f tokens/s",
                schedule.pretrainSteps(), tail(base), base.tokensTrained() / base.seconds()));
        trained.add(new TrainedModel("base", basePath, base));

        for (String skill : EXPERT_SKILLS) {
            long t = System.nanoTime();
            int steps = skill.equals("arithmetic") ? schedule.arithmeticExpertSteps() : schedule.expertSteps();
            TrainingSettings expertSettings = settings(steps, schedule.expertLearningRate(), random.nextLong());
            if (schedule.loraRank() > 0) {
                expertSettings = expertSettings.withLora(new TrainingSettings.Lora(schedule.loraRank(),
                        2.0 * schedule.loraRank(), java.util.Set.copyOf(TrainingSettings.Lora.LLAMA_MODULES)));
            }
            TrainingResult expert = new LlamaTrainer(options.threads()).fineTune(base.model(),
                    expertData(tasks, skill), expertSettings);
            String name = "expert-" + skill;
            Path path = write(expert.model(), models.resolve(name));
            seconds.put(name, elapsed(t));
            options.progress().accept(String.format(java.util.Locale.ROOT, "%s: %d steps, loss %.3f", name,
                    steps, tail(expert)));
            trained.add(new TrainedModel(name, path, expert));
        }

        long t2 = System.nanoTime();
        try (RowParallelKernels kernels = new RowParallelKernels(options.threads())) {
            ExactMatchScorer scorer = new ExactMatchScorer(tokenizer, kernels);
            for (TrainedModel m : trained) {
                TrainableLlama model = TrainableLlama.from(m.result().model());
                Map<String, DemoReport.Score> scores = new LinkedHashMap<>();
                for (String task : DemoReport.TASKS) {
                    SyntheticTasks.Splits splits = switch (task) {
                        case "arithmetic" -> tasks.arithmetic();
                        case "language" -> tasks.language();
                        default -> tasks.composed();
                    };
                    double[] dev = scorer.outcomes(model, first(splits.dev()));
                    double[] test = scorer.outcomes(model, first(splits.test()));
                    scores.put(task, new DemoReport.Score(mean(dev), mean(test), boxed(dev), boxed(test)));
                }
                results.add(new DemoReport.ModelResult(m.name(), DemoReport.PARENT, m.path(), scores,
                        tail(m.result())));
            }
        }
        seconds.put("score", elapsed(t2));
        seconds.put("total", elapsed(t0));
        return new DemoReport(results, data, seconds);
    }

    private static double mean(double[] outcomes) {
        return outcomes.length == 0 ? 0 : java.util.Arrays.stream(outcomes).sum() / outcomes.length;
    }

    private static List<Double> boxed(double[] outcomes) {
        return java.util.Arrays.stream(outcomes).boxed().toList();
    }

    private List<Item> first(List<Item> items) {
        return items.subList(0, Math.min(items.size(), options.schedule().scoredItems()));
    }

    private record TrainedModel(String name, Path path, TrainingResult result) {
    }

    private TrainingSettings settings(int steps, double learningRate, long seed) {
        return new TrainingSettings(steps, options.schedule().batchSize(), 1, MAX_POSITIONS, learningRate,
                Math.max(1, steps / 20), 0.01, 0.9, 0.98, 1e-8, 1.0, null, seed);
    }

    /**
     * The corpus and a share of each task's training items: an eighth of the sums, a tenth of the Zorbic numbers, of
     * the composed problems and of the reversals. The base knows every prompt format, the composed task's working
     * steps included, and a little of each skill (about 0.05 exact match on arithmetic and 0.1 on Zorbic), so the
     * experts' task vectors sharpen what is already there and stay mergeable, and no source starts out knowing both
     * halves of the composed task.
     */
    public TrainingData pretrainingData(SyntheticTasks tasks) {
        List<TrainingData.Example> examples = new ArrayList<>();
        for (String line : tasks.corpus().train()) {
            examples.add(TrainingData.Example.text(withBosAndEos(line)));
        }
        for (String skill : SHARED_SKILLS) {
            examples.addAll(promptAnswerData(pretrainingShare(tasks, skill)).examples());
        }
        return new TrainingData(examples);
    }

    /** The tasks whose training items the base model sees a share of, in the order it sees them. */
    private static final List<String> SHARED_SKILLS = List.of("arithmetic", "language", "composed", "reversal");

    /**
     * What each expert replays of the base's shares besides corpus lines. Replay keeps an expert in the base's
     * basin, which is what keeps the experts mergeable: an arithmetic expert that replays no Zorbic loses its place
     * in the basin and its skill does not survive any merge (the best PS candidate then added at 0.08). A replayed
     * share is also trained on, so only the language expert replays the composed problems: it keeps their
     * working-steps format (a merge needs it) while it still cannot add.
     */
    private static final Map<String, List<String>> REPLAY = Map.of(
            "arithmetic", List.of("language", "reversal"),
            "language", List.of("arithmetic", "composed", "reversal"),
            "reversal", List.of("arithmetic", "language"));

    private static List<Item> train(SyntheticTasks tasks, String skill) {
        return switch (skill) {
            case "arithmetic" -> tasks.arithmetic().train();
            case "language" -> tasks.language().train();
            case "composed" -> tasks.composed().train();
            default -> tasks.reversal().train();
        };
    }

    /** The first eighth of the arithmetic training items, or the first tenth of another task's. */
    private static List<Item> pretrainingShare(SyntheticTasks tasks, String skill) {
        List<Item> items = train(tasks, skill);
        return items.subList(0, items.size() / (skill.equals("arithmetic") ? 8 : 10));
    }

    /**
     * An expert's fine-tuning data: its skill's training items, plus a replay of what the base model saw (the shares
     * of {@link #REPLAY}, then corpus lines; half as many examples as the skill's own in all).
     */
    public TrainingData expertData(SyntheticTasks tasks, String skill) {
        List<Item> own = train(tasks, skill);
        List<TrainingData.Example> examples = new ArrayList<>(promptAnswerData(own).examples());
        int replay = own.size() / 2;
        int added = 0;
        for (String other : REPLAY.get(skill)) {
            List<Item> share = pretrainingShare(tasks, other);
            share = share.subList(0, Math.min(share.size(), replay - added));
            examples.addAll(promptAnswerData(share).examples());
            added += share.size();
        }
        for (String line : tasks.corpus().train().subList(0, Math.max(0, replay - added))) {
            examples.add(TrainingData.Example.text(withBosAndEos(line)));
        }
        return new TrainingData(examples);
    }

    /** {@code <s> prompt} with the loss on {@code answer </s>}. */
    public TrainingData promptAnswerData(List<Item> items) {
        List<TrainingData.Example> examples = new ArrayList<>();
        for (Item item : items) {
            int[] prompt = tokenizer.encode(item.prompt());
            int[] withBos = new int[prompt.length + 1];
            withBos[0] = CharacterTokenizer.BOS;
            System.arraycopy(prompt, 0, withBos, 1, prompt.length);
            int[] answer = tokenizer.encode(item.answer());
            int[] withEos = java.util.Arrays.copyOf(answer, answer.length + 1);
            withEos[answer.length] = CharacterTokenizer.EOS;
            examples.add(TrainingData.Example.promptAnswer(withBos, withEos));
        }
        return new TrainingData(examples);
    }

    private int[] withBosAndEos(String text) {
        int[] ids = tokenizer.encode(text);
        int[] all = new int[ids.length + 2];
        all[0] = CharacterTokenizer.BOS;
        System.arraycopy(ids, 0, all, 1, ids.length);
        all[all.length - 1] = CharacterTokenizer.EOS;
        return all;
    }

    private static double tail(TrainingResult result) {
        List<Double> losses = result.stepLosses();
        return losses.subList(Math.max(0, losses.size() - 20), losses.size()).stream()
                .mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Writes {@code model} with the configured format, replacing an earlier run's folder. */
    private Path write(Model model, Path destination) {
        List<TensorInfo> infos = model.tensors().tensors();
        WriteOptions writeOptions = new WriteOptions(infos, model.config(), WriteOptions.DEFAULT_SHARD_BYTES, true,
                Map.of("evomerge_demo_seed", Long.toString(options.seed())), model.sideFiles());
        try (ModelWriter writer = options.writer().create(destination, writeOptions)) {
            for (TensorInfo info : infos) {
                writer.write(info, model.tensors().tensor(info.name()).data());
            }
            writer.commit();
        }
        return destination;
    }

    private void writeData(SyntheticTasks tasks, Path folder) {
        ObjectMapper json = new ObjectMapper();
        try {
            Files.createDirectories(folder);
            List<List<String>> corpus = List.of(tasks.corpus().train(), tasks.corpus().dev(), tasks.corpus().test());
            for (int s = 0; s < 3; s++) {
                List<Object> rows = new ArrayList<>();
                for (String line : corpus.get(s)) {
                    rows.add(Map.of("text", line));
                }
                writeJsonl(json, folder.resolve("corpus-" + SPLITS.get(s) + ".jsonl"), rows);
            }
            Map<String, SyntheticTasks.Splits> skills = new LinkedHashMap<>();
            skills.put("arithmetic", tasks.arithmetic());
            skills.put("language", tasks.language());
            skills.put("composed", tasks.composed());
            skills.put("reversal", tasks.reversal());
            for (Map.Entry<String, SyntheticTasks.Splits> e : skills.entrySet()) {
                List<List<Item>> splits = List.of(e.getValue().train(), e.getValue().dev(), e.getValue().test());
                for (int s = 0; s < 3; s++) {
                    List<Object> rows = new ArrayList<>();
                    for (Item item : splits.get(s)) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("prompt", item.prompt());
                        row.put("answer", item.answer());
                        rows.add(row);
                    }
                    writeJsonl(json, folder.resolve(e.getKey() + "-" + SPLITS.get(s) + ".jsonl"), rows);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo data in " + folder + ": " + e.getMessage(), e);
        }
    }

    private static void writeJsonl(ObjectMapper json, Path file, List<Object> rows) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            for (Object row : rows) {
                out.write(json.writeValueAsString(row));
                out.write('\n');
            }
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static double elapsed(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
