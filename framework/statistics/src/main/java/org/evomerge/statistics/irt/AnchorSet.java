package org.evomerge.statistics.irt;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The items a candidate is scored on instead of the whole task, each with the share of the task it stands for
 * (ALGORITHMS.md B.22): items in increasing index order, weights summing to 1.
 *
 * <p>{@link #select} clusters the items by an embedding with k-means (k-means++ seeding from a
 * {@link SplittableRandom} of the caller's seed, then Lloyd's iterations until no item changes cluster) and takes from
 * each cluster the member nearest its centroid, weighted by the cluster's size over the item count, as tinyBenchmarks'
 * anchor points. Items with equal embeddings (equal correctness vectors are common when few models were scored) fall
 * in one cluster, so k-means may find fewer than {@code k} clusters; the anchors still wanted are then spread over the
 * clusters in proportion to their sizes and drawn within each, seeded (stratified sampling), so exactly {@code k}
 * anchors come back and each cluster's anchors share its weight equally.
 *
 * @param items   item indices, strictly increasing
 * @param weights each anchor's share of the task, positive, summing to 1
 * @param total   the items of the whole task
 */
public record AnchorSet(int[] items, double[] weights, int total) {

    /** Lloyd's iterations stop here even if items still move (k-means converges in far fewer on these sizes). */
    static final int MAX_ITERATIONS = 300;

    public AnchorSet {
        items = items.clone();
        weights = weights.clone();
        if (items.length == 0 || items.length != weights.length) {
            throw new IllegalArgumentException("an anchor set needs one weight per anchor and at least one anchor");
        }
        for (int k = 0; k < items.length; k++) {
            if (items[k] < 0 || items[k] >= total || (k > 0 && items[k] <= items[k - 1])) {
                throw new IllegalArgumentException("anchors must be increasing item indices below " + total);
            }
            if (!(weights[k] > 0)) {
                throw new IllegalArgumentException("anchor weights must be positive, got " + weights[k]);
            }
        }
    }

    @Override
    public int[] items() {
        return items.clone();
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    /** Equal when the items, weights and total are (a record compares arrays by identity otherwise). */
    @Override
    public boolean equals(Object o) {
        return o instanceof AnchorSet other && total == other.total && Arrays.equals(items, other.items)
                && Arrays.equals(weights, other.weights);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(items) + Arrays.hashCode(weights)) + total;
    }

    /** Anchors in the set. */
    public int size() {
        return items.length;
    }

    /** Every item, each weighted {@code 1 / total}: the whole task. */
    public static AnchorSet all(int total) {
        int[] items = new int[total];
        double[] weights = new double[total];
        for (int i = 0; i < total; i++) {
            items[i] = i;
            weights[i] = 1.0 / total;
        }
        return new AnchorSet(items, weights, total);
    }

    /** The items' embeddings k-means clusters on. */
    public enum Embedding {
        /** Each item's column of the response matrix: its scores by the fitted models (tinyBenchmarks' "anchor"). */
        CORRECTNESS,
        /** Each item's fitted {@code (a_i, b_i)} (tinyBenchmarks' "anchor-irt"). */
        IRT
    }

    /** The embedding of every item: responses' columns, or the fitted item parameters. */
    public static double[][] embeddings(Embedding embedding, double[][] responses, TwoParameterLogistic model) {
        int items = model.items();
        double[][] points = new double[items][];
        for (int i = 0; i < items; i++) {
            if (embedding == Embedding.IRT) {
                points[i] = new double[] {model.discrimination(i), model.difficulty(i)};
            } else {
                points[i] = new double[responses.length];
                for (int j = 0; j < responses.length; j++) {
                    points[i][j] = responses[j][i];
                }
            }
        }
        return points;
    }

    /**
     * Chooses {@code k} anchors among {@code points.length} items.
     *
     * @param points one embedding per item, all of one length
     * @param k      anchors wanted, 1 to the item count
     * @param seed   seeds the k-means++ draws and the draws within clusters
     */
    public static AnchorSet select(double[][] points, int k, long seed) {
        int n = points.length;
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("anchors must number 1 to " + n + ", got " + k);
        }
        double[][] centers = seedCenters(points, k, new SplittableRandom(seed));
        int[] cluster = new int[n];
        Arrays.fill(cluster, -1);
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                int nearest = nearest(points[i], centers);
                if (nearest != cluster[i]) {
                    cluster[i] = nearest;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
            recenter(points, cluster, centers);
        }
        int[] sizes = new int[k];
        int[] nearest = new int[k];
        double[] best = new double[k];
        Arrays.fill(nearest, -1);
        for (int i = 0; i < n; i++) {
            int c = cluster[i];
            sizes[c]++;
            double d = squaredDistance(points[i], centers[c]);
            if (nearest[c] < 0 || d < best[c]) {
                nearest[c] = i;
                best[c] = d;
            }
        }
        int used = 0;
        for (int c = 0; c < k; c++) {
            if (sizes[c] > 0) {
                used++;
            }
        }
        int[] perCluster = allocate(sizes, k - used);
        // Each cluster's anchors: the member nearest its centroid, then (when equal embeddings left fewer clusters
        // than anchors wanted) members drawn uniformly without replacement, each standing for an equal share of it.
        SplittableRandom draws = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        double[] weightOf = new double[n];
        for (int c = 0; c < k; c++) {
            if (sizes[c] == 0) {
                continue;
            }
            double share = (double) sizes[c] / n / perCluster[c];
            weightOf[nearest[c]] = share;
            if (perCluster[c] > 1) {
                int[] others = new int[sizes[c] - 1];
                int o = 0;
                for (int i = 0; i < n; i++) {
                    if (cluster[i] == c && i != nearest[c]) {
                        others[o++] = i;
                    }
                }
                for (int q = 0; q < perCluster[c] - 1; q++) {
                    int pick = q + draws.nextInt(others.length - q);
                    int chosen = others[pick];
                    others[pick] = others[q];
                    others[q] = chosen;
                    weightOf[chosen] = share;
                }
            }
        }
        int[] items = new int[k];
        double[] weights = new double[k];
        int a = 0;
        for (int i = 0; i < n; i++) {
            if (weightOf[i] > 0) {
                items[a] = i;
                weights[a++] = weightOf[i];
            }
        }
        return new AnchorSet(items, weights, n);
    }

    /**
     * Anchors per cluster: one each, and {@code extra} more spread in proportion to the clusters' sizes (largest
     * remainder, ties to the lower cluster), never more than a cluster's members.
     */
    private static int[] allocate(int[] sizes, int extra) {
        int[] count = new int[sizes.length];
        for (int c = 0; c < sizes.length; c++) {
            count[c] = sizes[c] > 0 ? 1 : 0;
        }
        int total = Arrays.stream(count).sum() + extra;
        int left = extra;
        while (left > 0) {
            int bestCluster = -1;
            double bestGap = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < sizes.length; c++) {
                if (count[c] < sizes[c]) {
                    double gap = (double) sizes[c] * total / Arrays.stream(sizes).sum() - count[c];
                    if (gap > bestGap) {
                        bestGap = gap;
                        bestCluster = c;
                    }
                }
            }
            // k <= n, so some cluster always has a member left.
            count[bestCluster]++;
            left--;
        }
        return count;
    }

    /**
     * k-means++: the first center uniformly, each next one with probability proportional to its squared distance to
     * the nearest chosen center. When every item coincides with a chosen center, the remaining centers repeat the
     * first one (they end up empty and are dropped).
     */
    private static double[][] seedCenters(double[][] points, int k, SplittableRandom random) {
        int n = points.length;
        double[][] centers = new double[k][];
        centers[0] = points[random.nextInt(n)].clone();
        double[] distance = new double[n];
        for (int i = 0; i < n; i++) {
            distance[i] = squaredDistance(points[i], centers[0]);
        }
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (double d : distance) {
                total += d;
            }
            if (total == 0) {
                centers[c] = centers[0].clone();
                continue;
            }
            double target = random.nextDouble() * total;
            int chosen = -1;
            double running = 0;
            for (int i = 0; i < n; i++) {
                if (distance[i] > 0) {
                    chosen = i;
                    running += distance[i];
                    if (running > target) {
                        break;
                    }
                }
            }
            centers[c] = points[chosen].clone();
            for (int i = 0; i < n; i++) {
                distance[i] = Math.min(distance[i], squaredDistance(points[i], centers[c]));
            }
        }
        return centers;
    }

    /** The nearest center; ties go to the lowest index, so equal points share a cluster. */
    private static int nearest(double[] point, double[][] centers) {
        int best = 0;
        double bestDistance = squaredDistance(point, centers[0]);
        for (int c = 1; c < centers.length; c++) {
            double d = squaredDistance(point, centers[c]);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Moves each non-empty cluster's center to its members' mean; an empty cluster keeps its center. */
    private static void recenter(double[][] points, int[] cluster, double[][] centers) {
        int dims = points[0].length;
        double[][] sums = new double[centers.length][dims];
        int[] counts = new int[centers.length];
        for (int i = 0; i < points.length; i++) {
            counts[cluster[i]]++;
            for (int d = 0; d < dims; d++) {
                sums[cluster[i]][d] += points[i][d];
            }
        }
        for (int c = 0; c < centers.length; c++) {
            if (counts[c] > 0) {
                for (int d = 0; d < dims; d++) {
                    centers[c][d] = sums[c][d] / counts[c];
                }
            }
        }
    }

    private static double squaredDistance(double[] x, double[] y) {
        double sum = 0;
        for (int d = 0; d < x.length; d++) {
            double diff = x[d] - y[d];
            sum += diff * diff;
        }
        return sum;
    }
}
