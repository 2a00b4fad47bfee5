package org.evomerge.plugins.mutation;

import org.evomerge.api.genome.SearchSpace;

/**
 * Keeps a mutated parameter inside its dimension's bounds: {@code clip} to the nearest bound, or {@code reflect} off
 * the bounds (repeatedly for steps longer than the box, as a mirror at each bound). Without bounds (a space with no
 * dimensions) values pass through.
 */
enum BoundedStep {
    CLIP, REFLECT;

    static BoundedStep of(String name) {
        return name.equals("reflect") ? REFLECT : CLIP;
    }

    /** The value {@code v} of dimension {@code i} brought inside the space. */
    double apply(SearchSpace space, int i, double v) {
        if (space.size() == 0) {
            return v;
        }
        double lower = space.dimensions().get(i).lower();
        double upper = space.dimensions().get(i).upper();
        if (v >= lower && v <= upper) {
            return v;
        }
        if (this == CLIP || upper == lower) {
            return Math.min(upper, Math.max(lower, v));
        }
        double width = upper - lower;
        double r = (v - lower) - 2 * width * Math.floor((v - lower) / (2 * width));
        return lower + (r > width ? 2 * width - r : r);
    }

    /** The side length of dimension {@code i}, or 1 without bounds (steps are then absolute). */
    static double width(SearchSpace space, int i) {
        return space.size() == 0 ? 1 : space.dimensions().get(i).upper() - space.dimensions().get(i).lower();
    }

    /**
     * @throws IllegalArgumentException if the space has dimensions but not as many as the genome
     */
    static void check(SearchSpace space, int genomeSize, String mutation) {
        if (space.size() != 0 && space.size() != genomeSize) {
            throw new IllegalArgumentException(mutation + ": a genome of " + genomeSize + " values in a space of "
                    + space.size() + " dimensions");
        }
    }
}
