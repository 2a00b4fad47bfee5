package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.search.ScoredGenome;

/**
 * Differential evolution, generation-synchronous: each generation asks one trial per population member and replaces
 * the member when the trial scores at least as well (classic) or strictly better (Evolver).
 *
 * <ul>
 *   <li>{@code rand-1-bin} (Storn and Price, 1997): v = x_r1 + F·(x_r2 − x_r3) with r1, r2, r3 distinct and ≠ i;
 *       binomial crossover with rate CR and one forced coordinate j_rand. A coordinate leaving the box is put halfway
 *       between the target's value and the violated bound.</li>
 *   <li>{@code evolver} (Evolver's public code): v = x_i + F·(x_ref − x_i), where x_ref is a random other member with
 *       probability p_t = 0.5/(G − t) + 0.5 and the best other member otherwise; binomial crossover without a forced
 *       coordinate; replacement only on a strict improvement.</li>
 * </ul>
 *
 * <p>Whole-model genomes are combined through {@link ModelStore#combine}; the crossover coin of element e of tensor
 * T in trial i of generation g is {@code random.fork(g).fork(i).fork(T).uniform(e)}, so the child does not depend on
 * the thread count or the tensor order. For model genomes there is no forced coordinate (one element of millions
 * changes nothing). Not thread-safe.
 */
final class DifferentialEvolution extends PopulationSearch {

    enum Variant { RAND_1_BIN, EVOLVER }

    private final Variant variant;
    private final double f;
    private final double cr;
    private final int maxGenerations;
    private final int evolverGenerations;
    private final double tolFun;
    private final SearchBox box;
    private final ModelStore store;
    private final RandomSource random;
    private final RandomGenerator generator;

    private List<Genome> population;
    private double[] fitness;
    private int generation;
    private boolean converged;

    /**
     * @param box     the parameter box, or {@code null} when evolving models
     * @param store   the model store, or {@code null} when evolving parameters
     * @param initial the first population, asked as is
     */
    DifferentialEvolution(Variant variant, double f, double cr, int maxGenerations, int evolverGenerations,
            double tolFun, SearchBox box, ModelStore store, List<Genome> initial, RandomSource random) {
        super(initial);
        this.variant = variant;
        this.f = f;
        this.cr = cr;
        this.maxGenerations = maxGenerations;
        this.evolverGenerations = evolverGenerations;
        this.tolFun = tolFun;
        this.box = box;
        this.store = store;
        this.random = random;
        this.generator = random.generator();
    }

    @Override
    List<Genome> nextGeneration() {
        List<Genome> trials = new ArrayList<>(population.size());
        for (int i = 0; i < population.size(); i++) {
            trials.add(trial(i));
        }
        return trials;
    }

    private Genome trial(int i) {
        int size = population.size();
        if (variant == Variant.RAND_1_BIN) {
            int r1 = other(size, i, -1, -1);
            int r2 = other(size, i, r1, -1);
            int r3 = other(size, i, r1, r2);
            if (box != null) {
                double[] x = values(i);
                double[] a = values(r1);
                double[] b = values(r2);
                double[] c = values(r3);
                int forced = generator.nextInt(x.length);
                double[] u = x.clone();
                for (int j = 0; j < x.length; j++) {
                    if (generator.nextDouble() < cr || j == forced) {
                        u[j] = intoBox(a[j] + f * (b[j] - c[j]), x[j], j);
                    }
                }
                return box.genome(u);
            }
            RandomSource trialRandom = random.fork(generation).fork(i);
            return store.combine(List.of(model(i), model(r1), model(r2), model(r3)), (name, shape, parents) -> {
                RandomSource coins = trialRandom.fork(name);
                float[] out = parents.get(0);
                float[] a = parents.get(1);
                float[] b = parents.get(2);
                float[] c = parents.get(3);
                for (int e = 0; e < out.length; e++) {
                    if (coins.uniform(e) < cr) {
                        out[e] = (float) (a[e] + f * ((double) b[e] - c[e]));
                    }
                }
                return out;
            }, "de-rand-1-bin");
        }
        int reference = evolverReference(i);
        if (box != null) {
            double[] x = values(i);
            double[] r = values(reference);
            double[] u = x.clone();
            for (int j = 0; j < x.length; j++) {
                if (generator.nextDouble() < cr) {
                    u[j] = x[j] + f * (r[j] - x[j]);
                }
            }
            return box.genome(u);
        }
        RandomSource trialRandom = random.fork(generation).fork(i);
        return store.combine(List.of(model(i), model(reference)), (name, shape, parents) -> {
            RandomSource coins = trialRandom.fork(name);
            float[] out = parents.get(0);
            float[] r = parents.get(1);
            for (int e = 0; e < out.length; e++) {
                if (coins.uniform(e) < cr) {
                    out[e] = (float) (out[e] + f * ((double) r[e] - out[e]));
                }
            }
            return out;
        }, "de-evolver");
    }

    /** Evolver's reference: a random other member with probability 0.5/(G − t) + 0.5, else the best other one. */
    private int evolverReference(int i) {
        int t = Math.min(generation, evolverGenerations - 1);
        double randomProbability = 0.5 / (evolverGenerations - t) + 0.5;
        if (generator.nextDouble() < randomProbability) {
            return other(population.size(), i, -1, -1);
        }
        int best = -1;
        for (int j = 0; j < population.size(); j++) {
            if (j != i && (best < 0 || fitness[j] > fitness[best])) {
                best = j;
            }
        }
        return best;
    }

    private int other(int size, int not1, int not2, int not3) {
        while (true) {
            int r = generator.nextInt(size);
            if (r != not1 && r != not2 && r != not3) {
                return r;
            }
        }
    }

    private double intoBox(double v, double target, int j) {
        if (v < box.lower(j)) {
            return (target + box.lower(j)) / 2;
        }
        if (v > box.upper(j)) {
            return (target + box.upper(j)) / 2;
        }
        return v;
    }

    private double[] values(int i) {
        return ((ParameterGenome) population.get(i)).values();
    }

    private ModelGenome model(int i) {
        return (ModelGenome) population.get(i);
    }

    @Override
    void accept(List<ScoredGenome> results) {
        if (population == null) {
            population = new ArrayList<>(initial());
            fitness = new double[initial().size()];
            for (int i = 0; i < fitness.length; i++) {
                fitness[i] = results.get(i).fitness().primary();
            }
            return;
        }
        for (int i = 0; i < population.size(); i++) {
            double score = results.get(i).fitness().primary();
            boolean better = variant == Variant.EVOLVER ? score > fitness[i] : score >= fitness[i];
            if (better) {
                population.set(i, results.get(i).genome());
                fitness[i] = score;
            }
        }
        generation++;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double v : fitness) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        converged = variant == Variant.RAND_1_BIN && max - min <= tolFun;
    }

    @Override
    public boolean isFinished() {
        if (awaitingResults()) {
            return false;
        }
        int limit = variant == Variant.EVOLVER
                ? (maxGenerations > 0 ? Math.min(maxGenerations, evolverGenerations) : evolverGenerations)
                : maxGenerations;
        return converged || (limit > 0 && generation >= limit);
    }
}
