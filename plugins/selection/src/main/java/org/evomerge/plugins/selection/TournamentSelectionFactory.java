package org.evomerge.plugins.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.pf4j.Extension;

/**
 * Tournament selection: each pick draws {@code size} candidates uniformly with replacement and keeps the fittest
 * (ties go to the earlier candidate). Larger tournaments mean stronger selection pressure; size 1 is uniform.
 */
@Extension
public class TournamentSelectionFactory implements SelectionSchemeFactory {

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("tournament", "1.0.0",
            ExtensionKind.SELECTION_SCHEME, "Best of a random tournament, per pick (with replacement).",
            ParameterSchema.of(ParameterSpec.integer("size", 3, 1L, 1024L, "candidates drawn per tournament")),
            Set.of(Capability.RANDOMIZED));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        int size = (int) parameters.integer("size");
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, true);
            RandomGenerator generator = random.generator();
            List<Integer> chosen = new ArrayList<>(count);
            for (int pick = 0; pick < count; pick++) {
                int best = generator.nextInt(population.size());
                for (int round = 1; round < size; round++) {
                    int challenger = generator.nextInt(population.size());
                    double b = population.get(best).fitness().primary();
                    double c = population.get(challenger).fitness().primary();
                    if (c > b || (c == b && challenger < best)) {
                        best = challenger;
                    }
                }
                chosen.add(best);
            }
            return chosen;
        };
    }
}
