package org.evomerge.engine.parameter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * pydantic v2's lax-mode table for bool, int and float (pydantic-core {@code input_python.rs}: validate_bool,
 * validate_int, validate_float; {@code shared.rs}: str_as_bool, int_as_bool, str_as_int, clean_int_str,
 * float_as_int, str_as_float), each case both ways. The expected values are what {@code TypeAdapter(bool)
 * .validate_python(x)} (and int, float) give for the same Python values.
 */
class LaxCoercionTest {

    @Test
    void booleansAcceptWhatPydanticAccepts() {
        for (Object yes : List.of(true, 1, 1L, 1.0, 1.0f, BigInteger.ONE, "1", "t", "T", "y", "Y", "on", "ON", "yes",
                "Yes", "true", "TRUE", "True")) {
            assertEquals(Optional.of(true), LaxCoercion.toBoolean(yes), () -> "true from " + describe(yes));
        }
        for (Object no : List.of(false, 0, 0L, 0.0, -0.0, "0", "f", "F", "n", "N", "no", "NO", "off", "Off", "false",
                "FALSE")) {
            assertEquals(Optional.of(false), LaxCoercion.toBoolean(no), () -> "false from " + describe(no));
        }
    }

    @Test
    void booleansRefuseWhatPydanticRefuses() {
        // Only 0 and 1 among numbers; texts exactly as listed (no spaces, no "1.0"); nothing else.
        for (Object bad : List.of(2, -1, 0.5, 1.5, Double.NaN, Double.POSITIVE_INFINITY, new BigInteger("2").pow(70),
                "2", "1.0", "0.0", " true", "true ", "", "maybe", "yess", "nope", "tru", "enabled", List.of(true),
                Map.of("a", true))) {
            assertTrue(LaxCoercion.toBoolean(bad).isEmpty(), () -> "refuses " + describe(bad));
        }
        assertTrue(LaxCoercion.toBoolean(null).isEmpty());
    }

    @Test
    void integersAcceptWhatPydanticAccepts() {
        Object[][] accepted = {
                {2, 2L}, {-3L, -3L}, {(short) 5, 5L}, {(byte) 6, 6L}, {true, 1L}, {false, 0L},
                {2.0, 2L}, {-4.0f, -4L}, {1e15, 1_000_000_000_000_000L}, {new BigInteger("9223372036854775807"),
                Long.MAX_VALUE}, {new BigDecimal("7.000"), 7L},
                {"2", 2L}, {"-2", -2L}, {" 2 ", 2L}, {"+2", 2L}, {"007", 7L}, {"-007", -7L}, {"0", 0L}, {"000", 0L},
                {"2.0", 2L}, {"2.00", 2L}, {"00.0", 0L}, {"1_000", 1000L}, {"1_000.0", 1000L}, {"0_000", 0L},
                {"\t12\n", 12L},
        };
        for (Object[] c : accepted) {
            assertEquals(OptionalLong.of((Long) c[1]), LaxCoercion.toInteger(c[0]), () -> "int from " + describe(c[0]));
        }
    }

    @Test
    void integersRefuseWhatPydanticRefuses() {
        for (Object bad : List.of(2.5, -0.1, Double.NaN, Double.POSITIVE_INFINITY, 1e19, new BigDecimal("2.5"), "2.5",
                "2.", ".5", "1e3", "0x10", "0b1", "two", "", " ", "+-2", "-+2", "--2", "++2", "_1", "1_", "1__0",
                "1_000.5", "2.0.0", List.of(1), Map.of("a", 1))) {
            assertTrue(LaxCoercion.toInteger(bad).isEmpty(), () -> "refuses " + describe(bad));
        }
        assertTrue(LaxCoercion.toInteger(null).isEmpty());
        // Python's integers have no limit; ours stop at a long, which no parameter or seed comes near.
        assertTrue(LaxCoercion.toInteger(new BigInteger("2").pow(64)).isEmpty());
        assertTrue(LaxCoercion.toInteger("9223372036854775808").isEmpty());
    }

    @Test
    void numbersAcceptWhatPydanticAccepts() {
        Object[][] accepted = {
                {0.25, 0.25}, {3, 3.0}, {-7L, -7.0}, {2.5f, 2.5}, {true, 1.0}, {false, 0.0},
                {new BigInteger("12345678901234567890"), 1.2345678901234567e19},
                {"0.5", 0.5}, {" 0.5 ", 0.5}, {"+1.5", 1.5}, {"-1.5", -1.5}, {".5", 0.5}, {"5.", 5.0}, {"1e-3", 1e-3},
                {"1E3", 1000.0}, {"2", 2.0}, {"1_000.5", 1000.5}, {"1_0e1_0", 1e11},
                {"inf", Double.POSITIVE_INFINITY}, {"-Infinity", Double.NEGATIVE_INFINITY},
        };
        for (Object[] c : accepted) {
            OptionalDouble got = LaxCoercion.toNumber(c[0]);
            assertTrue(got.isPresent(), () -> "float from " + describe(c[0]));
            assertEquals((Double) c[1], got.getAsDouble(), () -> "float from " + describe(c[0]));
        }
        assertTrue(Double.isNaN(LaxCoercion.toNumber("NaN").orElseThrow()));
    }

    @Test
    void numbersRefuseWhatPydanticRefuses() {
        // Java's Double.parseDouble would read the hexadecimal and the suffixed forms; Rust's parser (pydantic's)
        // does not.
        for (Object bad : List.of("", " ", ".", "e3", "1e", "abc", "1.5d", "2f", "0x1p3", "1,5", "1.5.2", "_1",
                "1__0", " 1_0", "infinite", List.of(0.5), Map.of("a", 0.5))) {
            assertTrue(LaxCoercion.toNumber(bad).isEmpty(), () -> "refuses " + describe(bad));
        }
        assertTrue(LaxCoercion.toNumber(null).isEmpty());
    }

    private static String describe(Object value) {
        return value instanceof String s ? "'" + s + "'" : value + " (" + value.getClass().getSimpleName() + ")";
    }
}
