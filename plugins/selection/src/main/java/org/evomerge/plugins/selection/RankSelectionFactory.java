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
 * Linear ranking selection (Baker, 1985): with n candidates ranked r = 0 (least fit) to n−1 (fittest) and pressure
 * s ∈ [1, 2], candidate of rank r is picked with probability {@code (2−s)/n + 2r(s−1)/(n(n−1))}. s = 1 is uniform;
 * s = 2 gives the least fit candidate no chance. Only the order of fitness values matters, not their scale.
 */
@Extension
public class RankSelectionFactory extends DescribedSelectionSchemeFactory {

    public RankSelectionFactory() {
        super("rank", "Linear ranking: pick probability grows linearly with rank (with replacement).",
                ParameterSchema.of(ParameterSpec.number("pressure", 1.5, 1.0, 2.0,
                        "expected picks of the best candidate per population-size picks")),
                Set.of(Capability.RANDOMIZED));
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        double s = parameters.number("pressure");
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, true);
            int n = population.size();
            int[] fittestFirst = SelectionPreconditions.fittestFirst(population);
            double[] cumulative = new double[n];
            double total = 0;
            for (int k = 0; k < n; k++) {
                int rank = n - 1 - k; // position k in fittest-first order has rank n-1-k
                total += n == 1 ? 1 : (2 - s) / n + 2.0 * rank * (s - 1) / ((double) n * (n - 1));
                cumulative[k] = total;
            }
            double sum = total;
            return IndependentPick.repeat(count, random,
                    generator -> fittestFirst[SelectionPreconditions.search(cumulative, generator.nextDouble() * sum)]);
        };
    }
}
