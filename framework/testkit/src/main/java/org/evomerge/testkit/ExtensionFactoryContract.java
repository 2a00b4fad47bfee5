package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.parameter.ParameterValidator;
import org.junit.jupiter.api.Test;

/**
 * What every extension must satisfy to be loaded by the host: a stable, valid descriptor of the right kind, a
 * schema whose defaults pass its own validation, the PF4J {@code @Extension} marker, and a public no-argument
 * constructor. Each extension point's contract extends this one.
 *
 * @param <F> the extension point's factory type
 */
public abstract class ExtensionFactoryContract<F extends ExtensionFactory> {

    /** A new instance of the factory under test, as the host would create it. */
    protected abstract F factory();

    /** The kind the factory must declare. */
    protected abstract ExtensionKind expectedKind();

    /** A seeded run context on the reference backend; override to provide services your extension needs. */
    protected RunContext context(long seed) {
        return TestRunContexts.seeded(seed);
    }

    /** The parameters the contract tests use; defaults of the schema unless overridden. */
    protected Parameters parameters(EnumSet<ParameterScope> scopes, Map<String, ?> overrides) {
        return ParameterValidator.validate(factory().descriptor(), overrides, scopes, false);
    }

    @Test
    void descriptorIsStableAndOfTheExpectedKind() {
        F factory = factory();
        ExtensionDescriptor first = factory.descriptor();
        assertNotNull(first, "descriptor() must not return null");
        assertEquals(first, factory.descriptor(), "descriptor() must return equal values on every call");
        assertEquals(expectedKind(), first.kind(), "descriptor kind");
        assertTrue(ExtensionCatalog.factoryType(expectedKind()).isInstance(factory),
                factory.getClass() + " must implement the " + expectedKind().id() + " factory interface");
    }

    @Test
    void defaultsSatisfyTheDeclaredSchema() {
        assertDoesNotThrow(() -> ParameterValidator.validate(factory().descriptor(), Map.of(),
                EnumSet.allOf(ParameterScope.class), false));
    }

    @Test
    void unknownParametersAreRejectedBeforeTheExtensionRuns() {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> ParameterValidator.validate(factory().descriptor(), Map.of("no_such_parameter_xyz", 1)));
        assertEquals("no_such_parameter_xyz", e.parameter());
    }

    /**
     * The whole-number parameters the extension reads as a {@code long} (seeds, counts it keeps in a {@code long});
     * every other one is held in an {@code int}. Override to add yours.
     */
    protected Set<String> wholeNumbersReadAsLong() {
        return Set.of("seed", "sample_seed");
    }

    /**
     * A whole number the extension casts to {@code int} must be declared within the {@code int} range, so that the
     * host refuses 4294967297 instead of the cast turning it into 1.
     */
    @Test
    void wholeNumbersHeldInAnIntDeclareAnIntRange() {
        for (ParameterSpec spec : factory().descriptor().parameters().parameters()) {
            if (spec.type() != ParameterType.INTEGER || wholeNumbersReadAsLong().contains(spec.name())) {
                continue;
            }
            assertTrue(spec.max() != null && spec.max() <= Integer.MAX_VALUE
                            && spec.min() != null && spec.min() >= Integer.MIN_VALUE,
                    "parameter '" + spec.name() + "' declares [" + spec.min() + ", " + spec.max() + "]: give it"
                            + " bounds within the int range, or list it in wholeNumbersReadAsLong() if it is read"
                            + " as a long");
            InvalidParameterException e = assertThrows(InvalidParameterException.class,
                    () -> ParameterValidator.validate(factory().descriptor(), Map.of(spec.name(), 1L << 32),
                            EnumSet.allOf(ParameterScope.class), false),
                    "parameter '" + spec.name() + "' must refuse 4294967296");
            assertEquals(spec.name(), e.parameter());
        }
    }

    @Test
    void isLoadableByThePluginHost() throws Exception {
        Class<?> type = factory().getClass();
        assertTrue(type.isAnnotationPresent(org.pf4j.Extension.class),
                type + " needs @org.pf4j.Extension so the plugin host can find it");
        assertTrue(Modifier.isPublic(type.getModifiers()) && !Modifier.isAbstract(type.getModifiers()),
                type + " must be a public concrete class");
        assertNotNull(type.getConstructor().newInstance(), type + " needs a public no-argument constructor");
    }
}
