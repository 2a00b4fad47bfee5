package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * Each contract fails for broken extensions, and fails exactly the test that covers the defect: a contract that
 * passes everything proves nothing, and one that fails for the wrong reason misleads plugin authors. The fixtures
 * (see {@link MustFail}) are run here through the JUnit engine rather than by Surefire, because they must fail.
 */
class ContractsCatchBrokenExtensionsTest {

    private static final List<Class<?>> FIXTURE_HOLDERS = List.of(BrokenFactories.class, BrokenMergeMethods.class,
            BrokenSelectionSchemes.class, BrokenMutations.class, BrokenEvaluators.class, BrokenSearchStrategies.class,
            BrokenModelFormats.class);

    private static final List<Class<?>> CONTRACTS = List.of(ExtensionFactoryContract.class, MergeMethodContract.class,
            SelectionSchemeContract.class, MutationContract.class, EvaluatorContract.class,
            SearchStrategyContract.class, ModelFormatContract.class);

    /**
     * Contract tests no broken extension can fail. This one checks the host's parameter validator against a name no
     * schema declares, so it passes for every extension (unless it declares that very name); it guards the host,
     * not the plugin.
     */
    private static final Set<String> CANNOT_FAIL = Set.of(
            "ExtensionFactoryContract#unknownParametersAreRejectedBeforeTheExtensionRuns");

    static Stream<Named<Class<?>>> fixtures() {
        return FIXTURE_HOLDERS.stream()
                .flatMap(holder -> Arrays.stream(holder.getDeclaredClasses()))
                .filter(type -> type.isAnnotationPresent(MustFail.class))
                .map(type -> Named.of(type.getEnclosingClass().getSimpleName() + "." + type.getSimpleName(), type));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void theContractFailsExactlyWhereTheExtensionIsBroken(Class<?> fixture) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(fixture))
                .execute();
        Events tests = results.testEvents();

        Map<String, String> failures = new TreeMap<>();
        tests.failed().stream().forEach(event -> failures.put(methodName(event), cause(event)));
        Set<String> expected = new TreeSet<>(Arrays.asList(fixture.getAnnotation(MustFail.class).value()));
        assertEquals(expected, failures.keySet(), () -> "failures: " + failures);

        // Everything else must have run and passed, so the failures above are the defect's and nothing else's.
        assertEquals(contractTests(fixture).size(), tests.started().count(), "contract tests run");
        assertEquals(0, tests.aborted().count() + tests.skipped().count(), "aborted or skipped tests");
        assertEquals(0, results.containerEvents().failed().count(), "the fixture class itself failed");
    }

    @Test
    void everyFixtureIsMarkedWithTheTestsItMustFail() {
        // An unmarked fixture would never run: Surefire skips it by name and the test above skips it by annotation.
        List<String> unmarked = FIXTURE_HOLDERS.stream()
                .flatMap(holder -> Arrays.stream(holder.getDeclaredClasses()))
                .filter(type -> ExtensionFactoryContract.class.isAssignableFrom(type))
                .filter(type -> !Modifier.isAbstract(type.getModifiers()))
                .filter(type -> !type.isAnnotationPresent(MustFail.class))
                .map(Class::getName)
                .toList();
        assertEquals(List.of(), unmarked);
        for (Class<?> holder : FIXTURE_HOLDERS) {
            assertTrue(fixtures().anyMatch(fixture -> fixture.getPayload().getEnclosingClass() == holder),
                    holder + " has no fixture");
        }
    }

    @Test
    void everyContractTestFailsForSomeBrokenExtension() {
        Set<String> shownToFail = new TreeSet<>();
        fixtures().map(Named::getPayload).forEach(fixture -> {
            Set<String> names = Set.of(fixture.getAnnotation(MustFail.class).value());
            contractTests(fixture).stream()
                    .filter(method -> names.contains(method.getName()))
                    .forEach(method -> shownToFail.add(key(method)));
        });
        Set<String> neverFailing = CONTRACTS.stream()
                .flatMap(contract -> Arrays.stream(contract.getDeclaredMethods()))
                .filter(m -> m.isAnnotationPresent(Test.class))
                .map(ContractsCatchBrokenExtensionsTest::key)
                .filter(key -> !shownToFail.contains(key))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(CANNOT_FAIL), neverFailing);
    }

    /** The {@code @Test} methods a fixture inherits from its contract. */
    private static List<Method> contractTests(Class<?> fixture) {
        List<Method> tests = new ArrayList<>();
        for (Class<?> type = fixture; type != null; type = type.getSuperclass()) {
            Arrays.stream(type.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class)).forEach(tests::add);
        }
        return tests;
    }

    private static String key(Method method) {
        return method.getDeclaringClass().getSimpleName() + "#" + method.getName();
    }

    private static String methodName(Event event) {
        return event.getTestDescriptor().getSource()
                .filter(org.junit.platform.engine.support.descriptor.MethodSource.class::isInstance)
                .map(source -> ((org.junit.platform.engine.support.descriptor.MethodSource) source).getMethodName())
                .orElse(event.getTestDescriptor().getDisplayName());
    }

    private static String cause(Event event) {
        return event.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                .map(Throwable::toString).orElse("?");
    }
}
