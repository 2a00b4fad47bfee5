package org.evomerge.plugins.selection;

import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.SelectionScheme;
import org.pf4j.Extension;

/**
 * Tournament selection: each pick draws {@code size} candidates uniformly with replacement and keeps the fittest
 * (ties go to the earlier candidate). Larger tournaments mean stronger selection pressure; size 1 is uniform.
 */
@Extension
public class TournamentSelectionFactory extends DescribedSelectionSchemeFactory {

    public TournamentSelectionFactory() {
        super("tournament", "Best of a random tournament, per pick (with replacement).",
                ParameterSchema.of(ParameterSpec.integer("size", 3, 1L, 1024L, "candidates drawn per tournament")),
                Set.of(Capability.RANDOMIZED));
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        int size = (int) parameters.integer("size");
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, true);
            return IndependentPick.repeat(count, random, generator -> {
                int best = generator.nextInt(population.size());
                for (int round = 1; round < size; round++) {
                    int challenger = generator.nextInt(population.size());
                    double b = population.get(best).fitness().primary();
                    double c = population.get(challenger).fitness().primary();
                    if (c > b || (c == b && challenger < best)) {
                        best = challenger;
                    }
                }
                return best;
            });
        };
    }
}
