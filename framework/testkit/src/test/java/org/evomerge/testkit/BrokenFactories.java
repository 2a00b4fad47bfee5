package org.evomerge.testkit;

import java.util.concurrent.atomic.AtomicInteger;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.testkit.CorrectExtensions.TournamentFactory;
import org.pf4j.Extension;

/**
 * Fixtures for what the host needs of every extension ({@link ExtensionFactoryContract}). Each wraps the correct
 * tournament scheme, so the selection tests must keep passing and only the host-facing test may fail.
 */
final class BrokenFactories {

    private BrokenFactories() {
    }

    private static SelectionScheme tournament(Parameters parameters, RunContext context) {
        return new TournamentFactory().create(parameters, context);
    }

    /** No {@code @Extension}: PF4J's index never lists it, so the plugin loads without it. */
    public static final class UnannotatedFactory implements SelectionSchemeFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return TournamentFactory.DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters, context);
        }
    }

    @MustFail("isLoadableByThePluginHost")
    static class UnannotatedFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new UnannotatedFactory();
        }
    }

    /** Configured through its constructor: the host instantiates extensions without arguments. */
    @Extension
    public static final class ConstructorArgumentFactory implements SelectionSchemeFactory {
        private final int size;

        public ConstructorArgumentFactory(int size) {
            this.size = size;
        }

        @Override
        public ExtensionDescriptor descriptor() {
            return TournamentFactory.DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters.with("size", (long) size), context);
        }
    }

    @MustFail("isLoadableByThePluginHost")
    static class ConstructorArgumentFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new ConstructorArgumentFactory(2);
        }
    }

    /** Package-private: the host, in another package, cannot instantiate it. */
    @Extension
    static final class PackagePrivateFactory implements SelectionSchemeFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return TournamentFactory.DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters, context);
        }
    }

    @MustFail("isLoadableByThePluginHost")
    static class PackagePrivateFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new PackagePrivateFactory();
        }
    }

    /**
     * Builds its descriptor on every call and stamps it (as a load time would), so two calls differ and provenance
     * written from one call would not match the next.
     */
    @Extension
    public static final class UnstableDescriptorFactory implements SelectionSchemeFactory {
        private final AtomicInteger calls = new AtomicInteger();

        @Override
        public ExtensionDescriptor descriptor() {
            ExtensionDescriptor d = TournamentFactory.DESCRIPTOR;
            return new ExtensionDescriptor(d.id(), d.version(), d.kind(),
                    d.description() + " (described " + calls.incrementAndGet() + " times)", d.parameters(),
                    d.capabilities());
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters, context);
        }
    }

    @MustFail("descriptorIsStableAndOfTheExpectedKind")
    static class UnstableDescriptorFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new UnstableDescriptorFactory();
        }
    }

    /** A selection scheme whose descriptor says mutation (a copy-paste slip): the catalog would file it wrongly. */
    @Extension
    public static final class WrongKindFactory implements SelectionSchemeFactory {
        private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("tournament", "1.0.0",
                ExtensionKind.MUTATION, TournamentFactory.DESCRIPTOR.description(),
                TournamentFactory.DESCRIPTOR.parameters(), TournamentFactory.DESCRIPTOR.capabilities());

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters, context);
        }
    }

    @MustFail("descriptorIsStableAndOfTheExpectedKind")
    static class WrongKindFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new WrongKindFactory();
        }
    }

    /**
     * A default outside its own range. Every test that configures the scheme from defaults fails too, which is what a
     * user would see: the extension cannot be used without overriding the parameter.
     */
    @Extension
    public static final class InvalidDefaultFactory implements SelectionSchemeFactory {
        private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("tournament", "1.0.0",
                ExtensionKind.SELECTION_SCHEME, TournamentFactory.DESCRIPTOR.description(),
                ParameterSchema.of(ParameterSpec.integer("size", 0, 1L, 16L, "candidates per tournament")),
                TournamentFactory.DESCRIPTOR.capabilities());

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters, context);
        }
    }

    @MustFail({"defaultsSatisfyTheDeclaredSchema", "returnsTheRequestedNumberOfValidIndices", "isDeterministicForASeed",
            "rejectsAnEmptyPopulationAndNegativeCounts", "prefersFitterCandidates"})
    static class InvalidDefaultFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new InvalidDefaultFactory();
        }
    }

    /**
     * A tournament size without an upper bound, which the scheme casts to {@code int}: 4294967298 would pass the
     * host's validation and become a tournament of 2.
     */
    @Extension
    public static final class UnboundedCountFactory implements SelectionSchemeFactory {
        private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("tournament", "1.0.0",
                ExtensionKind.SELECTION_SCHEME, TournamentFactory.DESCRIPTOR.description(),
                ParameterSchema.of(ParameterSpec.integer("size", 2, 1L, null, "candidates per tournament")),
                TournamentFactory.DESCRIPTOR.capabilities());

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public SelectionScheme create(Parameters parameters, RunContext context) {
            return tournament(parameters, context);
        }
    }

    @MustFail("wholeNumbersHeldInAnIntDeclareAnIntRange")
    static class UnboundedCountFixture extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new UnboundedCountFactory();
        }
    }
}
