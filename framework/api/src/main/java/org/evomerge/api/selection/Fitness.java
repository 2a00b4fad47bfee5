package org.evomerge.api.selection;

import java.util.List;
import org.evomerge.api.Stable;

/**
 * A candidate's scores, one per objective, higher is better. Single-objective runs use one value; NSGA-II-style
 * schemes compare the whole list.
 */
@Stable(since = "0.1.0")
public record Fitness(List<Double> objectives) {

    public Fitness {
        if (objectives == null || objectives.isEmpty()) {
            throw new IllegalArgumentException("fitness needs at least one objective");
        }
        objectives = List.copyOf(objectives);
        for (Double value : objectives) {
            if (value == null || value.isNaN()) {
                throw new IllegalArgumentException("fitness objectives must be numbers, got " + objectives);
            }
        }
    }

    public static Fitness of(double... values) {
        return new Fitness(java.util.Arrays.stream(values).boxed().toList());
    }

    /** The first objective: the single score of single-objective runs. */
    public double primary() {
        return objectives.getFirst();
    }

    public int size() {
        return objectives.size();
    }
}
