package org.evomerge.plugins.merge;

import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MagnitudeQuantile;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * The generalized task arithmetic pipeline of mergekit (ALGORITHMS.md B.7), one tensor per call, shared by
 * {@code task_arithmetic}, {@code ties}, {@code dare_ties}, {@code dare_linear}, {@code breadcrumbs},
 * {@code breadcrumbs_ties}, {@code della} and {@code della_linear}, which differ only in their {@link Sparsifier}
 * and whether they use a {@link SignConsensus}.
 *
 * <ol>
 *   <li>δ_m = x_m − base for every non-base model (in float32); no model: the base is returned (as a copy).</li>
 *   <li>Each δ_m is sparsified with the model's own {@code density} (and {@code gamma}, {@code epsilon}); with
 *       {@code rescale} the survivors are rescaled.</li>
 *   <li>wδ_m = w_m·δ_m (from here on in double precision).</li>
 *   <li>With consensus: a sign is elected per element; mixed = Σ of the agreeing wδ_m, divisor = Σ of the agreeing
 *       w_m (or their count). Without: mixed = Σ wδ_m, divisor = Σ w_m.</li>
 *   <li>If {@code normalize}: mixed /= divisor, where a divisor with |divisor| &lt; 1e-8 counts as 1 (weights that
 *       cancel, or no agreeing model). Then mixed *= {@code lambda}; the result is base + mixed, rounded once to
 *       float32.</li>
 * </ol>
 *
 * <p>The divisor guard follows mergekit's non-consensus branch; mergekit's consensus branch replaces only exact zeros,
 * so the two differ only where agreeing weights cancel to within 1e-8, which mergekit turns into a huge factor.
 *
 * <p>Memory: the output, a scratch buffer of one row of longs (DELLA), a bit mask per model (n/8 bytes), and what the
 * backend's magnitude selection needs (a few per cent of n). The sparsified deltas are never materialised: the combine pass recomputes δ.
 * Randomness: model m draws from stream m of {@code input.random()}, element i from the counter-based
 * {@code ElementMath.streamUniform(seed, m, i)}, so a merge depends only on the seed, the tensor, the models' order and
 * the values, never on the thread count or the backend. The trims, the DARE drop and the combine run on the run's
 * {@link TaskVectorOperations} ({@code magnitudeMask}, {@code randomMask}, {@code combineTaskVectors}); the CPU backends
 * give the same bits for the masks and the combine, the L1 norms of the rescale agree within double rounding.
 * Thread-safe: no state between calls.
 */
final class GeneralizedTaskArithmetic implements MergeMethod {

    private final String methodId;
    private final boolean defaultNormalize;
    private final boolean defaultRescale;
    private final Sparsifier sparsifier;
    private final SignConsensus consensus;
    private final ModelWideTrim modelWide;
    private final TaskVectorOperations compute;

    /**
     * @param descriptor the method's descriptor: its id names it in errors, its schema's defaults of {@code normalize}
     *                   and {@code rescale} apply when a tensor's parameters lack them (the host normally fills them)
     * @param sparsifier the sparsifier, or {@code null} to keep every task vector whole ({@code task_arithmetic})
     * @param consensus  the sign consensus, or {@code null} for a plain weighted sum
     * @param context    the run: masks, norms and the combine run on its backend's task-vector operations
     */
    GeneralizedTaskArithmetic(ExtensionDescriptor descriptor, Sparsifier sparsifier, SignConsensus consensus,
                              RunContext context) {
        this(descriptor, sparsifier, consensus, null, context);
    }

    /**
     * @param modelWide trimming over the whole model instead of {@code sparsifier}'s per-tensor trimming, or
     *                  {@code null}; its thresholds come from the engine's pre-pass
     */
    GeneralizedTaskArithmetic(ExtensionDescriptor descriptor, Sparsifier sparsifier, SignConsensus consensus,
                              ModelWideTrim modelWide, RunContext context) {
        this.modelWide = modelWide;
        this.compute = taskVectors(descriptor.id(), context);
        this.methodId = descriptor.id();
        this.defaultNormalize = defaultFlag(descriptor, MergeParameters.NORMALIZE);
        this.defaultRescale = defaultFlag(descriptor, MergeParameters.RESCALE);
        this.sparsifier = sparsifier;
        this.consensus = consensus;
    }

    /**
     * The run's task-vector operations. The host refuses a backend without them before the run starts (the methods
     * declare {@link org.evomerge.api.extension.Capability#TASK_VECTOR_OPERATIONS}); this says the same to a host
     * that does not check.
     */
    private static TaskVectorOperations taskVectors(String methodId, RunContext context) {
        ComputeBackend backend = context.compute();
        return backend.taskVectors().orElseThrow(() -> EvomergeException.configuration("merge method '" + methodId
                + "' needs task-vector operations, which compute backend '" + backend.id()
                + "' does not offer; choose another with --backend (e.g. --backend cpu)"));
    }

    private static boolean defaultFlag(ExtensionDescriptor descriptor, String name) {
        return descriptor.parameters().find(name).map(spec -> Boolean.TRUE.equals(spec.defaultValue())).orElse(false);
    }

    @Override
    public List<MagnitudeQuantile> modelWideQuantiles() {
        return modelWide == null ? List.of() : modelWide.quantiles();
    }

    /**
     * Whether this tensor must come whole: trims over the whole model, and per-tensor trims that are not linear-time
     * (breadcrumbs' and DELLA's selections); per-tensor TIES and DARE, and no trim at all, merge in blocks.
     */
    @Override
    public boolean needsWholeTensor(MergeInput input) {
        return modelWide != null || sparsifier instanceof Sparsifier.Whole;
    }

    @Override
    public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        input.base().orElseThrow(() -> EvomergeException.configuration(methodId + ": tensor '" + input.tensorName()
                + "' has no base model; " + methodId + " merges task vectors (model - base) and needs base_model"));
        List<InputModel> models = input.models();
        int count = models.size();
        if (count == 0) {
            values.merge((block, out) -> System.arraycopy(block.base(), 0, out, 0, out.length));
            return;
        }
        Parameters tensorParameters = input.parameters();
        boolean normalize = MergeParameters.bool(tensorParameters, MergeParameters.NORMALIZE, defaultNormalize);
        boolean rescale = MergeParameters.bool(tensorParameters, MergeParameters.RESCALE, defaultRescale);
        double lambda = MergeParameters.number(tensorParameters, MergeParameters.LAMBDA, 1.0);
        double[] weights = new double[count];
        for (int m = 0; m < count; m++) {
            weights[m] = MergeParameters.weight(methodId, input.tensorName(), models.get(m).model(),
                    models.get(m).parameters());
        }
        if (needsWholeTensor(input)) {
            if (values.blockCount() > 1) {
                throw new IllegalStateException("tensor '" + input.tensorName() + "' came in " + values.blockCount()
                        + " blocks, but " + methodId + " with these options needs it whole");
            }
            values.merge((block, out) -> mergeWhole(input, block.models(), block.base(), weights, normalize, rescale,
                    lambda, statistics, out));
            return;
        }
        BlockTrim trim = sparsifier == null ? null
                : ((Sparsifier.InBlocks) sparsifier).trim(new BlockTrim.Request(input, values, rescale, compute));
        double[] factors = new double[count];
        long[][] maskBuffers = new long[count][];
        for (int m = 0; m < count; m++) {
            boolean whole = trim == null || trim.keepsAll(m);
            factors[m] = weights[m] * (whole ? 1.0 : trim.scale(m));
            maskBuffers[m] = whole ? null : new long[values.blockElements() >>> 6];
        }
        TaskVectorCombine combine = combine(weights, factors, normalize, lambda);
        long[][] masks = new long[count][];
        values.merge((block, out) -> {
            for (int m = 0; m < count; m++) {
                if (maskBuffers[m] != null) {
                    trim.mask(block, m, maskBuffers[m]);
                    masks[m] = maskBuffers[m];
                }
            }
            compute.combineTaskVectors(block.base(), block.models(), masks, combine, out);
        });
    }

    /**
     * The pipeline on a tensor held whole, for the trims that select over the whole tensor or model: each model's
     * task vector is sparsified in one piece, then combined.
     */
    private void mergeWhole(MergeInput input, float[][] values, float[] base, double[] weights, boolean normalize,
                            boolean rescale, double lambda, ModelWideStatistics statistics, float[] merged) {
        int count = values.length;
        double[] factors = new double[count];
        long[][] masks = new long[count][];
        Sparsifier.Scratch scratch = new Sparsifier.Scratch(compute);
        for (int m = 0; m < count; m++) {
            InputModel model = input.models().get(m);
            Sparsifier.Whole trim = modelWide == null ? (Sparsifier.Whole) sparsifier
                    : modelWide.forModel(statistics, model.model());
            SparseDelta sparse = trim == null ? SparseDelta.all()
                    : trim.sparsify(new TaskDelta(input.tensorName(), model.model(), input.shape(), values[m], base),
                            model.parameters(), rescale, input.random(), m, scratch);
            masks[m] = sparse.mask();
            factors[m] = weights[m] * sparse.scale();
        }
        compute.combineTaskVectors(base, values, masks, combine(weights, factors, normalize, lambda), merged);
    }

    /** How the task vectors mix: the shares and sign election of this method's consensus, or a weighted sum. */
    private TaskVectorCombine combine(double[] weights, double[] factors, boolean normalize, double lambda) {
        int count = weights.length;
        double[] shares = new double[count];
        SignElection election = SignElection.NONE;
        if (consensus == null) {
            System.arraycopy(weights, 0, shares, 0, count);
        } else {
            boolean weightedMean = consensus.mean() == SignConsensus.DisjointMean.WEIGHTED;
            for (int m = 0; m < count; m++) {
                shares[m] = weightedMean ? weights[m] : 1.0;
            }
            election = consensus.election() == SignConsensus.Election.SUM ? SignElection.SUM : SignElection.COUNT;
        }
        return new TaskVectorCombine(factors, shares, election, normalize, lambda);
    }
}
