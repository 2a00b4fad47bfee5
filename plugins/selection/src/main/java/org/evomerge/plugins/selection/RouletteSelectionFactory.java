package org.evomerge.plugins.selection;

import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.SelectionScheme;
import org.pf4j.Extension;

/**
 * Fitness-proportional (roulette-wheel) selection with windowing: candidate i is picked with probability
 * proportional to {@code f_i − f_min}, so fitness may be negative (log-likelihoods are) and the least fit candidate
 * is never picked. When every candidate has the same fitness the picks are uniform.
 */
@Extension
public class RouletteSelectionFactory extends DescribedSelectionSchemeFactory {

    public RouletteSelectionFactory() {
        super("roulette", "Fitness-proportional picks over f - min(f) (with replacement); uniform when all are equal.",
                ParameterSchema.EMPTY, Set.of(Capability.RANDOMIZED));
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, true);
            double min = Double.POSITIVE_INFINITY;
            for (Candidate c : population) {
                min = Math.min(min, c.fitness().primary());
            }
            double[] cumulative = new double[population.size()];
            double total = 0;
            for (int i = 0; i < cumulative.length; i++) {
                total += population.get(i).fitness().primary() - min;
                cumulative[i] = total;
            }
            double sum = total;
            return IndependentPick.repeat(count, random, generator -> sum > 0 && Double.isFinite(sum)
                    ? SelectionPreconditions.search(cumulative, generator.nextDouble() * sum)
                    : generator.nextInt(population.size()));
        };
    }
}
