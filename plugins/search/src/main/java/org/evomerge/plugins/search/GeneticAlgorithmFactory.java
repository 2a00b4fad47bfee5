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
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.pf4j.Extension;

/**
 * The EvoMerge genetic algorithm (see {@link GeneticAlgorithm}) over parameter genomes or whole models. Whole models
 * need the problem's crossover (a merge method); parameter genomes use it when configured, else uniform or
 * arithmetic crossover. Without a configured mutation, parameter genomes get a built-in Gaussian mutation.
 */
@Extension
public class GeneticAlgorithmFactory extends DescribedSearchStrategyFactory {

    static final String ID = "genetic";

    public GeneticAlgorithmFactory() {
        super(ID, "Generational GA with elitism: selection scheme, merge-method crossover, mutation (EvoMerge).",
                ParameterSchema.of(
                        ParameterSpec.integer("population_size", 20, 2L, 100_000L,
                                "members per generation (parameter genomes: seeds, then uniform points)"),
                        ParameterSpec.integer("elites", 2, 0L, 100_000L,
                                "fittest members kept unchanged each generation"),
                        ParameterSpec.number("crossover_rate", 0.9, 0.0, 1.0, "probability a parent pair is crossed"),
                        ParameterSpec.number("mutation_rate", 0.5, 0.0, 1.0,
                                "probability a crossed child is mutated (clones are always mutated)"),
                        ParameterSpec.choice("crossover", "auto", List.of("auto", "problem", "uniform", "arithmetic"),
                                "auto: the run's merge crossover if configured, else uniform (parameter genomes)"),
                        ParameterSpec.integer("tournament_size", 3, 1L, 1024L,
                                "parent tournament size when the run configures no selection scheme"),
                        ParameterSpec.number("mutation_sigma", 0.1, 0.0, 10.0,
                                "built-in Gaussian mutation: step as a fraction of each box side"),
                        ParameterSpec.number("mutation_decay", 0.97, 0.0, 1.0,
                                "built-in Gaussian mutation: step factor per generation"),
                        ParameterSpec.number("mutation_gene_rate", 0.0, 0.0, 1.0,
                                "built-in Gaussian mutation: probability per gene; 0: 1/n"),
                        SearchParameters.MAX_GENERATIONS),
                Set.of(Capability.RANDOMIZED, Capability.PARAMETER_GENOMES, Capability.MODEL_GENOMES));
    }

    @Override
    public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
        int size = (int) parameters.integer("population_size");
        String mode = parameters.string("crossover");
        RandomSource random = context.random().fork(ID);
        List<Genome> initial = new ArrayList<>();
        SearchBox box = null;
        GeneticAlgorithm.Crossover crossover;
        if (SearchBox.evolvesModels(problem, ID)) {
            if (problem.crossover().isEmpty()) {
                throw EvomergeException.configuration(ID + ": evolving whole models needs a merge method as crossover");
            }
            if (mode.equals("uniform") || mode.equals("arithmetic")) {
                throw EvomergeException.configuration(ID + ": crossover '" + mode + "' works on parameter genomes only; "
                        + "models are crossed by the run's merge method");
            }
            if (problem.seeds().size() < 2) {
                throw EvomergeException.configuration(ID + ": needs at least 2 seed models, got " + problem.seeds().size());
            }
            initial.addAll(problem.seeds());
            crossover = GeneticAlgorithm.Crossover.PROBLEM;
        } else {
            List<double[]> seeds = SearchBox.parameterSeeds(problem, ID);
            box = new SearchBox(problem.space());
            RandomGenerator generator = random.fork("initial").generator();
            initial.addAll(box.initialPopulation(seeds, size, generator));
            crossover = switch (mode) {
                case "problem" -> {
                    if (problem.crossover().isEmpty()) {
                        throw EvomergeException.configuration(ID + ": crossover 'problem' but the run configures none");
                    }
                    yield GeneticAlgorithm.Crossover.PROBLEM;
                }
                case "uniform" -> GeneticAlgorithm.Crossover.UNIFORM;
                case "arithmetic" -> GeneticAlgorithm.Crossover.ARITHMETIC;
                default -> problem.crossover().isPresent()
                        ? GeneticAlgorithm.Crossover.PROBLEM : GeneticAlgorithm.Crossover.UNIFORM;
            };
        }
        if (problem.mutation().isPresent() && !problem.mutation().get().accepts(initial.getFirst())) {
            throw EvomergeException.configuration(ID + ": the configured mutation does not work on "
                    + initial.getFirst().getClass().getSimpleName() + "s");
        }
        GeneticAlgorithm.Settings settings = new GeneticAlgorithm.Settings(Math.max(size, 2),
                (int) parameters.integer("elites"), parameters.number("crossover_rate"),
                parameters.number("mutation_rate"), crossover, (int) parameters.integer("tournament_size"),
                new GeneticAlgorithm.FallbackMutation(parameters.number("mutation_sigma"),
                        parameters.number("mutation_decay"), parameters.number("mutation_gene_rate")),
                (int) parameters.integer("max_generations"));
        return new GeneticAlgorithm(problem, box, initial, settings, random);
    }
}
