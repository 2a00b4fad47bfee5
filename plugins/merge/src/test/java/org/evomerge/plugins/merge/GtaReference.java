package org.evomerge.plugins.merge;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.tensor.Shape;

/**
 * An independent, deliberately plain re-computation of ALGORITHMS.md B.7 in double precision: full sorts of boxed
 * indices, materialised arrays, no shared code with the implementation except the random draws (element i of model m
 * draws {@code random.fork(m).uniform(i)}, the documented contract).
 */
final class GtaReference {

    private static final Set<String> CONSENSUS = Set.of("ties", "dare_ties", "breadcrumbs_ties", "della");
    private static final Map<String, Boolean> NORMALIZE = Map.of("task_arithmetic", false, "ties", true,
            "dare_ties", false, "dare_linear", false, "breadcrumbs", false, "breadcrumbs_ties", false,
            "della", true, "della_linear", false);
    private static final Map<String, Boolean> RESCALE = Map.of("task_arithmetic", false, "ties", false,
            "dare_ties", true, "dare_linear", true, "breadcrumbs", false, "breadcrumbs_ties", false,
            "della", true, "della_linear", true);

    private GtaReference() {
    }

    private static Object or(Map<String, ?> values, String name, Object fallback) {
        Object value = values.get(name);
        return value == null ? fallback : value;
    }

    static double[] merge(String id, Map<String, ?> options, Shape shape, float[] base, List<float[]> models,
                          List<Map<String, ?>> perModel, RandomSource random) {
        int n = base.length;
        int count = models.size();
        boolean normalize = (Boolean) or(options, "normalize", NORMALIZE.get(id));
        boolean rescale = (Boolean) or(options, "rescale", RESCALE.get(id));
        double lambda = ((Number) or(options, "lambda", 1.0)).doubleValue();
        double[][] weighted = new double[count][];
        double[] w = new double[count];
        for (int m = 0; m < count; m++) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = models.get(m)[i] - base[i];
            }
            Map<String, ?> p = perModel.get(m);
            w[m] = ((Number) p.get("weight")).doubleValue();
            double density = ((Number) or(p, "density", 1.0)).doubleValue();
            double[] s = id.equals("task_arithmetic") || density >= 1 ? d
                    : sparsify(id, options, shape, d, p, density, rescale, random.fork(m));
            weighted[m] = new double[n];
            for (int i = 0; i < n; i++) {
                weighted[m][i] = s[i] * w[m];
            }
        }
        double[] out = new double[n];
        boolean countElection = "count".equals(options.get("sign_election"));
        boolean countMean = "count".equals(options.get("disjoint_mean"));
        for (int i = 0; i < n; i++) {
            double mixed = 0;
            double divisor = 0;
            if (CONSENSUS.contains(id)) {
                double sum = 0;
                double votes = 0;
                for (int m = 0; m < count; m++) {
                    sum += weighted[m][i];
                    votes += Math.signum(weighted[m][i]);
                }
                double elected = (countElection ? votes : sum) >= 0 ? 1 : -1;
                for (int m = 0; m < count; m++) {
                    if (Math.signum(weighted[m][i]) == elected) {
                        mixed += weighted[m][i];
                        divisor += countMean ? 1 : w[m];
                    }
                }
            } else {
                for (int m = 0; m < count; m++) {
                    mixed += weighted[m][i];
                    divisor += w[m];
                }
            }
            if (normalize) {
                mixed /= Math.abs(divisor) < 1e-8 ? 1 : divisor;
            }
            out[i] = base[i] + lambda * mixed;
        }
        return out;
    }

    private static double[] sparsify(String id, Map<String, ?> options, Shape shape, double[] d, Map<String, ?> p,
                                     double density, boolean rescale, RandomSource random) {
        int n = d.length;
        boolean[] keep = new boolean[n];
        double[] factor = new double[n];
        java.util.Arrays.fill(factor, 1.0);
        Integer[] byMagnitude = IntStream.range(0, n).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -Math.abs(d[i])).thenComparingInt(i -> i))
                .toArray(Integer[]::new);
        switch (id) {
            case "ties" -> {
                int k = (int) Math.floor(density * n);
                for (int q = 0; q < k; q++) {
                    keep[byMagnitude[q]] = true;
                }
            }
            case "breadcrumbs", "breadcrumbs_ties" -> {
                double gamma = ((Number) or(p, "gamma", 0.01)).doubleValue();
                int target = (int) Math.floor(density * n);
                int top = (int) Math.floor(gamma * n);
                int bottom = Math.max(0, n - target - top);
                top = n - target - bottom;
                for (int q = top; q < n - bottom; q++) {
                    keep[byMagnitude[q]] = true;
                }
            }
            case "dare_ties", "dare_linear" -> {
                for (int i = 0; i < n; i++) {
                    keep[i] = random.uniform(i) < density;
                    factor[i] = "inverse_density".equals(options.get("dare_rescale")) ? 1 / density : Double.NaN;
                }
            }
            case "della", "della_linear" -> {
                if (density <= 0) {
                    return new double[n];
                }
                double epsilon = ((Number) or(p, "epsilon", 0.15)).doubleValue();
                int columns = shape.rank() <= 1 ? n : (int) (n / shape.dim(0));
                for (int r = 0; r < n / columns; r++) {
                    int offset = r * columns;
                    Integer[] ascending = IntStream.range(0, columns).boxed()
                            .sorted(Comparator.<Integer>comparingDouble(j -> Math.abs(d[offset + j]))
                                    .thenComparingInt(j -> -j))
                            .toArray(Integer[]::new);
                    for (int rank = 0; rank < columns; rank++) {
                        int i = offset + ascending[rank];
                        double normalized = columns == 1 ? 0.5 : rank / (double) (columns - 1);
                        keep[i] = random.uniform(i) < density - epsilon + 2 * epsilon * normalized;
                    }
                }
            }
            default -> throw new IllegalArgumentException(id);
        }
        double before = 0;
        double after = 0;
        for (int i = 0; i < n; i++) {
            before += Math.abs(d[i]);
            after += keep[i] ? Math.abs(d[i]) : 0;
        }
        double l1 = before < 1e-7 || after < 1e-7 ? 1 : before / after;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double f = !rescale ? 1 : Double.isNaN(factor[i]) || !id.startsWith("dare") ? l1 : factor[i];
            s[i] = keep[i] ? d[i] * f : 0;
        }
        return s;
    }
}
