package org.evomerge.cli.output;

import java.util.Locale;

/**
 * Byte counts as every command prints them: decimal units (1 KB = 1000 B, 1 GB = 10^9 B), the convention of
 * mergekit's {@code --out-shard-size 5B} and of the Hugging Face hub's file sizes. Below 1 KB the count is exact;
 * above, two decimals of the largest unit that keeps the number at or above 1.
 */
public final class ByteSize {

    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};

    private ByteSize() {
    }

    /** {@code 512 B}, {@code 12.35 KB}, {@code 2.32 GB}; negative counts keep their sign. */
    public static String format(long bytes) {
        double value = Math.abs((double) bytes);
        int unit = 0;
        while (value >= 1000 && unit < UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        // Rounding to two decimals can reach 1000.00 of a unit: say 1.00 of the next one instead.
        if (unit > 0 && value >= 999.995 && unit < UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        String sign = bytes < 0 ? "-" : "";
        return unit == 0 ? sign + (long) value + " B" : sign + String.format(Locale.ROOT, "%.2f %s", value, UNITS[unit]);
    }
}
