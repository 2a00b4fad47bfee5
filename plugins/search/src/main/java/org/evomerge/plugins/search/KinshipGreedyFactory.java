package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.ToDoubleBiFunction;
import java.util.random.RandomGenerator;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.KinshipOracle;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.pf4j.Extension;

/**
 * ModelKinship's top-k greedy merging (see {@link KinshipGreedy}). Merges go through the problem's crossover (the run's
 * merge method, SLERP in the paper); parameter genomes without one are merged by their midpoint. Kinship comes from
 * the run's {@link KinshipOracle} service; without it, parameter genomes use the Pearson correlation of their
 * coordinates normalised to the box (the analogue of the paper's PCC of task vectors), and model genomes cannot use
 * kinship (a configuration error unless exploration and the kinship stop are off).
 */
@Extension
public class KinshipGreedyFactory extends DescribedSearchStrategyFactory {

    static final String ID = "kinship-greedy";

    public KinshipGreedyFactory() {
        super(ID, "ModelKinship: merge every pair of the top k, plus the best with its least related partner.",
                ParameterSchema.of(
                        ParameterSpec.integer("top_k", 3, 2L, 1000L, "size of the top set S merged pairwise"),
                        ParameterSpec.bool("exploration", true, "also merge the best with its lowest-kinship partner"),
                        ParameterSpec.choice("exploration_from", "pool", List.of("pool", "top-k"),
                                "where the exploration partner comes from: the pool outside S,"
                                        + " or S itself (the paper)"),
                        ParameterSpec.number("kinship_stop", 0.9, -1.0, 1.0,
                                "finish when the mean kinship of S exceeds this; 1 disables"),
                        ParameterSpec.integer("initial_pool", 8, 2L, 100_000L,
                                "parameter genomes: pool size, seeds then uniform points"),
                        SearchParameters.MAX_GENERATIONS),
                Set.of(Capability.PARAMETER_GENOMES, Capability.MODEL_GENOMES));
    }

    @Override
    public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
        RandomSource random = context.random().fork(ID);
        Optional<KinshipOracle> oracle = context.service(KinshipOracle.class);
        boolean exploration = parameters.bool("exploration");
        double kinshipStop = parameters.number("kinship_stop");
        List<Genome> initial = new ArrayList<>();
        BiFunction<List<Genome>, RandomSource, Genome> merge;
        ToDoubleBiFunction<Genome, Genome> kinship;
        if (SearchBox.evolvesModels(problem, ID)) {
            merge = problem.crossover().orElseThrow(() -> EvomergeException.configuration(
                    ID + ": evolving whole models needs a merge method as crossover"));
            if (oracle.isEmpty() && (exploration || kinshipStop < 1)) {
                throw EvomergeException.configuration(ID + ": kinship of whole models needs the run's kinship service "
                        + "(a base model); set exploration: false and kinship_stop: 1 to run plain greedy merging");
            }
            kinship = oracle.isPresent() ? oracle.get()::kinship : (a, b) -> 0;
            initial.addAll(problem.seeds());
            if (initial.size() < 2) {
                throw EvomergeException.configuration(ID + ": needs at least 2 seed models, got " + initial.size());
            }
        } else {
            List<double[]> seeds = SearchBox.parameterSeeds(problem, ID);
            SearchBox box = new SearchBox(problem.space());
            RandomGenerator generator = random.fork("initial").generator();
            initial.addAll(box.initialPopulation(seeds, (int) parameters.integer("initial_pool"), generator));
            merge = problem.crossover().orElse((parents, r) -> midpoint(box, parents));
            kinship = oracle.isPresent() ? oracle.get()::kinship : (a, b) -> pearson(box, a, b);
        }
        return new KinshipGreedy(initial, (int) parameters.integer("top_k"), exploration,
                parameters.string("exploration_from").equals("pool"), kinshipStop,
                (int) parameters.integer("max_generations"), merge, kinship, random);
    }

    private static Genome midpoint(SearchBox box, List<Genome> parents) {
        double[] a = ((ParameterGenome) parents.get(0)).values();
        double[] b = ((ParameterGenome) parents.get(1)).values();
        double[] m = new double[a.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (a[i] + b[i]) / 2;
        }
        return box.genome(m);
    }

    /**
     * Pearson correlation of two parameter genomes' coordinates, each normalised to its box side; 0 when either has no
     * spread (the correlation is undefined, and 0 neither stops the search nor favours the pair).
     */
    static double pearson(SearchBox box, Genome first, Genome second) {
        double[] a = ((ParameterGenome) first).values();
        double[] b = ((ParameterGenome) second).values();
        int n = a.length;
        double meanA = 0;
        double meanB = 0;
        for (int i = 0; i < n; i++) {
            a[i] = box.width(i) > 0 ? (a[i] - box.lower(i)) / box.width(i) : 0;
            b[i] = box.width(i) > 0 ? (b[i] - box.lower(i)) / box.width(i) : 0;
            meanA += a[i] / n;
            meanB += b[i] / n;
        }
        double cov = 0;
        double varA = 0;
        double varB = 0;
        for (int i = 0; i < n; i++) {
            cov += (a[i] - meanA) * (b[i] - meanB);
            varA += (a[i] - meanA) * (a[i] - meanA);
            varB += (b[i] - meanB) * (b[i] - meanB);
        }
        return varA > 0 && varB > 0 ? cov / Math.sqrt(varA * varB) : 0;
    }
}
