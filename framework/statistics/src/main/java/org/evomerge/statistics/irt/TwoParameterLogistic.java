package org.evomerge.statistics.irt;

/**
 * A fitted two-parameter logistic item response model (ALGORITHMS.md B.22): model {@code j} answers item {@code i}
 * correctly with probability {@code sigmoid(a_i * (theta_j - b_i))}, {@code a_i} the item's discrimination and
 * {@code b_i} its difficulty.
 *
 * <p>{@link #fit} finds the maximum a posteriori parameters under Gaussian priors ({@link IrtPriors}): a run has a
 * handful of models, so without priors an item every model answers gets an infinite easiness and an ability fitted to
 * a perfect score an infinite theta. The log-posterior is concave in each item's {@code (a_i, b_i)} with the abilities
 * fixed and in each ability with the items fixed, so the fit alternates those blocks: one Fisher-scoring step per
 * item and one Newton step per model each sweep, each step halved until the posterior does not decrease, until no
 * parameter moves by more than {@link #TOLERANCE}. Nothing is random: the same responses give the same bits.
 *
 * <p>Responses are scores in [0, 1]: 0/1 correctness, or a fractional score read as a soft label (the Bernoulli
 * likelihood of a fractional response is the cross-entropy). Immutable and thread-safe.
 */
public final class TwoParameterLogistic {

    /** The fit stops when no parameter moves by more than this in a sweep. */
    public static final double TOLERANCE = 1e-7;

    /** The fit stops after this many sweeps even if still moving (it has converged long before on real data). */
    public static final int MAX_SWEEPS = 2000;

    private final double[] discrimination;
    private final double[] difficulty;
    private final IrtPriors priors;

    /**
     * @param discrimination {@code a_i} per item
     * @param difficulty     {@code b_i} per item, as many as {@code discrimination}
     * @param priors         the priors, of which {@link #fitAbility} uses the ability prior
     */
    public TwoParameterLogistic(double[] discrimination, double[] difficulty, IrtPriors priors) {
        if (discrimination.length != difficulty.length) {
            throw new IllegalArgumentException(discrimination.length + " discriminations but " + difficulty.length
                    + " difficulties");
        }
        this.discrimination = discrimination.clone();
        this.difficulty = difficulty.clone();
        this.priors = priors;
    }

    /** A fitted model and the abilities of the models it was fitted on. */
    public record Fit(TwoParameterLogistic model, double[] abilities, int sweeps) {
        public Fit {
            abilities = abilities.clone();
        }

        @Override
        public double[] abilities() {
            return abilities.clone();
        }
    }

    /**
     * Fits items and abilities to {@code responses}.
     *
     * @param responses models × items, each in [0, 1]; at least one model and one item, every row as long
     */
    public static Fit fit(double[][] responses, IrtPriors priors) {
        int models = responses.length;
        if (models == 0 || responses[0].length == 0) {
            throw new IllegalArgumentException("an item response fit needs at least one model and one item");
        }
        int items = responses[0].length;
        for (double[] row : responses) {
            if (row.length != items) {
                throw new IllegalArgumentException("every model needs a response to each of the " + items + " items");
            }
            for (double y : row) {
                if (!(y >= 0 && y <= 1)) {
                    throw new IllegalArgumentException("responses lie in [0, 1], got " + y);
                }
            }
        }
        double[] a = new double[items];
        double[] b = new double[items];
        double[] theta = new double[models];
        // Start from the logits of the observed rates, shrunk away from 0 and 1 so they are finite.
        for (int i = 0; i < items; i++) {
            double rate = 0;
            for (double[] row : responses) {
                rate += row[i];
            }
            rate = (rate + 0.5) / (models + 1);
            a[i] = priors.discriminationMean();
            b[i] = -Math.log(rate / (1 - rate));
        }
        for (int j = 0; j < models; j++) {
            double rate = 0;
            for (double y : responses[j]) {
                rate += y;
            }
            rate = (rate + 0.5) / (items + 1);
            theta[j] = Math.log(rate / (1 - rate));
        }
        int sweep = 0;
        while (sweep < MAX_SWEEPS) {
            sweep++;
            double moved = 0;
            for (int i = 0; i < items; i++) {
                moved = Math.max(moved, itemStep(responses, i, a, b, theta, priors));
            }
            for (int j = 0; j < models; j++) {
                double before = theta[j];
                theta[j] = abilityStep(responses[j], null, a, b, theta[j], priors.abilitySd());
                moved = Math.max(moved, Math.abs(theta[j] - before));
            }
            if (moved <= TOLERANCE) {
                break;
            }
        }
        return new Fit(new TwoParameterLogistic(a, b, priors), theta, sweep);
    }

    /** Items in the model. */
    public int items() {
        return discrimination.length;
    }

    /** {@code a_i}. */
    public double discrimination(int item) {
        return discrimination[item];
    }

    /** {@code b_i}. */
    public double difficulty(int item) {
        return difficulty[item];
    }

    /** The probability that a model of ability {@code theta} answers {@code item} correctly. */
    public double probability(double theta, int item) {
        return sigmoid(discrimination[item] * (theta - difficulty[item]));
    }

    /**
     * The maximum a posteriori ability (prior {@code N(0, abilitySd^2)}) of a model that gave {@code answers} to
     * {@code items}, the item parameters held fixed.
     *
     * @param answers each in [0, 1], one per entry of {@code items}
     * @param items   indices into this model's items
     */
    public double fitAbility(double[] answers, int[] items) {
        if (answers.length != items.length) {
            throw new IllegalArgumentException(answers.length + " answers for " + items.length + " items");
        }
        double theta = 0;
        for (int step = 0; step < MAX_SWEEPS; step++) {
            double next = abilityStep(answers, items, discrimination, difficulty, theta, priors.abilitySd());
            boolean done = Math.abs(next - theta) <= TOLERANCE;
            theta = next;
            if (done) {
                break;
            }
        }
        return theta;
    }

    /** One Fisher-scoring step on item {@code i}'s (a, b); returns how far they moved. */
    private static double itemStep(double[][] y, int i, double[] a, double[] b, double[] theta, IrtPriors priors) {
        double ai = a[i];
        double bi = b[i];
        double gradA = -(ai - priors.discriminationMean()) / (priors.discriminationSd() * priors.discriminationSd());
        double gradB = -bi / (priors.difficultySd() * priors.difficultySd());
        double infoAA = 1 / (priors.discriminationSd() * priors.discriminationSd());
        double infoBB = 1 / (priors.difficultySd() * priors.difficultySd());
        double infoAB = 0;
        for (int j = 0; j < theta.length; j++) {
            double d = theta[j] - bi;
            double p = sigmoid(ai * d);
            double r = y[j][i] - p;
            double w = p * (1 - p);
            gradA += r * d;
            gradB -= r * ai;
            infoAA += w * d * d;
            infoBB += w * ai * ai;
            infoAB -= w * ai * d;
        }
        // Expected information (Fisher scoring): positive definite with the priors, so the step is an ascent direction.
        double det = infoAA * infoBB - infoAB * infoAB;
        double stepA = (infoBB * gradA - infoAB * gradB) / det;
        double stepB = (infoAA * gradB - infoAB * gradA) / det;
        double before = itemLogPosterior(y, i, ai, bi, theta, priors);
        double scale = 1;
        for (int halving = 0; halving < 40; halving++) {
            double na = ai + scale * stepA;
            double nb = bi + scale * stepB;
            if (itemLogPosterior(y, i, na, nb, theta, priors) >= before) {
                a[i] = na;
                b[i] = nb;
                return Math.max(Math.abs(na - ai), Math.abs(nb - bi));
            }
            scale /= 2;
        }
        return 0;
    }

    private static double itemLogPosterior(double[][] y, int i, double a, double b, double[] theta, IrtPriors priors) {
        double da = (a - priors.discriminationMean()) / priors.discriminationSd();
        double db = b / priors.difficultySd();
        double sum = -0.5 * (da * da + db * db);
        for (int j = 0; j < theta.length; j++) {
            sum += logLikelihood(y[j][i], a * (theta[j] - b));
        }
        return sum;
    }

    /**
     * One Newton step on an ability; {@code items} null means {@code answers} covers every item in order.
     */
    private static double abilityStep(double[] answers, int[] items, double[] a, double[] b, double theta,
                                      double abilitySd) {
        double prior = 1 / (abilitySd * abilitySd);
        double grad = -theta * prior;
        double info = prior;
        for (int k = 0; k < answers.length; k++) {
            int i = items == null ? k : items[k];
            double p = sigmoid(a[i] * (theta - b[i]));
            grad += (answers[k] - p) * a[i];
            info += p * (1 - p) * a[i] * a[i];
        }
        double step = grad / info;
        double before = abilityLogPosterior(answers, items, a, b, theta, prior);
        double scale = 1;
        for (int halving = 0; halving < 40; halving++) {
            double next = theta + scale * step;
            if (abilityLogPosterior(answers, items, a, b, next, prior) >= before) {
                return next;
            }
            scale /= 2;
        }
        return theta;
    }

    private static double abilityLogPosterior(double[] answers, int[] items, double[] a, double[] b, double theta,
                                              double prior) {
        double sum = -0.5 * theta * theta * prior;
        for (int k = 0; k < answers.length; k++) {
            int i = items == null ? k : items[k];
            sum += logLikelihood(answers[k], a[i] * (theta - b[i]));
        }
        return sum;
    }

    /** {@code y ln sigmoid(z) + (1 - y) ln(1 - sigmoid(z))}, computed without overflow for large {@code |z|}. */
    static double logLikelihood(double y, double z) {
        // ln sigmoid(z) = -softplus(-z) and ln(1 - sigmoid(z)) = -softplus(z) = -softplus(-z) - z.
        return -softplus(-z) - (1 - y) * z;
    }

    private static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
