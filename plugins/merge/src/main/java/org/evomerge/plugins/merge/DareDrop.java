package org.evomerge.plugins.merge;

import java.util.List;
import java.util.Locale;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorBlock;

/**
 * DARE (mergekit's {@code random} sparsification): keeps each element independently with probability {@code density}
 * — element i of model m survives iff the counter-based draw {@code ElementMath.streamUniform(seed, m, i)} (the
 * tensor's seed; the same value as {@code random.fork(m).uniform(i)}) is below {@code density}, computed by the run's
 * compute backend ({@code TaskVectorOperations.randomMask}), so the mask depends only on the seed, the tensor, the model's
 * position and i, never on threads or the backend — then, with {@code rescale}, rescales the survivors.
 *
 * <p>How to rescale is where the references disagree, so it is the {@code GLOBAL} option {@code dare_rescale}:
 * <ul>
 *   <li>{@code l1} (default, mergekit since PR #245): multiply the kept values by ‖δ‖₁ / ‖m⊙δ‖₁, so the L1 norm of
 *       the task vector is preserved exactly; skipped when either norm is below 1e-7.</li>
 *   <li>{@code inverse_density} (the DARE paper, MergeLM, FusionBench): divide the kept values by density, which
 *       preserves the task vector only in expectation. With density 0 nothing is kept and nothing is scaled.</li>
 * </ul>
 * density ≥ 1 keeps everything, unscaled; density 0 zeroes the task vector.
 *
 * @param mode how kept values are rescaled when {@code rescale} is on
 */
record DareDrop(Rescale mode) implements Sparsifier.InBlocks {

    static final String OPTION = "dare_rescale";

    static final ParameterSpec OPTION_SPEC = ParameterSpec.choice(OPTION, "l1", List.of("l1", "inverse_density"),
            "how rescale scales the kept elements: l1 = preserve the task vector's L1 norm (mergekit),"
                    + " inverse_density = divide by density (DARE paper)");

    enum Rescale { L1, INVERSE_DENSITY }

    /** The sparsifier configured by a method's global parameters. */
    static DareDrop from(Parameters global) {
        return new DareDrop(Rescale.valueOf(MergeParameters.choice(global, OPTION, "l1").toUpperCase(Locale.ROOT)));
    }

    /**
     * The drop of a tensor given as blocks: block elements draw with their index in the whole tensor
     * ({@code TaskVectorOperations.randomMask} with the block's offset), so the masks do not depend on the block size;
     * the L1 rescale measures the norms in one scan first.
     */
    @Override
    public BlockTrim trim(BlockTrim.Request request) {
        MergeInput input = request.input();
        TaskVectorOperations compute = request.compute();
        int models = input.models().size();
        long seed = input.random().seed();
        double[] densities = new double[models];
        double[] scales = new double[models];
        for (int m = 0; m < models; m++) {
            densities[m] = MergeParameters.number(input.models().get(m).parameters(), MergeParameters.DENSITY, 1.0);
            scales[m] = 1.0;
        }
        BlockTrim trim = new BlockTrim() {
            @Override
            public boolean keepsAll(int model) {
                return densities[model] >= 1;
            }

            @Override
            public MaskNorms mask(TensorBlock block, int model, long[] mask) {
                return compute.randomMask(seed, model, block.offset(), block.models()[model], block.base(),
                        densities[model], mask);
            }

            @Override
            public double scale(int model) {
                return scales[model];
            }
        };
        if (request.rescale()) {
            MaskNorms[] norms = mode == Rescale.L1 ? BlockTrim.norms(trim, request.values(), compute) : null;
            for (int m = 0; m < models; m++) {
                if (densities[m] < 1) {
                    scales[m] = switch (mode) {
                        case L1 -> Sparsifier.l1Scale(norms[m].total(), norms[m].kept());
                        case INVERSE_DENSITY -> densities[m] > 0 ? 1.0 / densities[m] : 1.0;
                    };
                }
            }
        }
        return trim;
    }
}
