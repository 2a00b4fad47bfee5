package org.evomerge.statistics;

import java.util.Locale;

/**
 * An estimate with its two-sided 95% interval. {@code lower} and {@code upper} are NaN where the interval is not
 * defined (a t interval of one seed).
 */
public record Interval(double estimate, double lower, double upper) {

    /** The coverage of every interval in this package. */
    public static final double LEVEL = 0.95;

    public Interval {
        if (lower > upper) {
            throw new IllegalArgumentException("interval lower bound " + lower + " above upper bound " + upper);
        }
    }

    /** Whether the interval is defined. */
    public boolean defined() {
        return !Double.isNaN(lower) && !Double.isNaN(upper);
    }

    /** {@code 0.42 [0.33, 0.51]} with {@code decimals} digits; {@code 0.42 [n/a]} when undefined. */
    public String format(int decimals) {
        String f = "%." + decimals + "f";
        String estimateText = String.format(Locale.ROOT, f, estimate);
        if (!defined()) {
            return estimateText + " [n/a]";
        }
        return estimateText + " [" + String.format(Locale.ROOT, f, lower) + ", "
                + String.format(Locale.ROOT, f, upper) + "]";
    }

    /** {@code [0.33, 0.51]}; {@code [n/a]} when undefined. */
    public String formatBounds(int decimals) {
        if (!defined()) {
            return "[n/a]";
        }
        String f = "%." + decimals + "f";
        return "[" + String.format(Locale.ROOT, f, lower) + ", " + String.format(Locale.ROOT, f, upper) + "]";
    }
}
