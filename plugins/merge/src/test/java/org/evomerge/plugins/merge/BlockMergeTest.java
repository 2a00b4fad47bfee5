package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.compute.VectorBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Merging a tensor in blocks gives what merging it whole (as one block) gives: the same bits where the result depends
 * only on element-wise maths, masks and exact selections, and within one float rounding where a per-tensor sum
 * (SLERP's norms, an L1 rescale) is accumulated block by block. Checked on both CPU backends, for
 * tensors of one element, a few blocks with a ragged tail, and (for the vector backend's sampled bracket) more than a
 * quarter million elements; blocks of 64 elements up to the whole tensor. Inputs are bf16-like (values truncated to 8
 * mantissa bits), so magnitudes tie as they do in real checkpoints.
 */
class BlockMergeTest {

    private record Case(String name, MergeMethodFactory factory, int models, Map<String, ?> tensorParameters,
                        List<Map<String, ?>> modelParameters, boolean exact) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Case> cases() {
        Map<String, ?> half = Map.of("weight", 0.6, "density", 0.5);
        Map<String, ?> third = Map.of("weight", 0.4, "density", 0.3);
        return List.of(
                new Case("linear", new LinearMergeFactory(), 3, Map.of(),
                        List.of(Map.of("weight", 0.5), Map.of("weight", 0.3), Map.of("weight", 0.2)), true),
                new Case("linear unnormalized", new LinearMergeFactory(), 2, Map.of("normalize", false),
                        List.of(Map.of("weight", 0.7), Map.of("weight", 0.7)), true),
                new Case("slerp", new SlerpMergeFactory(), 1, Map.of("t", 0.3), List.of(Map.of()), false),
                new Case("task_arithmetic", new TaskArithmeticMergeFactory(), 2, Map.of("lambda", 0.7),
                        List.of(Map.of("weight", 1.0), Map.of("weight", 0.5)), true),
                new Case("ties", new TiesMergeFactory(), 2, Map.of(), List.of(half, third), true),
                new Case("ties density 1 and 0", new TiesMergeFactory(), 2, Map.of(),
                        List.of(Map.of("weight", 1.0, "density", 1.0), Map.of("weight", 1.0, "density", 0.0)), true),
                new Case("ties rescaled", new TiesMergeFactory(), 3, Map.of("rescale", true),
                        List.of(half, third, Map.of("weight", 0.2, "density", 0.9)), false),
                new Case("dare_ties", new DareTiesMergeFactory(), 2, Map.of(), List.of(half, third), false),
                new Case("dare_ties inverse density", new DareTiesMergeFactory(), 2,
                        Map.of("dare_rescale", "inverse_density"), List.of(half, third), true),
                new Case("dare_linear unrescaled", new DareLinearMergeFactory(), 2, Map.of("rescale", false),
                        List.of(half, third), true),
                new Case("nearswap", new NearSwapMergeFactory(), 1, Map.of("t", 0.001), List.of(Map.of()), true),
                new Case("ram", new RamMergeFactory(), 3, Map.of("epsilon", 0.001), List.of(Map.of(), Map.of(),
                        Map.of()), true),
                new Case("ramplus_tl", new RamPlusMergeFactory(), 3, Map.of("epsilon", 0.001, "r", 0.5),
                        List.of(Map.of(), Map.of(), Map.of()), true));
    }

    static Stream<Arguments> everyCase() {
        List<Arguments> all = new ArrayList<>();
        for (Case c : cases()) {
            for (ComputeBackend backend : List.of(new ReferenceBackend(), new VectorBackend())) {
                for (int n : new int[] {1, 1000, 5_003, 300_001}) {
                    all.add(Arguments.of(c, backend.id(), n));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} on {1}, {2} elements")
    @MethodSource("everyCase")
    void blocksGiveWhatTheWholeTensorGives(Case c, String backendId, int n) {
        ComputeBackend backend = backendId.equals("cpu-reference") ? new ReferenceBackend() : new VectorBackend();
        RunContext base = TestRunContexts.seeded(5);
        RunContext context = new DefaultRunContext(base.random(), backend, base.progress(), base.scratch(), 1, Map.of());
        Parameters global = ParameterValidator.validate(c.factory().descriptor(), c.tensorParameters(),
                EnumSet.of(ParameterScope.GLOBAL), true);
        MergeMethod method = c.factory().create(global, context);
        SplittableRandom random = new SplittableRandom(n * 31L + c.models());
        float[] baseValues = bf16Like(random, n, 0.02, null);
        float[][] models = new float[c.models()][];
        List<InputModel> inputs = new ArrayList<>();
        for (int m = 0; m < models.length; m++) {
            models[m] = bf16Like(random, n, 0.002, baseValues);
            inputs.add(new InputModel("model" + m, ParameterValidator.validate(c.factory().descriptor(),
                    c.modelParameters().get(m), EnumSet.of(ParameterScope.PER_MODEL), true)));
        }
        Parameters baseParameters = ParameterValidator.validate(c.factory().descriptor(), Map.of(),
                EnumSet.of(ParameterScope.PER_MODEL), false);
        Parameters tensorParameters = ParameterValidator.validate(c.factory().descriptor(), c.tensorParameters(),
                EnumSet.of(ParameterScope.GLOBAL, ParameterScope.PER_TENSOR), true);
        String name = "model.layers.0.mlp.up_proj.weight";
        MergeCall call = new MergeCall(new MergeInput(name, Shape.of(n), inputs,
                Optional.of(new InputModel("base", baseParameters)), tensorParameters,
                new SeededRandomSource(9).fork(name)), models, baseValues);
        assertFalse(method.needsWholeTensor(call.input()), c + " should merge in blocks");
        float[] whole = call.whole(method);
        for (int blockElements : new int[] {64, 192, 4096}) {
            float[] out = call.inBlocks(method, blockElements);
            for (int i = 0; i < n; i++) {
                if (c.exact()) {
                    assertEquals(whole[i], out[i], 0f, c + ", blocks of " + blockElements + ", element " + i);
                } else {
                    assertTrue(Math.abs(whole[i] - out[i]) <= Math.ulp(whole[i]),
                            c + ", blocks of " + blockElements + ", element " + i + ": " + whole[i] + " vs " + out[i]);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wholeOnly")
    void methodsThatNeedTheWholeTensorSaySo(String name, MergeMethodFactory factory, Map<String, ?> global) {
        MergeMethod method = factory.create(ParameterValidator.validate(factory.descriptor(), global,
                EnumSet.of(ParameterScope.GLOBAL), true), TestRunContexts.seeded(1));
        MergeInput input = new MergeInput("t", Shape.of(8), List.of(new InputModel("a", Parameters.EMPTY)),
                Optional.of(new InputModel("base", Parameters.EMPTY)), Parameters.EMPTY, new SeededRandomSource(1));
        assertTrue(method.needsWholeTensor(input), name);
    }

    static Stream<Arguments> wholeOnly() {
        return Stream.of(
                Arguments.of("breadcrumbs (a band of the magnitude order)", new BreadcrumbsMergeFactory(), Map.of()),
                Arguments.of("della (ranks per row)", new DellaMergeFactory(), Map.of()),
                Arguments.of("ties over the whole model", new TiesMergeFactory(), Map.of("trim_scope", "model")),
                Arguments.of("breadcrumbs_ties", new BreadcrumbsTiesMergeFactory(), Map.of()),
                Arguments.of("della_linear", new DellaLinearMergeFactory(), Map.of()),
                Arguments.of("model_stock", new ModelStockMergeFactory(), Map.of()),
                Arguments.of("nuslerp", new NuSlerpMergeFactory(), Map.of()),
                Arguments.of("multislerp", new MultiSlerpMergeFactory(), Map.of()),
                Arguments.of("karcher", new KarcherMergeFactory(), Map.of()),
                Arguments.of("sce (a sort of the variances)", new SceMergeFactory(), Map.of()),
                Arguments.of("arcee_fusion (quantiles)", new ArceeFusionMergeFactory(), Map.of()));
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
}
