package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.search.SearchProblem;

/** The parameter box of a problem as arrays: uniform sampling, clipping, and seed checks. Immutable. */
final class SearchBox {

    private final double[] lower;
    private final double[] upper;

    SearchBox(SearchSpace space) {
        int n = space.size();
        lower = new double[n];
        upper = new double[n];
        for (int i = 0; i < n; i++) {
            lower[i] = space.dimensions().get(i).lower();
            upper[i] = space.dimensions().get(i).upper();
        }
    }

    int size() {
        return lower.length;
    }

    double lower(int i) {
        return lower[i];
    }

    double upper(int i) {
        return upper[i];
    }

    double width(int i) {
        return upper[i] - lower[i];
    }

    /** A point drawn uniformly in the box. */
    double[] uniform(RandomGenerator generator) {
        double[] x = new double[lower.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = lower[i] + generator.nextDouble() * (upper[i] - lower[i]);
        }
        return x;
    }

    /** A copy of {@code x} with each coordinate clipped into its bounds. */
    double[] clip(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.min(upper[i], Math.max(lower[i], x[i]));
        }
        return y;
    }

    ParameterGenome genome(double[] x) {
        return new ParameterGenome(clip(x));
    }

    /**
     * The problem's seeds as parameter vectors, checked against the box.
     *
     * @throws EvomergeException (configuration) if the box is empty or a seed is not a parameter genome of its size
     */
    static List<double[]> parameterSeeds(SearchProblem problem, String strategy) {
        if (problem.space().size() == 0) {
            throw EvomergeException.configuration(strategy + ": the search space has no dimensions");
        }
        List<double[]> seeds = new ArrayList<>();
        for (Genome seed : problem.seeds()) {
            if (!(seed instanceof ParameterGenome p) || p.size() != problem.space().size()) {
                throw EvomergeException.configuration(strategy + ": seed " + seed + " is not a parameter genome of "
                        + problem.space().size() + " values");
            }
            seeds.add(p.values());
        }
        return seeds;
    }

    /**
     * A first population of at least {@code size} points in the box: the seeds in order, then uniform points drawn
     * from {@code generator}; every seed is kept even when there are more than {@code size}.
     */
    List<Genome> initialPopulation(List<double[]> seeds, int size, RandomGenerator generator) {
        List<Genome> population = new ArrayList<>();
        for (int i = 0; i < Math.max(size, seeds.size()); i++) {
            population.add(genome(i < seeds.size() ? seeds.get(i) : uniform(generator)));
        }
        return population;
    }

    /** Whether the problem evolves whole models: its seeds are model genomes (then all of them must be). */
    static boolean evolvesModels(SearchProblem problem, String strategy) {
        long models = problem.seeds().stream().filter(g -> g instanceof org.evomerge.api.genome.ModelGenome).count();
        if (models > 0 && models != problem.seeds().size()) {
            throw EvomergeException.configuration(strategy + ": seeds mix model genomes with other genome types");
        }
        return models > 0;
    }
}
