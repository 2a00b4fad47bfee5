package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.pf4j.Extension;

/**
 * Differential evolution over parameter genomes or whole models (see {@link DifferentialEvolution}). For parameter
 * genomes the first population is the seeds followed by uniform points up to {@code population_size}; for models it
 * is the seeds (the fine-tuned models, as in Evolver), combined through the run's {@link ModelStore}.
 */
@Extension
public class DifferentialEvolutionFactory extends DescribedSearchStrategyFactory {

    static final String ID = "differential-evolution";

    public DifferentialEvolutionFactory() {
        super(ID,
                "Differential evolution: classic rand/1/bin or Evolver's x + F(ref - x), on parameters or whole models.",
                ParameterSchema.of(
                        ParameterSpec.choice("variant", "rand-1-bin", List.of("rand-1-bin", "evolver"),
                                "rand-1-bin: Storn-Price; evolver: Evolver's reference-directed step"),
                        ParameterSpec.number("f", 0.5, 0.0, 2.0, "differential weight F"),
                        ParameterSpec.number("cr", 0.9, 0.0, 1.0, "crossover rate CR (Evolver uses 0.5)"),
                        ParameterSpec.integer("population_size", 0, 0L, 100_000L,
                                "parameter genomes: members; 0: 10 per dimension (at least 4); models: the seeds"),
                        SearchParameters.MAX_GENERATIONS,
                        ParameterSpec.integer("evolver_generations", 15, 1L, 100_000L,
                                "G in Evolver's reference probability 0.5/(G - t) + 0.5;"
                                        + " the evolver variant stops after G"),
                        ParameterSpec.number("tol_fun", 1e-12, 0.0, null,
                                "rand-1-bin finishes when the population's fitness range is this small")),
                Set.of(Capability.RANDOMIZED, Capability.PARAMETER_GENOMES, Capability.MODEL_GENOMES));
    }

    @Override
    public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
        DifferentialEvolution.Variant variant = parameters.string("variant").equals("evolver")
                ? DifferentialEvolution.Variant.EVOLVER : DifferentialEvolution.Variant.RAND_1_BIN;
        int minimum = variant == DifferentialEvolution.Variant.EVOLVER ? 2 : 4;
        RandomSource random = context.random().fork(ID);
        SearchBox box = null;
        ModelStore store = null;
        List<Genome> initial = new ArrayList<>();
        if (SearchBox.evolvesModels(problem, ID)) {
            store = context.service(ModelStore.class).orElseThrow(() -> EvomergeException.configuration(
                    ID + ": evolving whole models needs the run's model store, which this host does not offer"));
            initial.addAll(problem.seeds());
            if (initial.size() < minimum) {
                throw EvomergeException.configuration(ID + " (" + parameters.string("variant") + ") needs at least "
                        + minimum + " seed models, got " + initial.size());
            }
        } else {
            List<double[]> seeds = SearchBox.parameterSeeds(problem, ID);
            box = new SearchBox(problem.space());
            int size = (int) parameters.integer("population_size");
            if (size == 0) {
                size = Math.max(4, 10 * box.size());
            }
            if (size < minimum) {
                throw EvomergeException.configuration(ID + ": population_size " + size + " is below the variant's minimum "
                        + minimum);
            }
            RandomGenerator generator = random.fork("initial").generator();
            initial.addAll(box.initialPopulation(seeds, size, generator));
        }
        return new DifferentialEvolution(variant, parameters.number("f"), parameters.number("cr"),
                (int) parameters.integer("max_generations"), (int) parameters.integer("evolver_generations"),
                parameters.number("tol_fun"), box, store, initial, random);
    }
}
