package org.evomerge.runfolder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.selection.Fitness;

/**
 * One line of a run's journal ({@code journal.jsonl}). The set is closed: a line of another type is not part of any
 * journal format this version reads. {@link JournalWriter} writes them, {@link Journal} reads them; the JSON form of
 * each is documented in docs/evolution.md.
 */
public sealed interface JournalRecord {

    /** The value of the line's {@code type} key. */
    String type();

    /**
     * The first line: how the run was started.
     *
     * @param version    the journal format the run was started with ({@link Journal#FORMAT_VERSION} for new runs;
     *                   1 for journals written before extension versions were journaled)
     * @param objectives the task names ({@code objectives: separate}) or {@code ["weighted"]}
     * @param extensions every extension the run uses, with its version (empty in format 1)
     * @param started    ISO-8601 instant
     */
    record Start(int version, long seed, String strategy, List<String> objectives, List<ExtensionVersion> extensions,
                 String started) implements JournalRecord {

        public Start {
            Objects.requireNonNull(strategy, "strategy");
            objectives = List.copyOf(objectives);
            extensions = List.copyOf(extensions);
            Objects.requireNonNull(started, "started");
        }

        @Override
        public String type() {
            return "start";
        }
    }

    /**
     * A later session of the run began.
     *
     * @param at         ISO-8601 instant
     * @param extensions the extensions this session uses, with their versions (empty in lines of format 1)
     */
    record Resume(String at, List<ExtensionVersion> extensions) implements JournalRecord {

        public Resume {
            Objects.requireNonNull(at, "at");
            extensions = List.copyOf(extensions);
        }

        @Override
        public String type() {
            return "resume";
        }
    }

    /**
     * One evaluated candidate.
     *
     * @param id         {@code g<generation>-<index in the batch>}
     * @param generation the batch it was asked in, from 1
     * @param genome     what the strategy asked
     * @param parents    ids of the evaluated candidates it was bred from (crossover, mutation), possibly none
     * @param fitness    higher is better; the first element is the primary objective
     * @param metrics    every task's metrics, by task then metric name
     * @param seconds    wall-clock seconds of merging and scoring it (0 for a cache hit; NaN when a line omits it)
     * @param cached     whether the score came from the fitness cache
     * @param fidelity   {@code full}, or {@code low} when multi-fidelity kept it at the subsample score
     */
    record Evaluation(String id, int generation, Genome genome, List<String> parents, Fitness fitness,
                      Map<String, Map<String, Double>> metrics, double seconds, boolean cached, String fidelity)
            implements JournalRecord {

        public Evaluation {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(genome, "genome");
            parents = List.copyOf(parents);
            Objects.requireNonNull(fitness, "fitness");
            Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
            metrics.forEach((task, m) -> copy.put(task, Collections.unmodifiableMap(new LinkedHashMap<>(m))));
            metrics = Collections.unmodifiableMap(copy);
            Objects.requireNonNull(fidelity, "fidelity");
        }

        @Override
        public String type() {
            return "evaluation";
        }

        /** The id of the {@code index}-th genome of generation {@code generation}. */
        public static String id(int generation, int index) {
            return "g" + generation + "-" + index;
        }

        /** The genome index within its generation of an id made by {@link #id(int, int)}. */
        public static int index(String id) {
            return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
        }
    }

    /**
     * One generation's summary of the primary objective: its {@code history.csv} row.
     *
     * @param evaluations evaluation lines so far
     * @param std         population standard deviation (NaN when a line omits it)
     * @param worst       NaN when a line omits it
     * @param elapsed     evaluation wall-clock seconds so far, over every session of the run (NaN when a line
     *                    omits it)
     * @param partial     the budget ran out during this generation (the run's last): the statistics are those of
     *                    the candidates evaluated, and the strategy was not told them
     */
    record Generation(int generation, long evaluations, double best, double mean, double std, double worst,
                      String bestId, double elapsed, boolean partial) implements JournalRecord {

        public Generation {
            Objects.requireNonNull(bestId, "bestId");
        }

        @Override
        public String type() {
            return "generation";
        }
    }

    /**
     * The pairwise kinship of the best distinct candidates after a generation.
     *
     * @param ids    the candidates, best first
     * @param matrix one row per id; NaN where the measure is undefined (JSON {@code null})
     */
    record Kinship(int generation, List<String> ids, String metric, List<List<Double>> matrix)
            implements JournalRecord {

        public Kinship {
            ids = List.copyOf(ids);
            Objects.requireNonNull(metric, "metric");
            List<List<Double>> rows = new ArrayList<>();
            for (List<Double> row : matrix) {
                // List.copyOf refuses nulls; an undefined value is NaN.
                rows.add(Collections.unmodifiableList(new ArrayList<>(row)));
            }
            matrix = Collections.unmodifiableList(rows);
            int n = ids.size();
            if (matrix.size() != n || matrix.stream().anyMatch(r -> r.size() != n)) {
                throw new IllegalArgumentException("a kinship matrix needs one row of " + ids.size()
                        + " values per id");
            }
        }

        /** The matrix as arrays. */
        public double[][] values() {
            double[][] values = new double[matrix.size()][];
            for (int i = 0; i < values.length; i++) {
                values[i] = matrix.get(i).stream().mapToDouble(Double::doubleValue).toArray();
            }
            return values;
        }

        /** A matrix of arrays as the record holds it. */
        public static List<List<Double>> rows(double[][] values) {
            List<List<Double>> rows = new ArrayList<>();
            for (double[] row : values) {
                List<Double> r = new ArrayList<>();
                for (double v : row) {
                    r.add(v);
                }
                rows.add(r);
            }
            return rows;
        }

        @Override
        public String type() {
            return "kinship";
        }
    }

    /**
     * The last line of a finished run.
     *
     * @param reason {@code budget}, {@code target}, {@code kinship} or {@code strategy}
     */
    record Finish(String bestId, List<Double> bestFitness, String reason) implements JournalRecord {

        public Finish {
            Objects.requireNonNull(bestId, "bestId");
            bestFitness = Collections.unmodifiableList(new ArrayList<>(bestFitness));
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String type() {
            return "finish";
        }
    }
}
