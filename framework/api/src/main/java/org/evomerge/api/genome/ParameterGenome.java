package org.evomerge.api.genome;

import java.util.Arrays;
import org.evomerge.api.Experimental;

/**
 * A point in a bounded box of merge-recipe parameters; the search space names each coordinate.
 *
 * @param values the coordinates, in search-space order
 */
@Experimental(since = "0.1.0",
        reason = "genome encodings that evolution searches; new encodings may join the sealed set")
public record ParameterGenome(double[] values) implements Genome {

    public ParameterGenome {
        values = values.clone();
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    public int size() {
        return values.length;
    }

    public double get(int index) {
        return values[index];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterGenome other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "ParameterGenome" + Arrays.toString(values);
    }
}
