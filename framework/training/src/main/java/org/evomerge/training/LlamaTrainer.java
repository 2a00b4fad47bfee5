package org.evomerge.training;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.training.Trainer;
import org.evomerge.api.training.TrainingData;
import org.evomerge.api.training.TrainingResult;
import org.evomerge.api.training.TrainingSettings;
import org.evomerge.training.kernels.RowParallelKernels;
import org.evomerge.training.model.Batch;
import org.evomerge.training.model.Parameter;
import org.evomerge.training.model.TrainableLlama;
import org.evomerge.training.optim.AdamW;
import org.evomerge.training.optim.LearningRateSchedule;

/**
 * The {@link Trainer} for Llama decoders: mini-batch AdamW over the examples in seeded shuffled order (a new
 * permutation each epoch), with warm-up and cosine schedule, global-norm clipping and gradient accumulation.
 *
 * <p>The loss of a micro-batch is the mean cross-entropy over its target tokens; with accumulation the gradients of
 * the micro-batches are averaged. Results depend on the seed and the inputs only: the matrix kernels give the same
 * bits for any thread count.
 */
public final class LlamaTrainer implements Trainer {

    /** Called after every optimizer step (e.g. to report progress). */
    @FunctionalInterface
    public interface StepListener {
        /**
         * @param step 0-based
         * @param loss the step's mean loss
         * @param lr   the learning rate used
         */
        void afterStep(int step, double loss, double lr);
    }

    private final int threads;
    private final StepListener listener;

    /** A trainer whose matrix products use {@code threads} threads. */
    public LlamaTrainer(int threads) {
        this(threads, (step, loss, lr) -> { });
    }

    public LlamaTrainer(int threads, StepListener listener) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.listener = listener;
    }

    @Override
    public TrainingResult fineTune(Model base, TrainingData data, TrainingSettings settings) {
        TrainableLlama model = TrainableLlama.from(base);
        return train(model, base, data, settings);
    }

    /** Trains {@code model} (whose configuration and side files are {@code template}'s) and snapshots the result. */
    public TrainingResult train(TrainableLlama model, Model template, TrainingData data, TrainingSettings settings) {
        int vocabulary = model.config().vocab();
        for (TrainingData.Example example : data.examples()) {
            for (int i = 0; i < example.length(); i++) {
                int token = example.token(i);
                if (token < 0 || token >= vocabulary) {
                    throw EvomergeException.input("training data: token id " + token + " is outside the model's"
                            + " vocabulary [0, " + vocabulary + ")", null);
                }
            }
        }
        int maxLength = settings.maxSequenceLength();
        if (data.examples().stream().allMatch(e -> e.lossStart() >= Math.min(e.length(), maxLength))) {
            throw EvomergeException.input("training data: no example has a target token within the first "
                    + settings.maxSequenceLength() + " tokens", null);
        }
        long started = System.nanoTime();
        SplittableRandom random = new SplittableRandom(settings.seed());
        if (settings.lora() != null) {
            model.attachLora(settings.lora().rank(), settings.lora().alpha(), settings.lora().targetModules(),
                    random.split());
        } else {
            model.trainAllWeights();
        }
        List<Parameter> trainable = model.trainable();
        AdamW optimizer = new AdamW(settings.beta1(), settings.beta2(), settings.epsilon(), settings.weightDecay());
        LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.warmupSteps(),
                settings.steps());
        ExampleOrder order = new ExampleOrder(data.examples().size(), random.split());
        List<Double> losses = new ArrayList<>(settings.steps());
        long tokens = 0;
        try (RowParallelKernels kernels = new RowParallelKernels(threads)) {
            for (int step = 0; step < settings.steps(); step++) {
                model.zeroGradients();
                double stepLoss = 0;
                int scored = 0;
                for (int micro = 0; micro < settings.accumulation(); micro++) {
                    List<TrainingData.Example> examples = new ArrayList<>(settings.batchSize());
                    for (int i = 0; i < settings.batchSize(); i++) {
                        examples.add(data.examples().get(order.next()));
                    }
                    Batch batch = Batch.of(examples, settings.maxSequenceLength());
                    if (batch.targetCount() == 0) {
                        continue;
                    }
                    double scale = 1.0 / ((double) batch.targetCount() * settings.accumulation());
                    stepLoss += model.forwardBackward(batch, scale, kernels) / batch.targetCount();
                    scored++;
                    tokens += batch.rows();
                }
                if (scored == 0) {
                    losses.add(Double.NaN);
                    continue;
                }
                double loss = stepLoss / scored;
                if (!Double.isFinite(loss)) {
                    throw EvomergeException.input("training diverged at step " + step + " (loss " + loss
                            + "); lower the learning rate", null);
                }
                if (settings.maxGradientNorm() > 0) {
                    AdamW.clipGlobalNorm(trainable, settings.maxGradientNorm());
                }
                double lr = schedule.at(step);
                optimizer.step(trainable, lr, step + 1);
                losses.add(loss);
                listener.afterStep(step, loss, lr);
            }
        }
        model.mergeLora();
        for (Parameter p : model.weights()) {
            p.setTrainable(false);
        }
        Model result = model.toModel(template.config(), template.sideFiles());
        return new TrainingResult(result, losses, tokens, (System.nanoTime() - started) / 1e9);
    }

    /** Seeded epochs: each pass over the examples follows a fresh Fisher–Yates permutation. */
    private static final class ExampleOrder {
        private final int[] indices;
        private final SplittableRandom random;
        private int position;

        ExampleOrder(int size, SplittableRandom random) {
            this.indices = new int[size];
            for (int i = 0; i < size; i++) {
                indices[i] = i;
            }
            this.random = random;
            this.position = size;
        }

        int next() {
            if (position == indices.length) {
                for (int i = indices.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int swap = indices[i];
                    indices[i] = indices[j];
                    indices[j] = swap;
                }
                position = 0;
            }
            return indices[position++];
        }
    }
}
