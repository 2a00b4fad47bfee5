package org.evomerge.it.evolveplugin;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;

/** Test strategy packed into a folder plugin by {@code EvolveIT}: the seeds, then uniform points in the box. */
public final class RandomSearchFactory implements SearchStrategyFactory {

    @Override
    public ExtensionDescriptor descriptor() {
        return new ExtensionDescriptor("it-random", "1.0.0", ExtensionKind.SEARCH_STRATEGY, "uniform random search",
                ParameterSchema.of(ParameterSpec.integer("batch", 4, 1L, null, "points per generation")),
                Set.of(Capability.PARAMETER_GENOMES));
    }

    @Override
    public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
        int batch = (int) parameters.integer("batch");
        RandomSource random = context.random().fork("it-random");
        SearchSpace space = problem.space();
        return new SearchStrategy() {
            private long counter;
            private boolean first = true;

            @Override
            public List<Genome> ask() {
                List<Genome> out = new ArrayList<>(first ? problem.seeds() : List.of());
                first = false;
                while (out.size() < batch) {
                    double[] x = new double[space.size()];
                    for (int i = 0; i < x.length; i++) {
                        SearchSpace.Dimension d = space.dimensions().get(i);
                        x[i] = d.lower() + (d.upper() - d.lower()) * random.uniform(counter++);
                    }
                    out.add(new ParameterGenome(x));
                }
                return out;
            }

            @Override
            public void tell(List<ScoredGenome> results) {
            }

            @Override
            public boolean isFinished() {
                return false;
            }
        };
    }
}
