package org.evomerge.statistics;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;

/**
 * The exact McNemar test of two models' 0/1 outcomes on the same items: under "equally good", each discordant item
 * (right for one model only) is a fair coin, so the two-sided p-value is
 * {@code min(1, 2 * P(X <= min(b, c)))} for {@code X ~ Binomial(b + c, 1/2)}, summed exactly (no chi-square
 * approximation).
 *
 * @param onlyA   items the first model got right and the second wrong ({@code b})
 * @param onlyB   items the second model got right and the first wrong ({@code c})
 * @param pValue  the two-sided exact p-value, 1 when there is no discordant item
 */
public record McNemar(int onlyA, int onlyB, double pValue) {

    /** The p-value as reports print it: three decimals, or two significant digits in scientific form below 0.001. */
    public String pValueText() {
        return pValue >= 0.001 ? String.format(Locale.ROOT, "%.3f", pValue) : String.format(Locale.ROOT, "%.1e", pValue);
    }

    /** The test on discordant counts {@code b} and {@code c}. */
    public static McNemar of(int onlyA, int onlyB) {
        if (onlyA < 0 || onlyB < 0) {
            throw new IllegalArgumentException("discordant counts must be at least 0, got " + onlyA + " and "
                    + onlyB);
        }
        return new McNemar(onlyA, onlyB, exactPValue(onlyA, onlyB));
    }

    /**
     * The test on paired outcomes, pooled over the strata: {@code a.get(s)[i]} and {@code b.get(s)[i]} are the two
     * models' outcomes (0 or 1) on the same item.
     *
     * @throws IllegalArgumentException when the outcomes do not pair up or one is not 0 or 1
     */
    public static McNemar ofOutcomes(List<double[]> a, List<double[]> b) {
        Bootstrap.checkPaired(a, b);
        int onlyA = 0;
        int onlyB = 0;
        for (int s = 0; s < a.size(); s++) {
            for (int i = 0; i < a.get(s).length; i++) {
                boolean rightA = outcome(a.get(s)[i]);
                boolean rightB = outcome(b.get(s)[i]);
                onlyA += rightA && !rightB ? 1 : 0;
                onlyB += rightB && !rightA ? 1 : 0;
            }
        }
        return of(onlyA, onlyB);
    }

    /** {@code min(1, 2 * sum_{k <= min(b, c)} C(b + c, k) / 2^(b + c))}, summed in integers. */
    static double exactPValue(int onlyA, int onlyB) {
        int n = onlyA + onlyB;
        if (n == 0) {
            return 1;
        }
        int tail = Math.min(onlyA, onlyB);
        BigInteger sum = BigInteger.ZERO;
        BigInteger choose = BigInteger.ONE;
        for (int k = 0; k <= tail; k++) {
            sum = sum.add(choose);
            choose = choose.multiply(BigInteger.valueOf(n - k)).divide(BigInteger.valueOf(k + 1));
        }
        BigDecimal twoSided = new BigDecimal(sum.shiftLeft(1)).divide(new BigDecimal(BigInteger.ONE.shiftLeft(n)),
                MathContext.DECIMAL64);
        return Math.min(1, twoSided.doubleValue());
    }

    private static boolean outcome(double value) {
        if (value == 1) {
            return true;
        }
        if (value == 0) {
            return false;
        }
        throw new IllegalArgumentException("McNemar's test needs 0/1 outcomes, got " + value);
    }
}
