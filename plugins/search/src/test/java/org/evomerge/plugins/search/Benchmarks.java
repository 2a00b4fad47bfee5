package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.Fitness;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;

/** Standard minimisation test functions (minimum 0) and a loop that drives a strategy on them. */
final class Benchmarks {

    private Benchmarks() {
    }

    /** A test function with its usual domain; each has its global minimum 0 inside the box. */
    record Function(String name, double bound, ToDoubleFunction<double[]> f) {
        SearchProblem problem(int dimensions) {
            List<SearchSpace.Dimension> dims = new ArrayList<>();
            for (int i = 0; i < dimensions; i++) {
                dims.add(new SearchSpace.Dimension("x" + i, -bound, bound));
            }
            return new SearchProblem(new SearchSpace(dims), List.of(), 1, null, null, null);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final Function SPHERE = new Function("sphere", 5.12, x -> {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return s;
    });

    /** Minimum 0 at (1, ..., 1). */
    static final Function ROSENBROCK = new Function("rosenbrock", 2.048, x -> {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            s += 100 * Math.pow(x[i + 1] - x[i] * x[i], 2) + Math.pow(1 - x[i], 2);
        }
        return s;
    });

    /** Highly multimodal: about 10ⁿ local minima in the box. */
    static final Function RASTRIGIN = new Function("rastrigin", 5.12, x -> {
        double s = 10 * x.length;
        for (double v : x) {
            s += v * v - 10 * Math.cos(2 * Math.PI * v);
        }
        return s;
    });

    /** The outcome of one run: best value found and evaluations spent. */
    record Outcome(double best, int evaluations) {
    }

    static SearchStrategy strategy(SearchStrategyFactory factory, SearchProblem problem, Map<String, ?> params, long seed) {
        Parameters parameters = ParameterValidator.validate(factory.descriptor(), params);
        return factory.create(problem, parameters, TestRunContexts.seeded(seed));
    }

    /** Runs until {@code budget} evaluations are spent (a batch is never split) or the strategy finishes. */
    static Outcome minimise(SearchStrategy strategy, Function function, int budget) {
        double best = Double.POSITIVE_INFINITY;
        int evaluations = 0;
        while (evaluations < budget && !strategy.isFinished()) {
            List<Genome> batch = strategy.ask();
            if (batch.isEmpty()) {
                break;
            }
            List<ScoredGenome> scored = new ArrayList<>();
            for (Genome g : batch) {
                double value = function.f().applyAsDouble(((ParameterGenome) g).values());
                best = Math.min(best, value);
                scored.add(new ScoredGenome(g, Fitness.of(-value)));
            }
            evaluations += batch.size();
            strategy.tell(scored);
        }
        return new Outcome(best, evaluations);
    }
}
