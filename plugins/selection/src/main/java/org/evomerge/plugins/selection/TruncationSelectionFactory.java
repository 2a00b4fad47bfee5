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
 * Truncation selection: only the fittest {@code ceil(fraction · n)} candidates (at least one) can be picked, each
 * with equal probability, with replacement.
 */
@Extension
public class TruncationSelectionFactory extends DescribedSelectionSchemeFactory {

    public TruncationSelectionFactory() {
        super("truncation", "Uniform picks among the top fraction of the population.",
                ParameterSchema.of(ParameterSpec.number("fraction", 0.5, 1e-9, 1.0,
                        "share of the population that may breed")),
                Set.of(Capability.RANDOMIZED));
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        double fraction = parameters.number("fraction");
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, true);
            int[] order = SelectionPreconditions.fittestFirst(population);
            int keep = Math.max(1, (int) Math.ceil(fraction * population.size() - 1e-9));
            return IndependentPick.repeat(count, random, generator -> order[generator.nextInt(keep)]);
        };
    }
}
