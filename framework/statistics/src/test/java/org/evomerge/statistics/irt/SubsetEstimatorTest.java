package org.evomerge.statistics.irt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SubsetEstimatorTest {

    /** The log-posterior of a 2PL fit, written out independently of the class under test. */
    private static double logPosterior(double[][] y, double[] a, double[] b, double[] theta, IrtPriors p) {
        double sum = 0;
        for (double t : theta) {
            sum -= 0.5 * t * t / (p.abilitySd() * p.abilitySd());
        }
        for (int i = 0; i < a.length; i++) {
            sum -= 0.5 * Math.pow((a[i] - p.discriminationMean()) / p.discriminationSd(), 2);
            sum -= 0.5 * Math.pow(b[i] / p.difficultySd(), 2);
            for (int j = 0; j < theta.length; j++) {
                double prob = 1 / (1 + Math.exp(-a[i] * (theta[j] - b[i])));
                sum += y[j][i] * Math.log(prob) + (1 - y[j][i]) * Math.log(1 - prob);
            }
        }
        return sum;
    }

    @Test
    void twoItemsThreeModelsFitIsTheMaximumOfTheLogPosterior() {
        // Item 0 answered by the two stronger models, item 1 by the strongest only.
        double[][] y = {{1, 1}, {1, 0}, {0, 0}};
        IrtPriors priors = IrtPriors.DEFAULT;
        TwoParameterLogistic.Fit fit = TwoParameterLogistic.fit(y, priors);
        double[] a = {fit.model().discrimination(0), fit.model().discrimination(1)};
        double[] b = {fit.model().difficulty(0), fit.model().difficulty(1)};
        double[] theta = fit.abilities();
        // Central differences of the independent log-posterior vanish at the maximum, in every coordinate.
        double h = 1e-6;
        double[][] blocks = {a, b, theta};
        for (double[] block : blocks) {
            for (int k = 0; k < block.length; k++) {
                double saved = block[k];
                block[k] = saved + h;
                double up = logPosterior(y, a, b, theta, priors);
                block[k] = saved - h;
                double down = logPosterior(y, a, b, theta, priors);
                block[k] = saved;
                assertEquals(0, (up - down) / (2 * h), 1e-6, "gradient at the fit");
            }
        }
        // The order the data imply: stronger models get higher abilities, the harder item a higher difficulty.
        assertTrue(theta[0] > theta[1] && theta[1] > theta[2], Arrays.toString(theta));
        assertTrue(b[1] > b[0]);
        assertTrue(fit.sweeps() < TwoParameterLogistic.MAX_SWEEPS);
        // And it is a maximum: random nearby points are all lower.
        double best = logPosterior(y, a, b, theta, priors);
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            double[] a2 = a.clone();
            double[] b2 = b.clone();
            double[] t2 = theta.clone();
            for (double[] block : new double[][] {a2, b2, t2}) {
                for (int k = 0; k < block.length; k++) {
                    block[k] += (random.nextDouble() - 0.5) * 0.02;
                }
            }
            assertTrue(logPosterior(y, a2, b2, t2, priors) < best);
        }
    }

    @Test
    void abilityOfOneRightAnswerSolvesTheHandDerivedEquation() {
        // One item, a = 1, b = 0, answered right, prior N(0, 1): d/dtheta [ln sigmoid(theta) - theta^2/2] = 0 gives
        // theta = 1 - sigmoid(theta); solved here by bisection in float64.
        double lo = 0;
        double hi = 1;
        for (int k = 0; k < 200; k++) {
            double mid = (lo + hi) / 2;
            if (mid - (1 - 1 / (1 + Math.exp(-mid))) < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        TwoParameterLogistic model = new TwoParameterLogistic(new double[] {1}, new double[] {0}, IrtPriors.DEFAULT);
        assertEquals(lo, model.fitAbility(new double[] {1}, new int[] {0}), 1e-9);
        assertEquals(-lo, model.fitAbility(new double[] {0}, new int[] {0}), 1e-9);
        assertEquals(0.5, model.probability(0, 0), 0);
    }

    @Test
    void aRefitOnACalibrationIsTheMaximumOfAllRowsAndEstimatesAsHandDerived() {
        // Two sources and one calibration candidate scored in full on three items; item 1 is the anchor.
        double[][] sources = {{1, 1, 0}, {0, 1, 0}};
        double[][] withCalibration = {sources[0], sources[1], {1, 1, 1}};
        AnchorSet anchors = new AnchorSet(new int[] {1}, new double[] {1}, 3);
        IrtPriors priors = IrtPriors.DEFAULT;
        SubsetEstimator first = SubsetEstimator.withAnchors(sources, anchors, priors);
        SubsetEstimator refit = SubsetEstimator.withAnchors(withCalibration, anchors, priors);
        TwoParameterLogistic.Fit fit = TwoParameterLogistic.fit(withCalibration, priors);
        double[] a = new double[3];
        double[] b = new double[3];
        for (int i = 0; i < 3; i++) {
            a[i] = refit.model().discrimination(i);
            b[i] = refit.model().difficulty(i);
            assertEquals(fit.model().discrimination(i), a[i], 0);
            assertEquals(fit.model().difficulty(i), b[i], 0);
        }
        // The refit is the maximum of the independent log-posterior over all three rows: its gradient vanishes.
        double[] theta = fit.abilities();
        double h = 1e-6;
        for (double[] block : new double[][] {a, b, theta}) {
            for (int k = 0; k < block.length; k++) {
                double saved = block[k];
                block[k] = saved + h;
                double up = logPosterior(withCalibration, a, b, theta, priors);
                block[k] = saved - h;
                double down = logPosterior(withCalibration, a, b, theta, priors);
                block[k] = saved;
                assertEquals(0, (up - down) / (2 * h), 1e-6, "gradient at the refit");
            }
        }
        // Only the calibration answered item 2: the refit finds it easier than the sources alone did.
        assertTrue(refit.model().difficulty(2) < first.model().difficulty(2),
                refit.model().difficulty(2) + " vs " + first.model().difficulty(2));

        // A candidate that answers the anchor: its ability solves a (1 - sigmoid(a (theta - b))) = theta (prior
        // N(0, 1)), found by bisection in float64; p-IRT is (1/3) * 1 + (2/3) * the mean probability of items 0 and 2.
        double a1 = a[1];
        double b1 = b[1];
        double lo = -10;
        double hi = 10;
        for (int k = 0; k < 200; k++) {
            double mid = (lo + hi) / 2;
            if (a1 * (1 - 1 / (1 + Math.exp(-a1 * (mid - b1)))) - mid > 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double ability = lo;
        double p0 = 1 / (1 + Math.exp(-a[0] * (ability - b[0])));
        double p2 = 1 / (1 + Math.exp(-a[2] * (ability - b[2])));
        double pIrt = 1.0 / 3 + 2.0 / 3 * (p0 + p2) / 2;
        SubsetEstimator.Estimate e = refit.estimate(new double[] {1});
        assertEquals(ability, e.ability(), 1e-9);
        assertEquals(pIrt, e.pIrt(), 1e-9);
        assertEquals(1, e.anchor(), 0);
        assertEquals(refit.lambda() * 1 + (1 - refit.lambda()) * e.pIrt(), e.gpIrt(), 1e-15);
        assertTrue(refit.lambda() >= 0 && refit.lambda() <= 1);
    }

    @Test
    void allItemsAsAnchorsGiveTheFullScore() {
        double[][] y = syntheticResponses(12, 40, 5);
        double[] newModel = syntheticResponses(1, 40, 6)[0];
        TwoParameterLogistic model = TwoParameterLogistic.fit(y, IrtPriors.DEFAULT).model();
        double full = Arrays.stream(newModel).sum() / newModel.length;
        SubsetEstimator.Estimate gp = SubsetEstimator.of(model, AnchorSet.all(40), 1).estimate(newModel);
        assertEquals(full, gp.gpIrt(), 1e-15);
        assertEquals(full, gp.anchor(), 1e-15);
        // p-IRT predicts no item when all are seen, whatever lambda.
        SubsetEstimator.Estimate p = SubsetEstimator.of(model, AnchorSet.all(40), 0.3).estimate(newModel);
        assertEquals(full, p.pIrt(), 1e-15);
        assertEquals(full, p.gpIrt(), 1e-15);
    }

    @Test
    void kMeansFindsSeparatedGroupsAndWeighsThemBySize() {
        // Three groups of 5, 3 and 2 items; the middle of each group is the member nearest its centroid.
        double[][] points = {{0.0}, {10.0}, {0.1}, {10.1}, {-0.1}, {20.0}, {0.2}, {9.9}, {-0.2}, {20.0}};
        AnchorSet anchors = AnchorSet.select(points, 3, 7);
        assertArrayEquals(new int[] {0, 1, 5}, anchors.items());
        assertArrayEquals(new double[] {0.5, 0.3, 0.2}, anchors.weights(), 1e-15);
        // Equal embeddings share a cluster. Two clusters (2 and 3 items) for 4 anchors: the 2 more go by size,
        // largest remainder (2 * 4/5 - 1 = 0.6, 3 * 4/5 - 1 = 1.4: the second cluster, then 0.6 > 0.4: the first),
        // so both items of the first and, beside item 2 (its first member), one drawn of items 3 and 4.
        double[][] twins = {{1, 0}, {1, 0}, {0, 1}, {0, 1}, {0, 1}};
        AnchorSet stratified = AnchorSet.select(twins, 4, 1);
        assertEquals(4, stratified.size());
        assertArrayEquals(new int[] {0, 1, 2}, Arrays.copyOf(stratified.items(), 3));
        assertTrue(stratified.items()[3] == 3 || stratified.items()[3] == 4);
        assertArrayEquals(new double[] {0.2, 0.2, 0.3, 0.3}, stratified.weights(), 1e-15);
        // One cluster of equal items: its anchors split its weight.
        AnchorSet same = AnchorSet.select(new double[][] {{1}, {1}, {1}, {1}}, 2, 3);
        assertArrayEquals(new double[] {0.5, 0.5}, same.weights(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> AnchorSet.select(points, 11, 1));
    }

    @Test
    void selectionAndEstimatesAreReproducibleBitForBit() {
        double[][] y = syntheticResponses(20, 120, 11);
        double[] newModel = syntheticResponses(1, 120, 12)[0];
        SubsetEstimator one = SubsetEstimator.select(y, 12, AnchorSet.Embedding.IRT, 99, IrtPriors.DEFAULT);
        SubsetEstimator two = SubsetEstimator.select(y, 12, AnchorSet.Embedding.IRT, 99, IrtPriors.DEFAULT);
        assertEquals(one.anchors(), two.anchors());
        assertEquals(Double.doubleToRawLongBits(one.lambda()), Double.doubleToRawLongBits(two.lambda()));
        double[] answers = answersAt(newModel, one.anchors());
        assertEquals(one.estimate(answers), two.estimate(answers));
        // Resuming with the anchors read back and the same responses gives the same estimates.
        AnchorSet reread = new AnchorSet(one.anchors().items(), one.anchors().weights(), 120);
        assertEquals(one.estimate(answers),
                SubsetEstimator.withAnchors(y, reread, IrtPriors.DEFAULT).estimate(answers));
        SubsetEstimator other = SubsetEstimator.select(y, 12, AnchorSet.Embedding.IRT, 100, IrtPriors.DEFAULT);
        assertNotEquals(Arrays.toString(one.anchors().items()), Arrays.toString(other.anchors().items()));
    }

    @Test
    void estimatesTrackScoresOfModelsDrawnFromATwoParameterModel() {
        // 30 fitted models and 30 new ones from one 2PL population over 300 items; 30 anchors (a tenth).
        int items = 300;
        double[][] all = syntheticResponses(60, items, 21);
        double[][] fitted = Arrays.copyOfRange(all, 0, 30);
        SubsetEstimator estimator = SubsetEstimator.select(fitted, 30, AnchorSet.Embedding.CORRECTNESS, 5,
                IrtPriors.DEFAULT);
        double[] truth = new double[30];
        double[] estimate = new double[30];
        double error = 0;
        for (int m = 0; m < 30; m++) {
            double[] row = all[30 + m];
            truth[m] = Arrays.stream(row).sum() / items;
            estimate[m] = estimator.estimate(answersAt(row, estimator.anchors())).gpIrt();
            error += Math.abs(truth[m] - estimate[m]) / 30;
        }
        assertTrue(error < 0.045, "mean absolute error " + error);
        assertTrue(SpearmanCorrelation.of(truth, estimate) > 0.9, "rank correlation");
    }

    @Test
    void gpIrtTrustsTheAnchorsMoreTheMoreThereAre() {
        // lambda = b^2 / (b^2 + v / (4n)): the anchor estimate's variance shrinks as n grows, the IRT error b does not.
        double[][] y = syntheticResponses(15, 80, 31);
        TwoParameterLogistic model = TwoParameterLogistic.fit(y, IrtPriors.DEFAULT).model();
        double few = SubsetEstimator.lambda(y, model, 4, IrtPriors.DEFAULT);
        double many = SubsetEstimator.lambda(y, model, 40, IrtPriors.DEFAULT);
        assertTrue(0 < few && few < many && many < 1, few + " then " + many);
    }

    static double[] answersAt(double[] row, AnchorSet anchors) {
        int[] items = anchors.items();
        double[] answers = new double[items.length];
        for (int k = 0; k < items.length; k++) {
            answers[k] = row[items[k]];
        }
        return answers;
    }

    /** Models × items drawn from a 2PL population: abilities N(0, 1), a in [0.5, 2], b N(0, 1); seeded. */
    static double[][] syntheticResponses(int models, int items, long seed) {
        SplittableRandom itemRandom = new SplittableRandom(1234);
        double[] a = new double[items];
        double[] b = new double[items];
        for (int i = 0; i < items; i++) {
            a[i] = 0.5 + 1.5 * itemRandom.nextDouble();
            b[i] = gaussian(itemRandom);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] y = new double[models][items];
        for (int j = 0; j < models; j++) {
            double theta = gaussian(random);
            for (int i = 0; i < items; i++) {
                double p = 1 / (1 + Math.exp(-a[i] * (theta - b[i])));
                y[j][i] = random.nextDouble() < p ? 1 : 0;
            }
        }
        return y;
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
