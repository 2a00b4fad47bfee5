package org.evomerge.api.selection;

import java.util.List;
import org.evomerge.api.Stable;
import org.evomerge.api.context.RandomSource;

/** Picks parents (or survivors) from a scored population. Stateless and thread-safe. */
@Stable(since = "0.1.0")
public interface SelectionScheme {

    /**
     * Returns {@code count} indices into {@code population}; an index may repeat when the scheme samples with
     * replacement. The result depends only on the population and {@code random}.
     *
     * @throws IllegalArgumentException if the population is empty, or {@code count} is negative, or larger than the
     *                                  population for schemes that sample without replacement
     */
    List<Integer> select(List<Candidate> population, int count, RandomSource random);
}
