package org.evomerge.plugins.merge;

import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;

/**
 * Step 3 of the generalized task arithmetic pipeline: decides, for one model and one tensor, which elements of the
 * task vector survive and by how much the survivors are scaled. Every sparsifier works on a single tensor (mergekit's
 * unit of work), keeps everything unscaled for density ≥ 1, and never produces NaN. Two forms: {@link Whole}
 * sparsifies a task vector held whole (selections over the whole tensor or model: breadcrumbs, DELLA, model-wide
 * trims); {@link InBlocks} trims a tensor given as blocks (linear-time trims: TIES, DARE), the whole tensor being the
 * one-block case.
 *
 * <p>Implementations are stateless and thread-safe; per-call buffers come from the caller's {@link Scratch}.
 */
sealed interface Sparsifier permits Sparsifier.Whole, Sparsifier.InBlocks {

    /** Absolute L1 norms below this are treated as zero: no rescale (mergekit's {@code eps = 1e-7}). */
    double RESCALE_EPSILON = 1e-7;

    /** A sparsifier of task vectors held whole. */
    non-sealed interface Whole extends Sparsifier {

        /**
         * Sparsifies {@code delta}.
         *
         * @param delta           the task vector
         * @param modelParameters the model's {@code PER_MODEL} values for this tensor ({@code density}, {@code gamma},
         *                        ...)
         * @param rescale         the method's {@code rescale} flag for this tensor
         * @param tensorRandom    the tensor's source; model {@code stream}'s element i draws from stream
         *                        {@code stream} of it ({@code tensorRandom.fork(stream).uniform(i)})
         * @param stream          the model's position among the tensor's models
         * @param scratch         buffers and the compute backend, reusable across the models of one call
         */
        SparseDelta sparsify(TaskDelta delta, Parameters modelParameters, boolean rescale, RandomSource tensorRandom,
                             int stream, Scratch scratch);
    }

    /**
     * A sparsifier of tensors given as blocks: the per-tensor statistics (a magnitude threshold, norms) come from
     * scans of the blocks, the masks are made block by block.
     */
    non-sealed interface InBlocks extends Sparsifier {

        /** The trim of every model of {@code request.input()}'s tensor; makes the scans its statistics need. */
        BlockTrim trim(BlockTrim.Request request);
    }

    /**
     * The factor that gives the kept elements the L1 norm of the whole task vector: {@code before / after}, or 1 when
     * either norm is below {@link #RESCALE_EPSILON} (nothing to preserve, or nothing left to scale).
     */
    static double l1Scale(double before, double after) {
        return before < RESCALE_EPSILON || after < RESCALE_EPSILON ? 1.0 : before / after;
    }

    /** The run's compute backend and buffers for one merge call, grown on demand and reused for each model; not thread-safe. */
    final class Scratch {
        private final TaskVectorOperations compute;
        private long[] longs = new long[0];

        /** @param compute the backend the masks and norms are computed with */
        Scratch(TaskVectorOperations compute) {
            this.compute = java.util.Objects.requireNonNull(compute, "compute");
        }

        TaskVectorOperations compute() {
            return compute;
        }

        /** A long buffer of at least {@code size} elements, contents undefined. */
        long[] longs(int size) {
            if (longs.length < size) {
                longs = new long[size];
            }
            return longs;
        }
    }
}
