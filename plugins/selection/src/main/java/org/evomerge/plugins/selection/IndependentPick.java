package org.evomerge.plugins.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RandomSource;

/**
 * One pick of a scheme that samples with replacement: every pick is drawn the same way, independently of the others,
 * so a selection is the pick repeated {@code count} times on one generator.
 */
@FunctionalInterface
interface IndependentPick {

    /** The index of the candidate picked, drawing from {@code generator}. */
    int draw(RandomGenerator generator);

    /** {@code count} picks, in order, from {@code random}'s generator. */
    static List<Integer> repeat(int count, RandomSource random, IndependentPick pick) {
        RandomGenerator generator = random.generator();
        List<Integer> chosen = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            chosen.add(pick.draw(generator));
        }
        return chosen;
    }
}
