package org.evomerge.engine.kinship;

/**
 * Sufficient statistics of k task vectors over a set of elements: element count, means, centred co-moments
 * {@code Σ(aᵢ−āᵢ)(aⱼ−āⱼ)}, raw dot products {@code Σaᵢaⱼ} and squared distances {@code Σ(aᵢ−aⱼ)²}, all in double.
 * Statistics of disjoint element sets combine exactly (Chan, Golub and LeVeque's pairwise update), so a model is
 * summarised tensor by tensor and chunk by chunk without ever holding it whole, and combining in a fixed order makes
 * the result independent of the thread count. Immutable.
 */
public final class TaskVectorStatistics {

    private final int models;
    private final long count;
    private final double[] mean;
    private final double[] comoment;
    private final double[] dot;
    private final double[] squaredDistance;

    TaskVectorStatistics(int models, long count, double[] mean, double[] comoment, double[] dot,
                         double[] squaredDistance) {
        this.models = models;
        this.count = count;
        this.mean = mean;
        this.comoment = comoment;
        this.dot = dot;
        this.squaredDistance = squaredDistance;
    }

    /** Statistics of no elements, the identity of {@link #combine}. */
    public static TaskVectorStatistics empty(int models) {
        return new TaskVectorStatistics(models, 0, new double[models], new double[models * models],
                new double[models * models], new double[models * models]);
    }

    /** The number of task vectors. */
    public int models() {
        return models;
    }

    /** The number of elements summarised. */
    public long count() {
        return count;
    }

    /** The statistics of the union of the elements of {@code this} and {@code other} (disjoint element sets). */
    public TaskVectorStatistics combine(TaskVectorStatistics other) {
        if (other.models != models) {
            throw new IllegalArgumentException("statistics of " + other.models + " models, expected " + models);
        }
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            return other;
        }
        long n = count + other.count;
        double[] delta = new double[models];
        double[] newMean = new double[models];
        for (int i = 0; i < models; i++) {
            delta[i] = other.mean[i] - mean[i];
            newMean[i] = mean[i] + delta[i] * ((double) other.count / n);
        }
        double weight = (double) count * other.count / n;
        double[] newComoment = new double[models * models];
        double[] newDot = new double[models * models];
        double[] newDistance = new double[models * models];
        for (int i = 0; i < models; i++) {
            for (int j = 0; j < models; j++) {
                int at = i * models + j;
                newComoment[at] = comoment[at] + other.comoment[at] + delta[i] * delta[j] * weight;
                newDot[at] = dot[at] + other.dot[at];
                newDistance[at] = squaredDistance[at] + other.squaredDistance[at];
            }
        }
        return new TaskVectorStatistics(models, n, newMean, newComoment, newDot, newDistance);
    }

    /** The mean of task vector {@code i}. */
    public double mean(int i) {
        return mean[i];
    }

    /**
     * The kinship of task vectors {@code i} and {@code j}. Correlations and cosines are NaN when a task vector has no
     * variance (PCC) or is zero (cosine), i.e. when the model equals the base; they are clamped to [-1, 1] against
     * rounding.
     */
    public double value(KinshipMetric metric, int i, int j) {
        return switch (metric) {
            case PCC -> correlation(comoment[i * models + j], comoment[i * models + i], comoment[j * models + j]);
            case COSINE -> correlation(dot[i * models + j], dot[i * models + i], dot[j * models + j]);
            case ABSOLUTE_COSINE -> Math.abs(correlation(dot[i * models + j], dot[i * models + i],
                    dot[j * models + j]));
            case EUCLIDEAN -> Math.sqrt(Math.max(0, squaredDistance[i * models + j]));
        };
    }

    private static double correlation(double cross, double a, double b) {
        if (!(a > 0) || !(b > 0)) {
            return Double.NaN;
        }
        double r = cross / Math.sqrt(a * b);
        return Math.max(-1, Math.min(1, r));
    }

    /** The k×k matrix of {@link #value}. */
    public double[][] matrix(KinshipMetric metric) {
        double[][] m = new double[models][models];
        for (int i = 0; i < models; i++) {
            for (int j = 0; j < models; j++) {
                m[i][j] = value(metric, i, j);
            }
        }
        return m;
    }
}
