package org.evomerge.api.genome;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.evomerge.api.Experimental;

/**
 * The bounded box a parameter search explores: one named dimension per evolved recipe parameter.
 *
 * @param dimensions the coordinates, in genome order; names are unique
 */
@Experimental(since = "0.1.0", reason = "the box parameter genomes live in; non-numeric dimensions may be added")
public record SearchSpace(List<Dimension> dimensions) {

    public SearchSpace {
        dimensions = List.copyOf(dimensions);
        Set<String> names = new HashSet<>();
        for (Dimension d : dimensions) {
            if (!names.add(d.name())) {
                throw new IllegalArgumentException("search dimension '" + d.name() + "' appears twice");
            }
        }
    }

    public int size() {
        return dimensions.size();
    }

    /**
     * One coordinate.
     *
     * @param name  e.g. {@code layers[0-3].mlp.ft1.weight}
     * @param lower inclusive lower bound
     * @param upper inclusive upper bound
     */
    public record Dimension(String name, double lower, double upper) {
        public Dimension {
            Objects.requireNonNull(name, "name");
            if (!(lower <= upper) || Double.isInfinite(lower) || Double.isInfinite(upper)) {
                throw new IllegalArgumentException("dimension '" + name + "' needs finite bounds lower <= upper, got ["
                        + lower + ", " + upper + "]");
            }
        }
    }
}
