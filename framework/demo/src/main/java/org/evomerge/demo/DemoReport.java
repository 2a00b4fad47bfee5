package org.evomerge.demo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the demo's first steps produced: the models with their scores, the data and the time each step took.
 *
 * @param models  base model and experts, in order
 * @param data    the data folder ({@code <task>-<split>.jsonl})
 * @param seconds wall-clock seconds per step ({@code data}, {@code pretrain}, {@code expert-<skill>}, {@code score})
 */
public record DemoReport(List<ModelResult> models, Path data, Map<String, Double> seconds) {

    /** The tasks every model is scored on, in table order. */
    public static final List<String> TASKS = List.of("arithmetic", "language", "composed");

    /** The role of a source model: the base model and the experts. */
    public static final String PARENT = "parent";
    /** The role of a hand-made merge with the methods' usual settings. */
    public static final String UNTUNED = "untuned";
    /** The role of a search's best model. */
    public static final String EVOLVED = "evolved";
    /**
     * The role of an ablation: a search with one ingredient removed (EvoMerge's GA without its merge crossover), to
     * which the evolved models are compared but which is never the best evolved model.
     */
    public static final String CONTROL = "control";

    /**
     * One model.
     *
     * @param name       {@code base}, {@code expert-arithmetic}, ...
     * @param role       {@link #PARENT} for the demo's own models (the merge steps add {@link #UNTUNED},
     *                   {@link #EVOLVED} and {@link #CONTROL})
     * @param path       the Hugging Face folder
     * @param scores     exact match per task
     * @param finalLoss  the mean training loss of the last steps
     */
    public record ModelResult(String name, String role, Path path, Map<String, Score> scores, double finalLoss,
                              String strategy) {

        /** A model that no search produced. */
        public ModelResult(String name, String role, Path path, Map<String, Score> scores, double finalLoss) {
            this(name, role, path, scores, finalLoss, "");
        }

        /** This model, found by the search strategy {@code strategy}. */
        public ModelResult withStrategy(String strategy) {
            return new ModelResult(name, role, path, scores, finalLoss, strategy);
        }

        /** The mean dev score over {@link #TASKS}: the evolutions' fitness, what the best model is chosen on. */
        public double combinedDev() {
            return TASKS.stream().mapToDouble(t -> scores.get(t).dev()).average().orElse(0);
        }

        /** The mean test score over {@link #TASKS}. */
        public double combinedTest() {
            return TASKS.stream().mapToDouble(t -> scores.get(t).test()).average().orElse(0);
        }
    }

    /**
     * Exact match on the dev and the test split, in [0, 1], with each split's per-item outcomes (1 or 0, in the
     * split's order; empty when not recorded): the same items for every model, so two models can be compared item
     * by item.
     */
    public record Score(double dev, double test, List<Double> devItems, List<Double> testItems) {

        public Score {
            devItems = List.copyOf(devItems);
            testItems = List.copyOf(testItems);
        }

        /** A score without per-item outcomes. */
        public Score(double dev, double test) {
            this(dev, test, List.of(), List.of());
        }

        /** Whether both splits' per-item outcomes are recorded. */
        public boolean hasItems() {
            return !devItems.isEmpty() && !testItems.isEmpty();
        }
    }
}
