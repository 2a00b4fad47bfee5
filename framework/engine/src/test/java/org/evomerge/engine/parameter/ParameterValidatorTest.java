package org.evomerge.engine.parameter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParameterValidatorTest {

    private static final String ID = "demo-merge";

    /** A schema shaped like a real merge method's: method-wide options plus per-tensor and per-model values. */
    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.2.3", ExtensionKind.MERGE_METHOD,
            "a merge method for tests", ParameterSchema.of(
                    ParameterSpec.bool("normalize", true, "divide by the sum of weights"),
                    ParameterSpec.integer("iterations", 3, 1L, 10L, "how many passes"),
                    ParameterSpec.number("epsilon", 1e-8, 0.0, null, "numerical floor"),
                    ParameterSpec.choice("consensus", "sum", List.of("sum", "count"), "sign election"),
                    new ParameterSpec("label", org.evomerge.api.parameter.ParameterType.STRING, null, null, null, null,
                            false, ParameterScope.GLOBAL, "optional text"),
                    ParameterSpec.number("t", 0.5, 0.0, 1.0, "interpolation factor").withScope(ParameterScope.PER_TENSOR),
                    ParameterSpec.number("weight", 0, -10.0, 10.0, "model weight").withScope(ParameterScope.PER_MODEL)
                            .asRequired(),
                    ParameterSpec.number("density", 1.0, 0.0, 1.0, "fraction kept").withScope(ParameterScope.PER_MODEL)),
            Set.of());

    private static Parameters validate(Map<String, ?> raw) {
        return ParameterValidator.validate(DESCRIPTOR, raw);
    }

    private static InvalidParameterException rejected(Map<String, ?> raw) {
        return assertThrows(InvalidParameterException.class, () -> validate(raw));
    }

    /** {@code Map.of} cannot hold nulls, and parameter maps from YAML can. */
    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void defaultsAreFilledInWithTheirDeclaredTypes() {
        Parameters p = validate(map("weight", 1.0));
        assertEquals(Boolean.TRUE, p.get("normalize").orElseThrow());
        assertEquals(3L, p.get("iterations").orElseThrow());
        assertEquals(1e-8, p.get("epsilon").orElseThrow());
        assertEquals("sum", p.get("consensus").orElseThrow());
        assertEquals(0.5, p.get("t").orElseThrow());
        assertEquals(1.0, p.get("density").orElseThrow());
        // An optional parameter without default stays absent rather than becoming null or "".
        assertFalse(p.has("label"));
        assertFalse(p.values().containsKey("label"));
    }

    @Test
    void givenValuesWinOverDefaults() {
        Parameters p = validate(map("weight", -2, "iterations", 7, "normalize", false, "label", "x"));
        assertEquals(-2.0, p.get("weight").orElseThrow());
        assertEquals(7L, p.get("iterations").orElseThrow());
        assertFalse(p.bool("normalize"));
        assertEquals("x", p.string("label"));
    }

    @Test
    void numbersGivenAsTextAreCoerced() {
        // Command lines and environment variables deliver every value as text.
        Parameters p = validate(map("weight", "0.5", "iterations", " 4 ", "epsilon", "1e-3", "t", "1"));
        assertEquals(0.5, p.get("weight").orElseThrow());
        assertInstanceOf(Double.class, p.get("weight").orElseThrow());
        assertEquals(4L, p.get("iterations").orElseThrow());
        assertInstanceOf(Long.class, p.get("iterations").orElseThrow());
        assertEquals(1e-3, p.number("epsilon"));
        assertEquals(1.0, p.get("t").orElseThrow());
    }

    @Test
    void integersAcceptWholeValuesOfAnyNumberType() {
        // YAML may read "2.0" as a double; a whole value is still a valid integer.
        assertEquals(2L, validate(map("weight", 1, "iterations", 2.0)).get("iterations").orElseThrow());
        assertEquals(5L, validate(map("weight", 1, "iterations", (short) 5)).get("iterations").orElseThrow());
        assertEquals(6L, validate(map("weight", 1, "iterations", 6f)).get("iterations").orElseThrow());
    }

    @Test
    void integersRejectFractions() {
        for (Object fraction : List.of(1.5, "1.5", 2.5f, "two")) {
            InvalidParameterException e = rejected(map("weight", 1, "iterations", fraction));
            assertEquals("iterations", e.parameter());
            assertEquals(ID, e.extensionId());
            assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        }
    }

    @Test
    void outOfRangeValuesNameExtensionParameterAndRange() {
        InvalidParameterException e = rejected(map("weight", 1, "t", 1.5));
        assertEquals("t", e.parameter());
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains(ID), e.getMessage());
        assertTrue(e.getMessage().contains("'t'"), e.getMessage());
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());

        InvalidParameterException low = rejected(map("weight", 1, "iterations", 0));
        assertEquals("iterations", low.parameter());
        assertTrue(low.getMessage().contains("[1, 10]"), low.getMessage());

        InvalidParameterException negative = rejected(map("weight", 1, "epsilon", "-0.1"));
        assertEquals("epsilon", negative.parameter());
        assertTrue(negative.getMessage().contains(">= 0"), negative.getMessage());
    }

    @Test
    void boundsAreInclusive() {
        Parameters p = validate(map("weight", -10, "t", 0, "density", 1, "iterations", 10));
        assertEquals(-10.0, p.number("weight"));
        assertEquals(0.0, p.number("t"));
        assertEquals(10L, p.integer("iterations"));
    }

    @Test
    void unknownParameterIsNamedAndKnownOnesListed() {
        InvalidParameterException e = rejected(map("weight", 1, "wieght", 2));
        assertEquals("wieght", e.parameter());
        String message = e.getMessage();
        assertTrue(message.contains(ID) && message.contains("'wieght'"), message);
        assertTrue(message.contains("'wieght' is not a parameter of merge-method '" + ID + "' (did you mean"
                + " 'weight'?); known: "), message);
        for (String known : List.of("normalize", "iterations", "epsilon", "consensus", "label", "t", "weight", "density")) {
            assertTrue(message.contains(known), message);
        }
    }

    @Test
    void unknownParameterOfAnExtensionWithoutParameters() {
        ExtensionDescriptor bare = new ExtensionDescriptor("bare", "0.1.0", ExtensionKind.MUTATION, "", null, null);
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> ParameterValidator.validate(bare, Map.of("x", 1)));
        assertEquals("x", e.parameter());
        assertTrue(e.getMessage().contains("takes none"), e.getMessage());
        assertTrue(ParameterValidator.validate(bare, null).values().isEmpty());
    }

    @Test
    void missingRequiredValueIsRejectedUnlessNotEnforced() {
        InvalidParameterException e = rejected(Map.of());
        assertEquals("weight", e.parameter());
        assertTrue(e.getMessage().contains("required"), e.getMessage());
        // A null value, as YAML gives for "weight:", counts as missing.
        assertEquals("weight", rejected(map("weight", null)).parameter());

        Parameters lenient = ParameterValidator.validate(DESCRIPTOR, Map.of(), Set.of(ParameterScope.values()), false);
        assertFalse(lenient.has("weight"));
        assertEquals(1.0, lenient.number("density"));
    }

    @Test
    void choiceRejectsUnknownChoices() {
        assertEquals("count", validate(map("weight", 1, "consensus", "count")).string("consensus"));
        InvalidParameterException e = rejected(map("weight", 1, "consensus", "majority"));
        assertEquals("consensus", e.parameter());
        assertTrue(e.getMessage().contains("sum, count") && e.getMessage().contains("'majority'"), e.getMessage());
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
        // Choices are exact names: case is significant, and the exact one is suggested.
        InvalidParameterException upper = rejected(map("weight", 1, "consensus", "SUM"));
        assertEquals("consensus", upper.parameter());
        assertTrue(upper.getMessage().endsWith("got 'SUM' (did you mean 'sum'?)"), upper.getMessage());
    }

    @Test
    void aPathTheFileSystemRefusesIsBadInputNamingTheParameter() {
        ExtensionDescriptor withPath = new ExtensionDescriptor("perplexity", "1.0.0", ExtensionKind.EVALUATOR, "",
                ParameterSchema.of(new ParameterSpec("data", org.evomerge.api.parameter.ParameterType.PATH, null, null,
                        null, List.of(), true, ParameterScope.GLOBAL, "dataset")), null);
        var e = assertThrows(org.evomerge.api.EvomergeException.class,
                () -> ParameterValidator.validate(withPath, Map.of("data", "data\0.jsonl")));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals("perplexity: parameter 'data': 'data\\x00.jsonl' is not a valid path (Nul character not allowed)",
                e.getMessage());
        assertEquals("data/t.jsonl", ParameterValidator.validate(withPath, Map.of("data", "data/t.jsonl")).string("data"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "true", "on", "YES", "True", "1", "t", "y"})
    void booleanAcceptsTrueWords(String text) {
        assertTrue(validate(map("weight", 1, "normalize", text)).bool("normalize"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "false", "no", "OFF", "0", "f", "n"})
    void booleanAcceptsFalseWords(String text) {
        assertFalse(validate(map("weight", 1, "normalize", text)).bool("normalize"));
    }

    @Test
    void booleanAcceptsBooleansAndRejectsOtherValues() {
        assertTrue(validate(map("weight", 1, "normalize", true)).bool("normalize"));
        for (Object bad : List.of("maybe", 2, 0.5, "1.0", " True ", "")) {
            InvalidParameterException e = rejected(map("weight", 1, "normalize", bad));
            assertEquals("normalize", e.parameter());
            assertTrue(e.getMessage().contains("must be true or false"), e.getMessage());
        }
    }

    @Test
    void mergekitEvolveBestConfigValuesAreTakenAsMergekitTakesThem() {
        // mergekit-evolve's best_config.yaml writes "normalize: 1.0" and "int8_mask: 1.0"; mergekit reads them as true.
        assertTrue(validate(map("weight", 1, "normalize", 1.0)).bool("normalize"));
        assertTrue(validate(map("weight", 1, "normalize", 1)).bool("normalize"));
        assertFalse(validate(map("weight", 1, "normalize", 0.0)).bool("normalize"));
        // pydantic's float and int take booleans as 1 and 0.
        assertEquals(1.0, validate(map("weight", true)).number("weight"));
        assertEquals(1L, validate(map("weight", 1, "iterations", true)).integer("iterations"));
    }

    @Test
    void nonFiniteNumbersAreRejected() {
        // An unbounded parameter would otherwise let NaN or infinity through to the merge arithmetic.
        for (Object bad : List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.NaN,
                "NaN", "Infinity", "-Infinity")) {
            InvalidParameterException e = rejected(map("weight", 1, "epsilon", bad));
            assertEquals("epsilon", e.parameter(), String.valueOf(bad));
            assertTrue(e.getMessage().contains("finite"), e.getMessage());
        }
    }

    @Test
    void numbersRejectTextAndCollections() {
        for (Object bad : List.of("abc", "0x1p3", "1.5d", List.of(1.0), Map.of("a", 1))) {
            assertEquals("weight", rejected(map("weight", bad)).parameter(), String.valueOf(bad));
        }
        assertEquals("label", rejected(map("weight", 1, "label", List.of("a", "b"))).parameter());
    }

    @Test
    void onlyRequestedScopesAreReturned() {
        Map<String, Object> raw = map("weight", 2, "t", 0.25, "normalize", false);

        Parameters global = ParameterValidator.validate(DESCRIPTOR, raw, Set.of(ParameterScope.GLOBAL), true);
        assertEquals(Set.of("normalize", "iterations", "epsilon", "consensus"), global.values().keySet());

        Parameters perTensor = ParameterValidator.validate(DESCRIPTOR, raw, Set.of(ParameterScope.PER_TENSOR), true);
        assertEquals(Map.of("t", 0.25), perTensor.values());

        Parameters perModel = ParameterValidator.validate(DESCRIPTOR, raw, Set.of(ParameterScope.PER_MODEL), true);
        assertEquals(Map.of("weight", 2.0, "density", 1.0), perModel.values());
    }

    @Test
    void requiredParametersOfOtherScopesAreNotDemanded() {
        // weight is PER_MODEL and required; validating the method-wide options alone must not ask for it.
        Parameters global = ParameterValidator.validate(DESCRIPTOR, Map.of(), Set.of(ParameterScope.GLOBAL), true);
        assertFalse(global.has("weight"));
    }

    @Test
    void unknownNamesAreRejectedWhateverScopesAreRequested() {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> ParameterValidator.validate(DESCRIPTOR, map("bogus", 1), Set.of(ParameterScope.GLOBAL), false));
        assertEquals("bogus", e.parameter());
    }

    @Test
    void resultIsImmutable() {
        Parameters p = validate(map("weight", 1));
        assertThrows(UnsupportedOperationException.class, () -> p.values().put("x", 1));
    }
}
