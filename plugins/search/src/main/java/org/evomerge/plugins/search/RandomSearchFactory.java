package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.pf4j.Extension;

/**
 * Random search, the baseline every other strategy must beat: batches of points drawn uniformly in the box. The
 * problem's seeds are asked first, unchanged.
 */
@Extension
public class RandomSearchFactory extends DescribedSearchStrategyFactory {

    static final String ID = "random";

    public RandomSearchFactory() {
        super(ID, "Uniform random points in the parameter box (the baseline).",
                ParameterSchema.of(
                        ParameterSpec.integer("batch_size", 16, 1L, 100_000L, "points asked per batch"),
                        ParameterSpec.integer("max_evaluations", 0, 0L, null,
                                "finish after this many points (0: never; the engine's budget stops the run)")),
                Set.of(Capability.RANDOMIZED, Capability.PARAMETER_GENOMES));
    }

    @Override
    public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
        List<double[]> seeds = SearchBox.parameterSeeds(problem, ID);
        return new RandomSearch(new SearchBox(problem.space()), seeds, (int) parameters.integer("batch_size"),
                parameters.integer("max_evaluations"), context.random().fork(ID).generator());
    }

    /** Not thread-safe: the engine calls ask and tell from one thread. */
    private static final class RandomSearch implements SearchStrategy {
        private final SearchBox box;
        private final List<double[]> seeds;
        private final int batchSize;
        private final long maxEvaluations;
        private final RandomGenerator generator;
        private long asked;
        private List<Genome> pending;

        RandomSearch(SearchBox box, List<double[]> seeds, int batchSize, long maxEvaluations, RandomGenerator generator) {
            this.box = box;
            this.seeds = seeds;
            this.batchSize = batchSize;
            this.maxEvaluations = maxEvaluations;
            this.generator = generator;
        }

        @Override
        public List<Genome> ask() {
            if (pending != null) {
                return pending; // asked again before tell: the same batch, so a replay stays aligned
            }
            int count = batchSize;
            if (maxEvaluations > 0) {
                count = (int) Math.min(count, maxEvaluations - asked);
            }
            List<Genome> batch = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                long index = asked + k;
                batch.add(index < seeds.size() ? box.genome(seeds.get((int) index)) : box.genome(box.uniform(generator)));
            }
            asked += count;
            pending = List.copyOf(batch);
            return pending;
        }

        @Override
        public void tell(List<ScoredGenome> results) {
            Batches.checkTold(pending, results);
            pending = null;
        }

        @Override
        public boolean isFinished() {
            return maxEvaluations > 0 && asked >= maxEvaluations && pending == null;
        }
    }
}
