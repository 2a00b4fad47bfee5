package org.evomerge.engine.kinship;

import java.util.List;

/**
 * The kinship of a set of models to each other, relative to a base.
 *
 * @param models    the models' names, in matrix order
 * @param options   what was computed
 * @param whole     statistics of all compared tensors flattened together
 * @param tensors   per-tensor statistics in the base's tensor order; empty unless {@link KinshipOptions#perTensor()}
 * @param skipped   tensors left out because they do not hold real numbers (integer buffers, masks)
 */
public record KinshipResult(List<String> models, KinshipOptions options, TaskVectorStatistics whole,
                            List<TensorKinship> tensors, List<String> skipped) {

    public KinshipResult {
        models = List.copyOf(models);
        tensors = List.copyOf(tensors);
        skipped = List.copyOf(skipped);
    }

    /**
     * The pairwise matrix: whole-model values, or with per-tensor options the element-weighted mean of the per-tensor
     * values that are defined (ModelKinship's split calculation); NaN where no value is defined.
     */
    public double[][] matrix(KinshipMetric metric) {
        if (!options.perTensor()) {
            return whole.matrix(metric);
        }
        int k = models.size();
        double[][] sum = new double[k][k];
        double[][] weight = new double[k][k];
        for (TensorKinship t : tensors) {
            double w = t.statistics().count();
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    double v = t.statistics().value(metric, i, j);
                    if (!Double.isNaN(v)) {
                        sum[i][j] += w * v;
                        weight[i][j] += w;
                    }
                }
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                sum[i][j] = weight[i][j] > 0 ? sum[i][j] / weight[i][j] : Double.NaN;
            }
        }
        return sum;
    }

    /**
     * The kinship of the whole set: the mean of the defined pairwise values off the diagonal (ModelKinship's value for
     * n models); NaN with fewer than two models or no defined pair.
     */
    public double mean(KinshipMetric metric) {
        double[][] m = matrix(metric);
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = i + 1; j < m.length; j++) {
                if (!Double.isNaN(m[i][j])) {
                    sum += m[i][j];
                    pairs++;
                }
            }
        }
        return pairs == 0 ? Double.NaN : sum / pairs;
    }
}
