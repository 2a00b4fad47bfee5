package org.evomerge.plugins.safetensors;

import java.io.Serial;

/**
 * A fractional number read from {@code config.json}, with the text it was written as ({@code 1e-05},
 * {@code 10000.0}). Readers see an ordinary {@link Number}; writers print {@link #toString()}, which is that text
 * (Jackson writes a {@code Number} it has no serializer of its own for as its {@code toString()}), so a config copied
 * into an output keeps Python's {@code 1e-05} instead of becoming Java's {@code 1.0E-5}.
 *
 * <p>Immutable. Equal to another {@code JsonNumberText} of the same value, whatever the text.
 */
final class JsonNumberText extends Number {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String text;
    private final double value;

    /**
     * @param text  the number's JSON text as read
     * @param value its value
     */
    JsonNumberText(String text, double value) {
        this.text = text;
        this.value = value;
    }

    @Override
    public int intValue() {
        return (int) value;
    }

    @Override
    public long longValue() {
        return (long) value;
    }

    @Override
    public float floatValue() {
        return (float) value;
    }

    @Override
    public double doubleValue() {
        return value;
    }

    /** The JSON text as read. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonNumberText n && Double.compare(n.value, value) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(value);
    }
}
