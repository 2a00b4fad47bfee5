package org.evomerge.testkit;

import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.Candidate;
import org.evomerge.api.selection.Fitness;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.testkit.CorrectExtensions.TournamentFactory;
import org.pf4j.Extension;

/** Tournament schemes with one defect each, and the {@link SelectionSchemeContract} fixtures that must catch it. */
final class BrokenSelectionSchemes {

    private BrokenSelectionSchemes() {
    }

    /** Variants of the tournament: same descriptor, so only {@code select} differs from the correct scheme. */
    private abstract static class TournamentVariant implements SelectionSchemeFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return TournamentFactory.DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            int size = (int) parameters.integer("size");
            return (population, count, random) -> select(population, count, size, random.generator());
        }

        abstract List<Integer> select(List<Candidate> population, int count, int size, RandomGenerator random);
    }

    /** Returns 1-based positions, as the run journal numbers candidates: the last one points past the end. */
    @Extension
    public static final class OneBasedFactory extends TournamentVariant {
        @Override
        List<Integer> select(List<Candidate> population, int count, int size, RandomGenerator random) {
            TournamentFactory.checkArguments(population, count);
            return TournamentFactory.tournaments(population, count, size, random).stream().map(i -> i + 1).toList();
        }
    }

    @MustFail({"returnsTheRequestedNumberOfValidIndices", "prefersFitterCandidates"})
    static class OneBasedFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new OneBasedFactory();
        }
    }

    /** Caps the count at the population size although it samples with replacement. */
    @Extension
    public static final class CappedCountFactory extends TournamentVariant {
        @Override
        List<Integer> select(List<Candidate> population, int count, int size, RandomGenerator random) {
            TournamentFactory.checkArguments(population, count);
            return TournamentFactory.tournaments(population, Math.min(count, population.size()), size, random);
        }
    }

    @MustFail("returnsTheRequestedNumberOfValidIndices")
    static class CappedCountFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new CappedCountFactory();
        }
    }

    /** Draws from a clock-seeded generator instead of the one it is given. */
    @Extension
    public static final class UnseededFactory extends TournamentVariant {
        @Override
        List<Integer> select(List<Candidate> population, int count, int size, RandomGenerator ignored) {
            TournamentFactory.checkArguments(population, count);
            return TournamentFactory.tournaments(population, count, size, new SplittableRandom());
        }
    }

    @MustFail("isDeterministicForASeed")
    static class UnseededFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new UnseededFactory();
        }
    }

    /** Answers nothing for an empty population or a negative count, hiding the caller's bug. */
    @Extension
    public static final class LenientFactory extends TournamentVariant {
        @Override
        List<Integer> select(List<Candidate> population, int count, int size, RandomGenerator random) {
            if (population.isEmpty() || count <= 0) {
                return List.of();
            }
            return TournamentFactory.tournaments(population, count, size, random);
        }
    }

    @MustFail("rejectsAnEmptyPopulationAndNegativeCounts")
    static class LenientFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new LenientFactory();
        }
    }

    /** Treats fitness as a loss (lower is better), so the worst candidates win. */
    @Extension
    public static final class InvertedFactory extends TournamentVariant {
        @Override
        List<Integer> select(List<Candidate> population, int count, int size, RandomGenerator random) {
            TournamentFactory.checkArguments(population, count);
            List<Candidate> asLoss = population.stream()
                    .map(c -> new Candidate(c.id(), Fitness.of(-c.fitness().primary()))).toList();
            return TournamentFactory.tournaments(asLoss, count, size, random);
        }
    }

    @MustFail("prefersFitterCandidates")
    static class InvertedFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new InvertedFactory();
        }
    }
}
