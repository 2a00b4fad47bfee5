package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.Fitness;

/**
 * The EvoMerge genetic algorithm, generational with elitism: each generation keeps the {@code elites} fittest members
 * unchanged and breeds the rest of the population from parent pairs picked by the selection scheme. A pair is crossed
 * with probability {@code crossoverRate} (through the problem's crossover, i.e. a merge method, or arithmetic /
 * uniform crossover for parameter genomes) and the child is mutated with probability {@code mutationRate}; a child
 * that was not crossed is a clone and is always mutated, as EvoMerge forces a mutation on clones.
 *
 * <p>With several objectives the elites come from the Pareto front first (then by the primary objective), and a
 * multi-objective selection scheme such as {@code nsga2} picks the parents.
 *
 * <p>Randomness of generation g, child k is {@code random.fork(g).fork(k)}, so children do not depend on each other's
 * draws. Not thread-safe.
 */
final class GeneticAlgorithm extends PopulationSearch {

    enum Crossover { PROBLEM, UNIFORM, ARITHMETIC }

    /** The built-in Gaussian mutation used for parameter genomes when the problem configures none. */
    record FallbackMutation(double sigma, double decay, double geneRate) {
    }

    /**
     * The strategy's parameters as the algorithm reads them; {@code elites} is at most {@code populationSize - 1}, so
     * every generation breeds at least one child.
     */
    record Settings(int populationSize, int elites, double crossoverRate, double mutationRate, Crossover crossover,
                    int tournamentSize, FallbackMutation fallback, int maxGenerations) {
        Settings {
            elites = Math.min(elites, populationSize - 1);
        }
    }

    private final SearchBox box;
    /** Its selection, mutation and crossover, when the run configures them, replace the built-in ones. */
    private final SearchProblem problem;
    private final Settings settings;
    private final RandomSource random;

    private List<Genome> population;
    private List<Fitness> fitness;
    private List<Integer> carried;
    private int generation;

    GeneticAlgorithm(SearchProblem problem, SearchBox box, List<Genome> initial, Settings settings,
                     RandomSource random) {
        super(initial);
        this.problem = problem;
        this.box = box;
        this.settings = settings;
        this.random = random;
    }

    @Override
    List<Genome> nextGeneration() {
        RandomSource generationRandom = random.fork(generation);
        carried = eliteIndices();
        int children = settings.populationSize() - carried.size();
        List<Candidate> candidates = new ArrayList<>(population.size());
        for (int i = 0; i < population.size(); i++) {
            candidates.add(new Candidate(Integer.toString(i), fitness.get(i)));
        }
        List<Integer> parents = problem.selection().isPresent()
                ? problem.selection().get().select(candidates, 2 * children, generationRandom.fork("selection"))
                : tournament(2 * children, generationRandom.fork("selection").generator());
        List<Genome> batch = new ArrayList<>(children);
        for (int k = 0; k < children; k++) {
            RandomSource childRandom = generationRandom.fork(k);
            RandomGenerator coins = childRandom.generator();
            int first = parents.get(2 * k);
            int second = parents.get(2 * k + 1);
            boolean crossed = first != second && coins.nextDouble() < settings.crossoverRate();
            Genome child = crossed
                    ? cross(population.get(first), population.get(second), childRandom.fork("crossover"), coins)
                    : population.get(first);
            if (!crossed || coins.nextDouble() < settings.mutationRate()) {
                child = mutate(child, childRandom.fork("mutation"), coins);
            }
            batch.add(child);
        }
        return batch;
    }

    private List<Integer> eliteIndices() {
        int n = population.size();
        boolean[] dominated = new boolean[n];
        if (fitness.getFirst().size() > 1) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n && !dominated[i]; j++) {
                    dominated[i] = j != i && ParetoDominance.dominates(fitness.get(j), fitness.get(i));
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort((a, b) -> {
            if (dominated[a] != dominated[b]) {
                return dominated[a] ? 1 : -1;
            }
            int byFitness = Double.compare(fitness.get(b).primary(), fitness.get(a).primary());
            return byFitness != 0 ? byFitness : Integer.compare(a, b);
        });
        return List.copyOf(order.subList(0, Math.min(settings.elites(), n)));
    }

    private List<Integer> tournament(int count, RandomGenerator generator) {
        List<Integer> chosen = new ArrayList<>(count);
        for (int pick = 0; pick < count; pick++) {
            int best = generator.nextInt(population.size());
            for (int round = 1; round < settings.tournamentSize(); round++) {
                int challenger = generator.nextInt(population.size());
                if (fitness.get(challenger).primary() > fitness.get(best).primary()) {
                    best = challenger;
                }
            }
            chosen.add(best);
        }
        return chosen;
    }

    private Genome cross(Genome first, Genome second, RandomSource crossoverRandom, RandomGenerator coins) {
        if (settings.crossover() == Crossover.PROBLEM) {
            return problem.crossover().orElseThrow().apply(List.of(first, second), crossoverRandom);
        }
        double[] a = ((ParameterGenome) first).values();
        double[] b = ((ParameterGenome) second).values();
        double[] child = new double[a.length];
        double alpha = coins.nextDouble();
        for (int j = 0; j < a.length; j++) {
            child[j] = settings.crossover() == Crossover.UNIFORM
                    ? (coins.nextBoolean() ? a[j] : b[j])
                    : alpha * a[j] + (1 - alpha) * b[j];
        }
        return box.genome(child);
    }

    private Genome mutate(Genome child, RandomSource mutationRandom, RandomGenerator coins) {
        if (problem.mutation().isPresent()) {
            return problem.mutation().get()
                    .mutate(new MutationInput(child, population, mutationRandom, problem.space()));
        }
        if (!(child instanceof ParameterGenome p)) {
            return child; // models without a configured mutation: the clone is asked again and the fitness cache answers
        }
        double[] x = p.values();
        FallbackMutation fallback = settings.fallback();
        double scale = fallback.sigma() * Math.pow(fallback.decay(), generation);
        double rate = fallback.geneRate() > 0 ? fallback.geneRate() : 1.0 / x.length;
        boolean changed = false;
        for (int j = 0; j < x.length; j++) {
            if (coins.nextDouble() < rate) {
                x[j] += scale * box.width(j) * coins.nextGaussian();
                changed = true;
            }
        }
        if (!changed) {
            int j = coins.nextInt(x.length); // a clone must differ from its parent in at least one gene
            x[j] += scale * box.width(j) * coins.nextGaussian();
        }
        return box.genome(x);
    }

    @Override
    void accept(List<ScoredGenome> results) {
        if (population == null) {
            population = new ArrayList<>();
            fitness = new ArrayList<>();
        } else {
            List<Genome> nextPopulation = new ArrayList<>();
            List<Fitness> nextFitness = new ArrayList<>();
            for (int index : carried) {
                nextPopulation.add(population.get(index));
                nextFitness.add(fitness.get(index));
            }
            population = nextPopulation;
            fitness = nextFitness;
            generation++;
        }
        for (ScoredGenome result : results) {
            population.add(result.genome());
            fitness.add(result.fitness());
        }
    }

    @Override
    public boolean isFinished() {
        return !awaitingResults() && settings.maxGenerations() > 0 && generation >= settings.maxGenerations();
    }
}
