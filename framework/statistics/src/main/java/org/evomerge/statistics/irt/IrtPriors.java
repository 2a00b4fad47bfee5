package org.evomerge.statistics.irt;

/**
 * Gaussian priors of a {@link TwoParameterLogistic} fit: {@code theta ~ N(0, abilitySd^2)},
 * {@code a ~ N(discriminationMean, discriminationSd^2)}, {@code b ~ N(0, difficultySd^2)}. The ability prior also
 * fixes the scale the abilities are measured on (a 2PL model is otherwise unchanged by shifting and scaling theta).
 */
public record IrtPriors(double abilitySd, double discriminationMean, double discriminationSd, double difficultySd) {

    /**
     * Standard normal abilities, discriminations around 1 with standard deviation 1, difficulties with standard
     * deviation 2: wide enough for items nearly every model answers, narrow enough that a fit on a few models stays
     * finite.
     */
    public static final IrtPriors DEFAULT = new IrtPriors(1, 1, 1, 2);

    public IrtPriors {
        if (!(abilitySd > 0) || !(discriminationSd > 0) || !(difficultySd > 0)
                || !Double.isFinite(discriminationMean)) {
            throw new IllegalArgumentException("prior standard deviations must be positive and finite");
        }
    }
}
