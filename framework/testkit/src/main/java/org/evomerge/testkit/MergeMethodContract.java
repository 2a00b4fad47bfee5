package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.compute.ArrayBlocks;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Test;

/**
 * Contract of merge methods, on the entry point the engine calls:
 * {@link MergeMethod#merge(MergeInput, TensorBlocks, ModelWideStatistics)} with the tensor whole (one block) or, when
 * the method does not need it whole ({@link MergeMethod#needsWholeTensor}), in blocks. The result fills every
 * element whatever the output held, is finite for finite inputs, leaves the inputs untouched, depends only on the
 * seed, returns the tensor itself when every input is the same tensor, comes from exactly one merge pass, needs no
 * compute capability it does not declare, and refuses a missing base model when the method needs one. A method that
 * merges in blocks gives the one-block result for blocks of any size: bit for bit, or within {@link #blockSumUlps()}
 * where it accumulates per-tensor sums block by block.
 */
public abstract class MergeMethodContract extends ExtensionFactoryContract<MergeMethodFactory> {

    /** Elements of the tensor the block sizes are checked on: several blocks of every size, and a ragged tail. */
    private static final int BLOCK_TEST_ELEMENTS = 5_003;

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.MERGE_METHOD;
    }

    /** Values for required per-model parameters (e.g. {@code weight}); defaults fill the rest. */
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of();
    }

    /** Values for required per-tensor and global parameters. */
    protected Map<String, Object> tensorParameters() {
        return Map.of();
    }

    /** How many non-base models the method is exercised with. */
    protected int modelCount() {
        return factory().descriptor().has(Capability.EXACTLY_TWO_MODELS) ? 2 : 3;
    }

    /** Tolerance of the "same tensor in, same tensor out" check, relative to the largest magnitude. */
    protected double identityTolerance() {
        return 1e-5;
    }

    /**
     * How many units in the last place a result may move when the tensor is cut into blocks: 0 (bit for bit) for a
     * method whose per-element work needs no sum over the tensor or sums element by element in order; 1 for one that
     * accumulates per-tensor sums (norms, dot products) block by block, which rounds them differently.
     */
    protected int blockSumUlps() {
        return 0;
    }

    protected MergeMethod method() {
        return factory().create(parameters(EnumSet.of(ParameterScope.GLOBAL), tensorParameters()), context(1));
    }

    /** What the method sees for a tensor of {@code shape}: {@code models} inputs, a base when asked, resolved parameters. */
    protected MergeInput input(Shape shape, int models, boolean base, long seed) {
        List<InputModel> inputs = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            inputs.add(new InputModel("model" + i, parameters(EnumSet.of(ParameterScope.PER_MODEL),
                    perModelParameters(i))));
        }
        Optional<InputModel> baseModel = base ? Optional.of(new InputModel("base", Parameters.EMPTY)) : Optional.empty();
        Parameters tensorLevel = parameters(EnumSet.of(ParameterScope.PER_TENSOR), tensorParameters());
        String name = "model.layers.0.mlp.up_proj.weight";
        return new MergeInput(name, shape, inputs, baseModel, tensorLevel, new SeededRandomSource(seed).fork(name));
    }

    /**
     * Runs {@code method} as the engine does, on values given whole ({@code blockElements} ≤ 0: one block) or in
     * blocks of {@code blockElements}, into an output filled with {@code fill} beforehand.
     */
    protected float[] merge(MergeMethod method, MergeInput input, List<float[]> models, Optional<float[]> base,
                            int blockElements, float fill) {
        float[] out = new float[Math.toIntExact(input.elementCount())];
        Arrays.fill(out, fill);
        float[][] values = models.toArray(float[][]::new);
        ArrayBlocks blocks = blockElements <= 0 ? ArrayBlocks.whole(values, base.orElse(null), out)
                : new ArrayBlocks(values, base.orElse(null), out, blockElements);
        method.merge(input, blocks, ModelWideStatistics.NONE);
        return out;
    }

    /**
     * {@link #method()} on a tensor of {@code shape} given whole, as the engine merges a tensor it holds whole: the
     * form a plugin's own hand-worked cases call.
     */
    protected float[] merge(Shape shape, List<float[]> models, Optional<float[]> base) {
        return mergeWhole(input(shape, models.size(), base.isPresent(), 1), models, base);
    }

    private float[] mergeWhole(MergeInput input, List<float[]> models, Optional<float[]> base) {
        return merge(method(), input, models, base, 0, 0f);
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }

    private boolean usesBase() {
        return factory().descriptor().has(Capability.REQUIRES_BASE_MODEL)
                || factory().descriptor().has(Capability.ACCEPTS_BASE_MODEL);
    }

    /** {@link #modelCount()} models of {@code n} random values each. */
    private List<float[]> randomModels(SplittableRandom random, int n) {
        List<float[]> models = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            models.add(random(random, n));
        }
        return models;
    }

    private Optional<float[]> baseIfUsed(SplittableRandom random, int n) {
        return usesBase() ? Optional.of(random(random, n)) : Optional.empty();
    }

    @Test
    void producesOneFiniteValuePerElementAndLeavesInputsUntouched() {
        SplittableRandom random = new SplittableRandom(3);
        Shape shape = Shape.of(7, 13);
        int n = (int) shape.elementCount();
        List<float[]> models = new ArrayList<>();
        List<float[]> copies = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            float[] values = random(random, n);
            models.add(values);
            copies.add(values.clone());
        }
        Optional<float[]> base = baseIfUsed(random, n);
        Optional<float[]> baseCopy = base.map(float[]::clone);
        float[] merged = mergeWhole(input(shape, models.size(), base.isPresent(), 99), models, base);
        for (float v : merged) {
            assertTrue(Float.isFinite(v), "merge produced " + v);
        }
        for (int m = 0; m < models.size(); m++) {
            assertArrayEquals(copies.get(m), models.get(m), "input " + m + " was modified");
        }
        baseCopy.ifPresent(copy -> assertArrayEquals(copy, base.orElseThrow(), "base was modified"));
    }

    /** The engine reuses output arrays from tensor to tensor: whatever one held must not leak into the result. */
    @Test
    void writesEveryElementOfTheOutput() {
        SplittableRandom random = new SplittableRandom(4);
        Shape shape = Shape.of(5, 17);
        int n = (int) shape.elementCount();
        List<float[]> models = randomModels(random, n);
        Optional<float[]> base = baseIfUsed(random, n);
        MergeInput input = input(shape, models.size(), base.isPresent(), 7);
        float[] zeroed = merge(method(), input, models, base, 0, 0f);
        float[] stale = merge(method(), input, models, base, 0, Float.NaN);
        assertArrayEquals(zeroed, stale, "elements left as the output held them");
    }

    @Test
    void dependsOnlyOnTheSeed() {
        SplittableRandom random = new SplittableRandom(4);
        Shape shape = Shape.of(33);
        List<float[]> models = randomModels(random, 33);
        Optional<float[]> base = baseIfUsed(random, 33);
        assertArrayEquals(mergeWhole(input(shape, models.size(), base.isPresent(), 5), models, base),
                mergeWhole(input(shape, models.size(), base.isPresent(), 5), models, base));
    }

    @Test
    void mergingCopiesOfOneTensorReturnsIt() {
        float[] same = random(new SplittableRandom(5), 64);
        List<float[]> models = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            models.add(same.clone());
        }
        Optional<float[]> base = usesBase() ? Optional.of(same.clone()) : Optional.empty();
        float[] merged = mergeWhole(input(Shape.of(8, 8), models.size(), base.isPresent(), 6), models, base);
        double scale = 0;
        for (float v : same) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < same.length; i++) {
            assertEquals(same[i], merged[i], identityTolerance() * scale, "element " + i);
        }
    }

    /** The engine writes what the merge pass produced: a method must make it, once. */
    @Test
    void makesExactlyOneMergePass() {
        SplittableRandom random = new SplittableRandom(8);
        int n = 200;
        List<float[]> models = randomModels(random, n);
        Optional<float[]> base = baseIfUsed(random, n);
        MergeInput input = input(Shape.of(n), models.size(), base.isPresent(), 3);
        for (int blockElements : new int[] {0, 64}) {
            MergeMethod method = method();
            if (blockElements > 0 && method.needsWholeTensor(input)) {
                continue;
            }
            float[] out = new float[n];
            float[][] values = models.toArray(float[][]::new);
            CountedPasses blocks = new CountedPasses(blockElements <= 0
                    ? ArrayBlocks.whole(values, base.orElse(null), out)
                    : new ArrayBlocks(values, base.orElse(null), out, blockElements));
            method.merge(input, blocks, ModelWideStatistics.NONE);
            assertEquals(1, blocks.merges, "merge passes with " + (blockElements <= 0 ? "one block"
                    : "blocks of " + blockElements));
        }
    }

    /**
     * A method that merges in blocks gives what it gives the tensor whole, for blocks of any size (bf16-like values, so
     * magnitudes tie as in real checkpoints).
     */
    @Test
    void blocksOfAnySizeGiveTheOneBlockResult() {
        int n = BLOCK_TEST_ELEMENTS;
        SplittableRandom random = new SplittableRandom(11);
        float[] baseValues = bf16Like(random, n, 0.02, null);
        List<float[]> models = new ArrayList<>();
        for (int m = 0; m < modelCount(); m++) {
            models.add(bf16Like(random, n, 0.002, baseValues));
        }
        Optional<float[]> base = usesBase() ? Optional.of(baseValues) : Optional.empty();
        MergeInput input = input(Shape.of(n), models.size(), base.isPresent(), 12);
        MergeMethod method = method();
        if (method.needsWholeTensor(input)) {
            return; // the engine never cuts this tensor into blocks
        }
        float[] whole = merge(method, input, models, base, 0, 0f);
        for (int blockElements : new int[] {64, 192, 4096}) {
            float[] blocks = merge(method, input, models, base, blockElements, 0f);
            for (int i = 0; i < n; i++) {
                float allowed = blockSumUlps() * Math.ulp(whole[i]);
                if (!(Math.abs(whole[i] - blocks[i]) <= allowed)
                        && Float.floatToRawIntBits(whole[i]) != Float.floatToRawIntBits(blocks[i])) {
                    fail("blocks of " + blockElements + ", element " + i + ": " + blocks[i] + ", one block gives "
                            + whole[i] + " (" + blockSumUlps() + " ulp allowed)");
                }
            }
        }
    }

    /**
     * A method that does not declare {@link Capability#TASK_VECTOR_OPERATIONS} runs on a backend without them (the
     * engine lets it), with the result it has on the reference backend.
     */
    @Test
    void runsOnABackendWithoutTheOperationsItDoesNotDeclare() {
        if (factory().descriptor().has(Capability.TASK_VECTOR_OPERATIONS)) {
            return;
        }
        SplittableRandom random = new SplittableRandom(9);
        int n = 150;
        List<float[]> models = randomModels(random, n);
        Optional<float[]> base = baseIfUsed(random, n);
        MergeInput input = input(Shape.of(n), models.size(), base.isPresent(), 2);
        Parameters global = parameters(EnumSet.of(ParameterScope.GLOBAL), tensorParameters());
        MergeMethod without = factory().create(global, TestRunContexts.seeded(1, new WithoutTaskVectors(), Map.of()));
        assertArrayEquals(merge(method(), input, models, base, 0, 0f), merge(without, input, models, base, 0, 0f));
    }

    @Test
    void refusesToRunWithoutABaseModelWhenItNeedsOne() {
        if (!factory().descriptor().has(Capability.REQUIRES_BASE_MODEL)) {
            return;
        }
        SplittableRandom random = new SplittableRandom(6);
        List<float[]> models = randomModels(random, 4);
        MergeInput input = input(Shape.of(4), models.size(), false, 1);
        assertThrows(EvomergeException.class, () -> mergeWhole(input, models, Optional.empty()));
    }

    /** Gaussian values (around {@code around} when given) with the low 16 bits cleared: bf16 values, with ties. */
    private static float[] bf16Like(SplittableRandom random, int n, double scale, float[] around) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (float) (random.nextGaussian() * scale + (around == null ? 0 : around[i]));
            values[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000);
        }
        return values;
    }

    /** The reference backend without its task-vector operations. */
    private static final class WithoutTaskVectors implements ComputeBackend {
        private static final ReferenceBackend REFERENCE = new ReferenceBackend();

        @Override
        public String id() {
            return "without-task-vectors";
        }

        @Override
        public String description() {
            return "the reference backend without task-vector operations";
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public TensorCodecs codecs() {
            return REFERENCE;
        }

        @Override
        public VectorOperations vectors() {
            return REFERENCE;
        }
    }

    /** Blocks that count the merge passes made over them. */
    private static final class CountedPasses implements TensorBlocks {
        private final TensorBlocks blocks;
        private int merges;

        CountedPasses(TensorBlocks blocks) {
            this.blocks = blocks;
        }

        @Override
        public long elementCount() {
            return blocks.elementCount();
        }

        @Override
        public int blockElements() {
            return blocks.blockElements();
        }

        @Override
        public int modelCount() {
            return blocks.modelCount();
        }

        @Override
        public void scan(int fromBlock, Visitor visitor) {
            blocks.scan(fromBlock, visitor);
        }

        @Override
        public void merge(Merger merger) {
            if (++merges == 1) {
                blocks.merge(merger);
            }
        }
    }
}
