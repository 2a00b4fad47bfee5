package org.evomerge.testkit;

import java.util.Set;
import java.util.SplittableRandom;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.testkit.CorrectExtensions.GaussianMutationFactory;
import org.pf4j.Extension;

/** Gaussian mutations with one defect each, and the {@link MutationContract} fixtures that must catch it. */
final class BrokenMutations {

    private BrokenMutations() {
    }

    /** The parent every fixture mutates. */
    private abstract static class Fixture extends MutationContract {
        @Override
        protected Genome parent() {
            return CorrectExtensions.genome();
        }
    }

    /** A Gaussian mutation whose pieces fixtures replace one at a time. */
    private abstract static class GaussianVariant implements MutationFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return GaussianMutationFactory.DESCRIPTOR;
        }

        @Override
        public Mutation create(Parameters parameters, RunContext context) {
            double sigma = parameters.number("sigma");
            return new Mutation() {
                @Override
                public boolean accepts(Genome genome) {
                    return GaussianVariant.this.accepts(genome);
                }

                @Override
                public Genome mutate(MutationInput input) {
                    return GaussianVariant.this.mutate(input, sigma);
                }
            };
        }

        boolean accepts(Genome genome) {
            return genome instanceof ParameterGenome;
        }

        Genome mutate(MutationInput input, double sigma) {
            return GaussianMutationFactory.perturb((ParameterGenome) input.parent(), sigma, input.random().generator());
        }
    }

    /** Hands back the parent itself (a "keep" outcome): the engine would then alias two population members. */
    @Extension
    public static final class ReturnsParentFactory extends GaussianVariant {
        @Override
        Genome mutate(MutationInput input, double sigma) {
            return input.parent();
        }
    }

    @MustFail({"returnsANewGenomeAndLeavesTheParentAlone", "changesTheGenomeAndFollowsTheSeedItIsGiven"})
    static class ReturnsParentFixture extends Fixture {
        @Override
        protected MutationFactory factory() {
            return new ReturnsParentFactory();
        }
    }

    /** Returns a fresh copy of the parent: a new object, but nothing was mutated. */
    @Extension
    public static final class CopiesParentFactory extends GaussianVariant {
        @Override
        Genome mutate(MutationInput input, double sigma) {
            return new ParameterGenome(((ParameterGenome) input.parent()).values());
        }
    }

    @MustFail("changesTheGenomeAndFollowsTheSeedItIsGiven")
    static class CopiesParentFixture extends Fixture {
        @Override
        protected MutationFactory factory() {
            return new CopiesParentFactory();
        }
    }

    /** Draws its noise from a clock-seeded generator instead of {@code input.random()}. */
    @Extension
    public static final class UnseededFactory extends GaussianVariant {
        @Override
        Genome mutate(MutationInput input, double sigma) {
            return GaussianMutationFactory.perturb((ParameterGenome) input.parent(), sigma, new SplittableRandom());
        }
    }

    @MustFail("dependsOnlyOnTheSeed")
    static class UnseededFixture extends Fixture {
        @Override
        protected MutationFactory factory() {
            return new UnseededFactory();
        }
    }

    /** Works on parameter genomes but does not say so: the engine would refuse it for a parameter search. */
    @Extension
    public static final class UndeclaredGenomeTypeFactory extends GaussianVariant {
        private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("gaussian", "1.0.0",
                GaussianMutationFactory.DESCRIPTOR.kind(), GaussianMutationFactory.DESCRIPTOR.description(),
                GaussianMutationFactory.DESCRIPTOR.parameters(), Set.of(Capability.RANDOMIZED));

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }
    }

    @MustFail("declaresAndAcceptsItsGenomeType")
    static class UndeclaredGenomeTypeFixture extends Fixture {
        @Override
        protected MutationFactory factory() {
            return new UndeclaredGenomeTypeFactory();
        }
    }

    /** Declares parameter genomes, but {@code accepts} tests the wrong type. */
    @Extension
    public static final class RefusesDeclaredGenomeFactory extends GaussianVariant {
        @Override
        boolean accepts(Genome genome) {
            return genome instanceof ModelGenome;
        }
    }

    @MustFail("declaresAndAcceptsItsGenomeType")
    static class RefusesDeclaredGenomeFixture extends Fixture {
        @Override
        protected MutationFactory factory() {
            return new RefusesDeclaredGenomeFactory();
        }
    }
}
