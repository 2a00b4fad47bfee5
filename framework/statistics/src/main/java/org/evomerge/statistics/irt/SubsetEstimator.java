package org.evomerge.statistics.irt;

import java.util.ArrayList;
import java.util.List;

/**
 * Estimates a model's score on a whole task from its answers to the task's anchors (ALGORITHMS.md B.22, the
 * estimators of tinyBenchmarks):
 *
 * <ul>
 *   <li>anchor: {@code sum_k w_k y_k}, the anchors' answers weighted by the share of the task each stands for;</li>
 *   <li>p-IRT: the ability {@code theta} fitted to the anchors' answers, then
 *       {@code (n/N) mean(anchor answers) + (1 - n/N) mean over the other items of P(theta, i)};</li>
 *   <li>gp-IRT: {@code lambda anchor + (1 - lambda) p-IRT}, with {@code lambda = b^2 / (b^2 + v)}: {@code b} the mean
 *       absolute error of the IRT prediction on held-out models (ability fitted to their even items, predicting the
 *       mean of the odd ones), {@code v = mean over models of the variance of its item scores / (4 n)}, the variance
 *       tinyBenchmarks assigns the anchor estimate. The worse IRT predicts, the more the anchors' own answers
 *       count.</li>
 * </ul>
 *
 * <p>The task's score is taken to be the mean item score, as the accuracies the evaluators report are. Immutable and
 * thread-safe; the same responses, anchors and priors give the same bits.
 */
public final class SubsetEstimator {

    private final TwoParameterLogistic model;
    private final AnchorSet anchors;
    private final double lambda;
    private final boolean[] isAnchor;

    private SubsetEstimator(TwoParameterLogistic model, AnchorSet anchors, double lambda) {
        if (anchors.total() != model.items()) {
            throw new IllegalArgumentException("anchors of a task of " + anchors.total() + " items for a model of "
                    + model.items());
        }
        this.model = model;
        this.anchors = anchors;
        this.lambda = lambda;
        this.isAnchor = new boolean[model.items()];
        for (int i : anchors.items()) {
            isAnchor[i] = true;
        }
    }

    /** One model's estimates. */
    public record Estimate(double anchor, double pIrt, double gpIrt, double ability) {
    }

    /**
     * Fits the IRT model on {@code responses} and chooses {@code k} anchors by k-means over {@code embedding}.
     *
     * @param responses models × items, each in [0, 1] (the sources and candidates scored on the whole task)
     */
    public static SubsetEstimator select(double[][] responses, int k, AnchorSet.Embedding embedding, long seed,
                                         IrtPriors priors) {
        TwoParameterLogistic.Fit fit = TwoParameterLogistic.fit(responses, priors);
        AnchorSet anchors = AnchorSet.select(AnchorSet.embeddings(embedding, responses, fit.model()), k, seed);
        return new SubsetEstimator(fit.model(), anchors, lambda(responses, fit.model(), anchors.size(), priors));
    }

    /**
     * Fits the IRT model on {@code responses} for anchors chosen before (a resumed run's journaled anchors, or a
     * refit after more models were scored in full).
     */
    public static SubsetEstimator withAnchors(double[][] responses, AnchorSet anchors, IrtPriors priors) {
        TwoParameterLogistic.Fit fit = TwoParameterLogistic.fit(responses, priors);
        return new SubsetEstimator(fit.model(), anchors, lambda(responses, fit.model(), anchors.size(), priors));
    }

    /** An estimator of a given model, anchors and gp-IRT weight (tests, fixed {@code lambda}). */
    public static SubsetEstimator of(TwoParameterLogistic model, AnchorSet anchors, double lambda) {
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("lambda lies in [0, 1], got " + lambda);
        }
        return new SubsetEstimator(model, anchors, lambda);
    }

    public AnchorSet anchors() {
        return anchors;
    }

    public TwoParameterLogistic model() {
        return model;
    }

    /** gp-IRT's weight of the anchor estimate. */
    public double lambda() {
        return lambda;
    }

    /**
     * The estimates for a model that gave {@code answers} to the anchors.
     *
     * @param answers one score in [0, 1] per anchor, in the anchors' order
     */
    public Estimate estimate(double[] answers) {
        int[] items = anchors.items();
        double[] weights = anchors.weights();
        if (answers.length != items.length) {
            throw new IllegalArgumentException(answers.length + " answers for " + items.length + " anchors");
        }
        double weighted = 0;
        double seen = 0;
        for (int k = 0; k < items.length; k++) {
            weighted += weights[k] * answers[k];
            seen += answers[k];
        }
        double theta = model.fitAbility(answers, items);
        int total = model.items();
        int unseenCount = total - items.length;
        double predicted = 0;
        for (int i = 0; i < total; i++) {
            if (!isAnchor[i]) {
                predicted += model.probability(theta, i);
            }
        }
        double share = (double) items.length / total;
        double pIrt = share * (seen / items.length) + (unseenCount == 0 ? 0 : (1 - share) * predicted / unseenCount);
        double gpIrt = lambda * weighted + (1 - lambda) * pIrt;
        return new Estimate(weighted, pIrt, gpIrt, theta);
    }

    /**
     * tinyBenchmarks' gp-IRT weight for {@code n} anchors chosen by clustering (see the class comment). The IRT error
     * {@code b} is measured on held-out models, as tinyBenchmarks validates: every fifth model (the first, sixth, ...)
     * is left out of a second fit and predicted from its even items; with fewer than two models, on the fitted ones.
     */
    static double lambda(double[][] responses, TwoParameterLogistic model, int n, IrtPriors priors) {
        int items = model.items();
        List<double[]> train = new ArrayList<>();
        List<double[]> validation = new ArrayList<>();
        for (int j = 0; j < responses.length; j++) {
            (j % 5 == 0 && responses.length >= 2 ? validation : train).add(responses[j]);
        }
        TwoParameterLogistic predictor = model;
        if (validation.isEmpty()) {
            validation = train;
        } else {
            predictor = TwoParameterLogistic.fit(train.toArray(double[][]::new), priors).model();
        }
        int even = (items + 1) / 2;
        int odd = items / 2;
        double bias = 0;
        if (odd > 0) {
            for (double[] row : validation) {
                int[] seen = new int[even];
                double[] answers = new double[even];
                for (int k = 0; k < even; k++) {
                    seen[k] = 2 * k;
                    answers[k] = row[2 * k];
                }
                double theta = predictor.fitAbility(answers, seen);
                double predicted = 0;
                double observed = 0;
                for (int i = 1; i < items; i += 2) {
                    predicted += predictor.probability(theta, i);
                    observed += row[i];
                }
                bias += Math.abs(predicted - observed) / odd;
            }
            bias /= validation.size();
        }
        double variance = 0;
        for (double[] row : responses) {
            double mean = 0;
            for (double y : row) {
                mean += y;
            }
            mean /= items;
            double squares = 0;
            for (double y : row) {
                squares += (y - mean) * (y - mean);
            }
            variance += squares / items;
        }
        double v = variance / responses.length / (4.0 * n);
        double b2 = bias * bias;
        return b2 + v == 0 ? 1 : b2 / (b2 + v);
    }
}
