package org.evomerge.plugins.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.SelectionScheme;
import org.pf4j.Extension;

/**
 * NSGA-II selection over several objectives (a Pareto front over tasks). Two modes:
 * <ul>
 *   <li>{@code tournament} (default, mating selection): each pick is the winner of a tournament of {@code size}
 *       candidates drawn with replacement under the crowded comparison (lower front, then larger crowding distance),
 *       as NSGA-II picks parents.</li>
 *   <li>{@code survival} (environmental selection): the {@code count} best in crowded-comparison order without
 *       replacement: whole fronts first, the last front cut by crowding distance; deterministic.</li>
 * </ul>
 * With one objective every candidate is on its own front, so it reduces to tournament or truncation by fitness.
 */
@Extension
public class Nsga2SelectionFactory extends DescribedSelectionSchemeFactory {

    public Nsga2SelectionFactory() {
        super("nsga2",
                "NSGA-II: non-dominated sorting and crowding distance (crowded tournament, or survival of the best).",
                ParameterSchema.of(
                        ParameterSpec.choice("mode", "tournament", List.of("tournament", "survival"),
                                "tournament: parents, with replacement; survival: the best count, no repeats"),
                        ParameterSpec.integer("size", 2, 1L, 1024L, "candidates per tournament (tournament mode)")),
                Set.of(Capability.MULTI_OBJECTIVE, Capability.RANDOMIZED));
    }

    @Override
    public SelectionScheme create(Parameters parameters, RunContext context) {
        boolean survival = parameters.string("mode").equals("survival");
        int size = (int) parameters.integer("size");
        return (population, count, random) -> {
            SelectionPreconditions.check(population, count, !survival);
            ParetoRanking ranking = ParetoRanking.of(population);
            List<Integer> chosen = new ArrayList<>(count);
            if (survival) {
                int[] order = ranking.order();
                for (int k = 0; k < count; k++) {
                    chosen.add(order[k]);
                }
                return chosen;
            }
            RandomGenerator generator = random.generator();
            for (int pick = 0; pick < count; pick++) {
                int best = generator.nextInt(population.size());
                for (int round = 1; round < size; round++) {
                    int challenger = generator.nextInt(population.size());
                    if (ranking.better(challenger, best)) {
                        best = challenger;
                    }
                }
                chosen.add(best);
            }
            return chosen;
        };
    }
}
