package org.evomerge.plugins.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.SelectionScheme;
import org.pf4j.Extension;

/**
 * Elitism: the {@code count} fittest candidates, without replacement and without randomness; equal fitness keeps
 * population order. Genetic algorithms use it to carry the best individuals into the next generation unchanged.
 */
@Extension
public class ElitismSelectionFactory extends DescribedSelectionSchemeFactory {

    public ElitismSelectionFactory() {
        super("elitism", "The fittest candidates, best first (no repeats, no randomness).",
                ParameterSchema.EMPTY, Set.of());
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, false);
            int[] order = SelectionPreconditions.fittestFirst(population);
            List<Integer> chosen = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                chosen.add(order[k]);
            }
            return chosen;
        };
    }
}
