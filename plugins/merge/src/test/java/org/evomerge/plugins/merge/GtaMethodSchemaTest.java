package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.MergeMethodFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generalized task arithmetic methods' descriptors, written out by hand as users see them in
 * {@code evomerge plugins info}: the {@link GtaMethod} table must build exactly these (ids, parameter order, the
 * defaults of {@code normalize} and {@code rescale}, capabilities).
 */
class GtaMethodSchemaTest {

    static Stream<Arguments> methods() {
        String tiesFamily = "requires-base-model,model-wide-pass,task-vector-operations";
        String randomFamily = "requires-base-model,randomized,task-vector-operations";
        return Stream.of(
                Arguments.of(new TaskArithmeticMergeFactory(), "task_arithmetic",
                        "weight normalize=false lambda int8_mask", "requires-base-model,task-vector-operations"),
                Arguments.of(new TiesMergeFactory(), "ties", "weight density normalize=true rescale=false lambda"
                        + " int8_mask trim_scope sign_election disjoint_mean", tiesFamily),
                Arguments.of(new BreadcrumbsMergeFactory(), "breadcrumbs",
                        "weight density gamma normalize=false rescale=false lambda int8_mask trim_scope", tiesFamily),
                Arguments.of(new BreadcrumbsTiesMergeFactory(), "breadcrumbs_ties", "weight density gamma"
                        + " normalize=false rescale=false lambda int8_mask trim_scope sign_election disjoint_mean",
                        tiesFamily),
                Arguments.of(new DareLinearMergeFactory(), "dare_linear",
                        "weight density normalize=false rescale=true lambda int8_mask dare_rescale", randomFamily),
                Arguments.of(new DareTiesMergeFactory(), "dare_ties", "weight density normalize=false rescale=true"
                        + " lambda int8_mask dare_rescale sign_election disjoint_mean", randomFamily),
                Arguments.of(new DellaLinearMergeFactory(), "della_linear",
                        "weight density epsilon normalize=false rescale=true lambda int8_mask", randomFamily),
                Arguments.of(new DellaMergeFactory(), "della", "weight density epsilon normalize=true rescale=true"
                        + " lambda int8_mask sign_election disjoint_mean", randomFamily));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("methods")
    void descriptorIsTheOneUsersKnow(MergeMethodFactory factory, String id, String parameters, String capabilities) {
        ExtensionDescriptor descriptor = factory.descriptor();
        assertEquals(id, descriptor.id());
        assertEquals("1.0.0", descriptor.version());
        assertEquals(parameters, descriptor.parameters().parameters().stream()
                .map(spec -> spec.name().equals("normalize") || spec.name().equals("rescale")
                        ? spec.name() + "=" + spec.defaultValue() : spec.name())
                .collect(Collectors.joining(" ")));
        Set<String> expected = new TreeSet<>(Set.of(capabilities.split(",")));
        assertEquals(expected, descriptor.capabilities().stream().map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.toCollection(TreeSet::new)));
    }
}
