package org.evomerge.plugins.merge;

import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;

/**
 * TIES trimming (mergekit's {@code magnitude} sparsification): keeps the k = ⌊density·n⌋ elements of largest |δ| of
 * the tensor and zeroes the rest.
 *
 * <ul>
 *   <li>Exactly k elements are kept; among equal magnitudes the lower index is kept ({@link MagnitudeCut}).</li>
 *   <li>density ≥ 1 keeps everything, unscaled.</li>
 *   <li>k = 0 (e.g. a 1-element tensor at density 0.5): the task vector becomes all zero. mergekit asserts
 *       {@code k > 0} and aborts the merge.</li>
 *   <li>With {@code rescale}, the kept elements are scaled to the L1 norm of the whole task vector (skipped when either
 *       norm is below 1e-7); off by default for {@code ties}, as in mergekit.</li>
 * </ul>
 */
final class MagnitudeTrim implements Sparsifier {

    @Override
    public SparseDelta sparsify(TaskDelta delta, Parameters modelParameters, boolean rescale, RandomSource random,
                                Scratch scratch) {
        double density = GtaParameters.number(modelParameters, GtaParameters.DENSITY, 1.0);
        if (density >= 1) {
            return SparseDelta.all();
        }
        int n = delta.size();
        int k = (int) (density * n);
        if (k <= 0) {
            return SparseDelta.none(n);
        }
        MagnitudeCut cut = MagnitudeCut.at(delta, scratch, k);
        return keepRange(delta, MagnitudeCut.NONE, cut, rescale);
    }

    /**
     * Keeps the elements at magnitude-order positions [lo, hi): those not before {@code lo} but before {@code hi}.
     * Rescales to the whole task vector's L1 norm when asked.
     */
    static SparseDelta keepRange(TaskDelta delta, MagnitudeCut lo, MagnitudeCut hi, boolean rescale) {
        int n = delta.size();
        long[] mask = SparseDelta.newMask(n);
        if (!rescale) {
            // Without rescaling no norms are needed: the mask alone, free of the serial double additions.
            for (int word = 0; word < mask.length; word++) {
                long bits = 0;
                int start = word << 6;
                int end = Math.min(n, start + 64);
                for (int i = start; i < end; i++) {
                    float m = delta.magnitude(i);
                    long keep = hi.before(m, i) & !lo.before(m, i) ? 1L : 0L;
                    bits |= keep << i;
                }
                mask[word] = bits;
            }
            return SparseDelta.of(mask, 1.0);
        }
        double before = 0;
        double after = 0;
        // Word at a time and without data-dependent branches: whether an element survives is as good as random.
        for (int word = 0; word < mask.length; word++) {
            long bits = 0;
            int start = word << 6;
            int end = Math.min(n, start + 64);
            for (int i = start; i < end; i++) {
                float m = delta.magnitude(i);
                long keep = hi.before(m, i) & !lo.before(m, i) ? 1L : 0L;
                bits |= keep << i;
                before += m;
                after += m * keep;
            }
            mask[word] = bits;
        }
        return SparseDelta.of(mask, rescale ? Sparsifier.l1Scale(before, after) : 1.0);
    }
}
