package org.evomerge.plugins.search;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.random.RandomGenerator;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchStrategy;

/**
 * CMA-ES after Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", 2016, appendix A and B), with IPOP
 * restarts (Auger and Hansen, 2005): on a stopping criterion the search restarts from a uniform random mean with the
 * population size multiplied by {@code increase}, until the restarts are used up.
 *
 * <p>It works in normalised coordinates, the box mapped to [0, 1]ⁿ, so one step size fits every dimension (σ₀ = 1/6
 * as in Optuna and the Sakana paper). Bounds are handled one of two ways: {@code mirror} lets the distribution live
 * on the unbounded genotype and evaluates its reflection into the box (periodic mirroring, as pycma's
 * BoundTransform does with a smoothed variant), so the update stays unbiased; {@code resample} redraws infeasible
 * points (up to 100 times, then clips them), as the cmaes library under Optuna does. {@code none} evaluates the
 * points as drawn, outside the box too, as pycma does without bounds (mergekit-evolve): the box then only sets the
 * scale of the step size, and the genome's decoding must accept any value.
 *
 * <p>Fitness is maximised on the primary objective. Deterministic for a given random generator and told scores.
 * Not thread-safe.
 */
final class CmaEs implements SearchStrategy {

    private static final int MAX_RESAMPLES = 100;
    private static final double MAX_CONDITION = 1e14;

    private final SearchBox box;
    private final int n;
    private final double sigma0;
    private final double increase;
    private final BoundHandling bounds;
    private final double tolFun;
    private final double tolX;
    private final RandomGenerator random;
    private int restartsLeft;
    private boolean finished;

    // One run's state (reset on restart).
    private int lambda;
    private int mu;
    private double[] weights;
    private double mueff;
    private double cc;
    private double cs;
    private double c1;
    private double cmu;
    private double damps;
    private double chiN;
    private double[] mean;
    private double sigma;
    private double[] pc;
    private double[] ps;
    private double[][] c;
    private double[][] b;
    private double[] d;
    private long evaluations;
    private long eigenEvaluations;
    private int generation;
    private Deque<Double> bestHistory;
    private int historyLength;

    private double[][] pendingGenotypes;
    /** The initial mean is still to be asked as the first candidate (option {@code evaluate_start}). */
    private boolean startPending;
    private List<Genome> pending;

    /** What happens to a drawn point outside the box. */
    enum BoundHandling {
        /** evaluate its periodic reflection into the box */
        MIRROR,
        /** draw again (up to 100 times, then clip) */
        RESAMPLE,
        /** evaluate it as drawn (pycma without bounds) */
        NONE
    }

    CmaEs(SearchBox box, double[] initialMean, double sigma0, int lambda, int restarts, double increase, boolean mirror,
            double tolFun, double tolX, RandomGenerator random) {
        this(box, initialMean, sigma0, lambda, restarts, increase, mirror, tolFun, tolX, false, random);
    }

    CmaEs(SearchBox box, double[] initialMean, double sigma0, int lambda, int restarts, double increase, boolean mirror,
            double tolFun, double tolX, boolean evaluateStart, RandomGenerator random) {
        this(box, initialMean, sigma0, lambda, restarts, increase, mirror ? BoundHandling.MIRROR
                : BoundHandling.RESAMPLE, tolFun, tolX, evaluateStart, random);
    }

    /**
     * As above; with {@code evaluateStart} the first candidate of the first generation is the initial mean itself
     * (a known recipe the search starts from is then scored, and kept as the best unless something beats it).
     */
    CmaEs(SearchBox box, double[] initialMean, double sigma0, int lambda, int restarts, double increase,
            BoundHandling bounds, double tolFun, double tolX, boolean evaluateStart, RandomGenerator random) {
        this.box = box;
        this.n = box.size();
        this.sigma0 = sigma0;
        this.increase = increase;
        this.bounds = bounds;
        this.tolFun = tolFun;
        this.tolX = tolX;
        this.random = random;
        this.restartsLeft = restarts;
        start(initialMean, lambda > 0 ? lambda : defaultPopulation(n));
        this.startPending = evaluateStart;
    }

    /** Hansen's default population size λ = 4 + ⌊3 ln n⌋. */
    static int defaultPopulation(int n) {
        return 4 + (int) Math.floor(3 * Math.log(n));
    }

    private void start(double[] initialMean, int populationSize) {
        lambda = Math.max(2, populationSize);
        mu = lambda / 2;
        weights = new double[mu];
        double sum = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
            sum += weights[i];
        }
        double sumSquares = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] /= sum;
            sumSquares += weights[i] * weights[i];
        }
        mueff = 1 / sumSquares;
        cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
        cs = (mueff + 2) / (n + mueff + 5);
        c1 = 2 / ((n + 1.3) * (n + 1.3) + mueff);
        cmu = Math.min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + mueff));
        damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
        chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        mean = initialMean.clone();
        sigma = sigma0;
        pc = new double[n];
        ps = new double[n];
        c = new double[n][n];
        b = new double[n][n];
        d = new double[n];
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            b[i][i] = 1;
            d[i] = 1;
        }
        evaluations = 0;
        eigenEvaluations = 0;
        generation = 0;
        historyLength = 10 + (int) Math.ceil(30.0 * n / lambda);
        bestHistory = new ArrayDeque<>();
    }

    /** The population size of the current run (it grows with each IPOP restart). */
    int populationSize() {
        return lambda;
    }

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (finished) {
            return List.of();
        }
        pendingGenotypes = new double[lambda][];
        List<Genome> batch = new ArrayList<>(lambda);
        for (int k = 0; k < lambda; k++) {
            double[] x = sample();
            if (startPending) {
                // drawn anyway, so the other candidates are the same with and without the option
                x = mean.clone();
                startPending = false;
            }
            if (bounds == BoundHandling.RESAMPLE) {
                for (int tries = 1; tries < MAX_RESAMPLES && !insideUnitBox(x); tries++) {
                    x = sample();
                }
                if (!insideUnitBox(x)) {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.min(1, Math.max(0, x[i]));
                    }
                }
            }
            pendingGenotypes[k] = x;
            double[] point = new double[n];
            for (int i = 0; i < n; i++) {
                double unit = bounds == BoundHandling.MIRROR ? reflect(x[i]) : x[i];
                point[i] = box.lower(i) + unit * box.width(i);
            }
            batch.add(bounds == BoundHandling.NONE ? new ParameterGenome(point) : box.genome(point));
        }
        pending = Collections.unmodifiableList(batch);
        return pending;
    }

    private double[] sample() {
        double[] scaled = new double[n];
        for (int j = 0; j < n; j++) {
            scaled[j] = d[j] * random.nextGaussian();
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double y = 0;
            for (int j = 0; j < n; j++) {
                y += b[i][j] * scaled[j];
            }
            x[i] = mean[i] + sigma * y;
        }
        return x;
    }

    private static boolean insideUnitBox(double[] x) {
        for (double v : x) {
            if (!(v >= 0 && v <= 1)) {
                return false;
            }
        }
        return true;
    }

    /** Periodic mirroring of the real line onto [0, 1]: 1.2 → 0.8, −0.3 → 0.3, 2.4 → 0.4. */
    static double reflect(double v) {
        double r = v - 2 * Math.floor(v / 2);
        return r > 1 ? 2 - r : r;
    }

    @Override
    public void tell(List<ScoredGenome> results) {
        Batches.checkTold(pending, results);
        double[][] x = pendingGenotypes;
        pending = null;
        pendingGenotypes = null;
        double[] f = new double[lambda];
        for (int k = 0; k < lambda; k++) {
            f[k] = results.get(k).fitness().primary();
        }
        Integer[] order = new Integer[lambda];
        for (int k = 0; k < lambda; k++) {
            order[k] = k;
        }
        // Best first; ties keep asking order so the update never depends on the sort's stability.
        java.util.Arrays.sort(order, (p, q) -> f[p] != f[q] ? Double.compare(f[q], f[p]) : Integer.compare(p, q));

        double[] old = mean;
        mean = new double[n];
        for (int i = 0; i < mu; i++) {
            double[] xi = x[order[i]];
            for (int j = 0; j < n; j++) {
                mean[j] += weights[i] * xi[j];
            }
        }
        double[] yw = new double[n];
        for (int j = 0; j < n; j++) {
            yw[j] = (mean[j] - old[j]) / sigma;
        }
        // ps ← (1−cs)·ps + √(cs(2−cs)μeff)·C^(−1/2)·yw, with C^(−1/2) = B·D⁻¹·Bᵀ.
        double[] bty = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += b[j][k] * yw[j];
            }
            bty[k] = s / d[k];
        }
        double psFactor = Math.sqrt(cs * (2 - cs) * mueff);
        double psNormSquared = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += b[i][k] * bty[k];
            }
            ps[i] = (1 - cs) * ps[i] + psFactor * s;
            psNormSquared += ps[i] * ps[i];
        }
        double psNorm = Math.sqrt(psNormSquared);
        boolean hsig = psNorm / Math.sqrt(1 - Math.pow(1 - cs, 2.0 * (generation + 1))) / chiN < 1.4 + 2.0 / (n + 1);
        double pcFactor = hsig ? Math.sqrt(cc * (2 - cc) * mueff) : 0;
        for (int i = 0; i < n; i++) {
            pc[i] = (1 - cc) * pc[i] + pcFactor * yw[i];
        }
        // Rank-one update with pc plus rank-μ update with the selected steps.
        double[][] steps = new double[mu][n];
        for (int i = 0; i < mu; i++) {
            for (int j = 0; j < n; j++) {
                steps[i][j] = (x[order[i]][j] - old[j]) / sigma;
            }
        }
        double hsigCorrection = hsig ? 0 : cc * (2 - cc);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double rankMu = 0;
                for (int k = 0; k < mu; k++) {
                    rankMu += weights[k] * steps[k][i] * steps[k][j];
                }
                double value = (1 - c1 - cmu) * c[i][j] + c1 * (pc[i] * pc[j] + hsigCorrection * c[i][j]) + cmu * rankMu;
                c[i][j] = value;
                c[j][i] = value;
            }
        }
        sigma *= Math.exp((cs / damps) * (psNorm / chiN - 1));
        int flatIndex = Math.min(lambda - 1, (int) Math.ceil(0.7 * lambda));
        if (f[order[0]] == f[order[flatIndex]]) {
            sigma *= Math.exp(0.2 + cs / damps); // a flat fitness plateau: widen the search to escape it
        }
        evaluations += lambda;
        generation++;
        if (evaluations - eigenEvaluations > lambda / (c1 + cmu) / n / 10) {
            eigenEvaluations = evaluations;
            decompose();
        }
        bestHistory.addLast(f[order[0]]);
        if (bestHistory.size() > historyLength) {
            bestHistory.removeFirst();
        }
        if (shouldStop(f[order[0]], f[order[lambda - 1]])) {
            if (restartsLeft > 0) {
                restartsLeft--;
                double[] restartMean = new double[n];
                for (int i = 0; i < n; i++) {
                    restartMean[i] = random.nextDouble();
                }
                start(restartMean, (int) Math.round(lambda * increase));
            } else {
                finished = true;
            }
        }
    }

    private void decompose() {
        SymmetricEigen eigen = SymmetricEigen.of(c);
        b = eigen.vectors();
        for (int k = 0; k < n; k++) {
            // Round-off can make a tiny eigenvalue negative; the condition criterion stops such a run anyway.
            d[k] = Math.sqrt(Math.max(eigen.values()[k], 1e-300));
        }
    }

    /** Hansen's stopping criteria: TolFun, TolX, ConditionCov, NoEffectAxis, NoEffectCoord. */
    private boolean shouldStop(double best, double worst) {
        if (bestHistory.size() >= historyLength) {
            double max = Math.max(best, worst);
            double min = Math.min(best, worst);
            for (double h : bestHistory) {
                max = Math.max(max, h);
                min = Math.min(min, h);
            }
            if (max - min < tolFun) {
                return true;
            }
        }
        boolean allSmall = true;
        double maxD = 0;
        double minD = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (sigma * Math.abs(pc[i]) >= tolX || sigma * Math.sqrt(c[i][i]) >= tolX) {
                allSmall = false;
            }
            maxD = Math.max(maxD, d[i]);
            minD = Math.min(minD, d[i]);
        }
        if (allSmall) {
            return true;
        }
        if (maxD * maxD > MAX_CONDITION * minD * minD) {
            return true;
        }
        for (int i = 0; i < n; i++) {
            if (mean[i] == mean[i] + 0.2 * sigma * Math.sqrt(c[i][i])) {
                return true;
            }
        }
        int axis = generation % n;
        boolean noEffect = true;
        for (int i = 0; i < n; i++) {
            if (mean[i] != mean[i] + 0.1 * sigma * d[axis] * b[i][axis]) {
                noEffect = false;
                break;
            }
        }
        return noEffect || !Double.isFinite(sigma);
    }

    @Override
    public boolean isFinished() {
        return finished && pending == null;
    }
}
