package org.evomerge.plugins.merge;

import java.util.Arrays;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;

/**
 * DELLA's MAGPRUNE (mergekit's {@code della_magprune} sparsification): a random drop whose keep probability grows
 * with the element's magnitude rank within its row.
 *
 * <ul>
 *   <li>Rows: a tensor of shape [r, c...] has r rows of C = numel/r elements along the first dimension; a 0-D or
 *       1-D tensor is a single row. (mergekit ranks along dimension 1, which is the same for the 2-D tensors of
 *       language models.)</li>
 *   <li>Within a row, |δ| is ranked ascending, 0…C−1 (equal magnitudes: the lower index ranks higher, as in
 *       {@link MagnitudeCut}), and r̂ = rank/(C−1); C = 1 gives r̂ = 0.5 where mergekit computes 0/0 = NaN.</li>
 *   <li>Element i is kept with probability p = (density − ε) + 2ε·r̂: kept iff {@code random.uniform(i) < p}.</li>
 *   <li>{@code rescale} (on by default for {@code della} and {@code della_linear}) scales the survivors to the
 *       task vector's L1 norm, as mergekit; the DELLA paper's per-element 1/p is not offered.</li>
 *   <li>density ≥ 1 keeps everything, unscaled; density ≤ 0 zeroes the task vector; otherwise density − ε ≤ 0 or
 *       density + ε ≥ 1 is a configuration error naming the tensor and model (mergekit raises a ValueError).</li>
 * </ul>
 */
final class DellaPrune implements Sparsifier.Whole {

    private static final long LOW_32 = 0xFFFF_FFFFL;

    private final String methodId;

    DellaPrune(String methodId) {
        this.methodId = methodId;
    }

    @Override
    public SparseDelta sparsify(TaskDelta delta, Parameters modelParameters, boolean rescale, RandomSource tensorRandom,
                                int stream, Scratch scratch) {
        RandomSource random = tensorRandom.fork(stream);
        double density = MergeParameters.number(modelParameters, MergeParameters.DENSITY, 1.0);
        if (density >= 1) {
            return SparseDelta.all();
        }
        int n = delta.size();
        if (density <= 0 || n == 0) {
            return SparseDelta.none(n);
        }
        double epsilon = MergeParameters.number(modelParameters, MergeParameters.EPSILON, 0.15);
        if (density - epsilon <= 0 || density + epsilon >= 1) {
            throw EvomergeException.configuration(methodId + ": tensor '" + delta.tensorName() + "', model '"
                    + delta.modelName() + "': epsilon " + epsilon + " with density " + density
                    + " puts a keep probability outside (0, 1); parameter 'epsilon' must satisfy"
                    + " 0 < density - epsilon and density + epsilon < 1");
        }
        int columns = columns(delta.shape(), n);
        int rows = n / columns;
        long[] keys = scratch.longs(columns);
        long[] mask = SparseDelta.newMask(n);
        double low = density - epsilon;
        double span = 2 * epsilon;
        double before = 0;
        double after = 0;
        for (int r = 0; r < rows; r++) {
            int offset = r * columns;
            for (int j = 0; j < columns; j++) {
                float m = delta.magnitude(offset + j);
                before += m;
                // Non-negative float bits order like the floats; the complemented index puts lower indices later
                // (higher rank) among equal magnitudes.
                keys[j] = ((long) Float.floatToRawIntBits(m) << 32) | (LOW_32 - j);
            }
            Arrays.sort(keys, 0, columns);
            for (int rank = 0; rank < columns; rank++) {
                int i = offset + (int) (LOW_32 - (keys[rank] & LOW_32));
                double normalizedRank = columns == 1 ? 0.5 : (double) rank / (columns - 1);
                long keep = random.uniform(i) < low + span * normalizedRank ? 1L : 0L;
                mask[i >>> 6] |= keep << i;
                after += delta.magnitude(i) * keep;
            }
        }
        return SparseDelta.of(mask, rescale ? Sparsifier.l1Scale(before, after) : 1.0);
    }

    /** Elements per row: numel / first dimension, or numel for 0-D and 1-D tensors. */
    static int columns(Shape shape, int n) {
        if (shape.rank() <= 1 || shape.dim(0) == 0) {
            return Math.max(n, 1);
        }
        return Math.max(1, (int) (n / shape.dim(0)));
    }
}
