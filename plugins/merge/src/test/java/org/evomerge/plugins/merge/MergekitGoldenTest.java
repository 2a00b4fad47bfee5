package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomerge.api.merge.MergeMethodFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Golden tests against outputs of the real mergekit (0.1.4, commit a6e40288) in {@code shared/mergekit-cases}:
 * every tensor of each case's expected model is merged here from the case's input models with parameters resolved
 * by hand from the case's {@code config.yml} (mergekit's gradient rule, ALGORITHMS.md B.1), and compared with the
 * tolerance of {@code compare.py} for F32: |actual − expected| ≤ 170·ulp(expected) + 2e-6·max|expected|.
 *
 * <p>The cases folder is {@code -Devomerge.shared=DIR}, else {@code ../../../shared} from the module; the tests are
 * skipped when it is absent.
 */
class MergekitGoldenTest {

    private static final Pattern LAYER = Pattern.compile("^model\\.layers\\.(\\d+)\\.(.*)$");
    private static final double K_ULP = 170;
    private static final double ATOL_REL = 2e-6;

    private static Path cases() {
        String configured = System.getProperty("evomerge.shared");
        Path shared = configured != null ? Path.of(configured) : Path.of("../../../shared");
        Path cases = shared.resolve("mergekit-cases");
        Assumptions.assumeTrue(Files.isDirectory(cases.resolve("cases")),
                "no mergekit cases at " + cases.toAbsolutePath());
        return cases;
    }

    private static Map<String, SafetensorsTestFile.Entry> model(String name) throws IOException {
        return SafetensorsTestFile.read(cases().resolve("models/f32").resolve(name).resolve("model.safetensors"));
    }

    private static Map<String, SafetensorsTestFile.Entry> expected(String caseName) throws IOException {
        return SafetensorsTestFile.read(
                cases().resolve("cases").resolve(caseName).resolve("expected/model.safetensors"));
    }

    @Test
    void linear() throws IOException {
        linearCase("linear", true, new double[] {1.0, 0.5, 0.5});
    }

    @Test
    void linearNoNormalize() throws IOException {
        linearCase("linear_no_normalize", false, new double[] {0.6, 0.3, 0.3});
    }

    private void linearCase(String caseName, boolean normalize, double[] weights) throws IOException {
        List<Map<String, SafetensorsTestFile.Entry>> ft = List.of(model("ft1"), model("ft2"), model("ft3"));
        compareAll(caseName, name -> {
            MergeInvocation call = MergeInvocation.of(new LinearMergeFactory()).tensor(name)
                    .with("normalize", normalize);
            for (int m = 0; m < ft.size(); m++) {
                SafetensorsTestFile.Entry e = ft.get(m).get(name);
                call.model(e.values(), Map.of("weight", weights[m])).shape(e.shape());
            }
            return call.run();
        });
    }

    @Test
    void linearWithAVocabularyMismatch() throws IOException {
        // padvocab has 264 rows in embed_tokens and lm_head: both inputs are cut to the common 256×64 block (the
        // engine does this before calling the method; done here by hand).
        var ft1 = model("ft1");
        var pad = model("padvocab");
        compareAll("linear_embed_mismatch", name -> {
            SafetensorsTestFile.Entry a = ft1.get(name);
            SafetensorsTestFile.Entry b = pad.get(name);
            float[] bValues = b.values();
            if (!Arrays.equals(a.shape(), b.shape())) {
                bValues = Arrays.copyOf(bValues, a.values().length); // same columns: the first rows
            }
            return MergeInvocation.of(new LinearMergeFactory()).tensor(name).shape(a.shape())
                    .model(a.values(), Map.of("weight", 0.5)).model(bValues, Map.of("weight", 0.5)).run();
        });
    }

    @Test
    void slerpWithPerFilterGradients() throws IOException {
        var ft1 = model("ft1");
        var ft2 = model("ft2");
        compareAll("slerp", name -> {
            SafetensorsTestFile.Entry a = ft1.get(name);
            return MergeInvocation.of(new SlerpMergeFactory()).tensor(name).shape(a.shape()).with("t", slerpT(name))
                    .base(a.values()).model(ft2.get(name).values()).run();
        });
    }

    /**
     * t of the slerp case: {@code [{filter: self_attn, value: [0, .5, .3, .7, 1]}, {filter: mlp, value: [1, .5, .7,
     * .3, 0]}, {value: [0, .5, 1]}]} over one slice of 4 layers (layer i at position i/3); tensors outside the
     * layers at position 0.
     */
    static double slerpT(String name) {
        Matcher m = LAYER.matcher(name);
        double position = m.matches() ? Integer.parseInt(m.group(1)) / 3.0 : 0;
        double[] values = name.contains("self_attn") ? new double[] {0, 0.5, 0.3, 0.7, 1}
                : name.contains("mlp") ? new double[] {1, 0.5, 0.7, 0.3, 0} : new double[] {0, 0.5, 1};
        return gradient(values, position);
    }

    /** mergekit's evaluate_setting for a list of numbers. */
    static double gradient(double[] values, double position) {
        double scaled = position * (values.length - 1);
        int i0 = (int) scaled;
        int i1 = Math.min(values.length - 1, i0 + 1);
        double frac = scaled - i0;
        return (1 - frac) * values[i0] + frac * values[i1];
    }

    @Test
    void theGradientRuleOfTheSlerpCase() {
        assertEquals(0.0, slerpT("model.embed_tokens.weight"));
        assertEquals(0.0, slerpT("lm_head.weight"));
        assertEquals(0.5 * 2 / 3 + 0.3 / 3, slerpT("model.layers.1.self_attn.q_proj.weight"), 1e-15);
        assertEquals(1.0, slerpT("model.layers.3.self_attn.o_proj.weight"));
        assertEquals(0.0, slerpT("model.layers.3.mlp.up_proj.weight"));
        assertEquals(1.0 / 3, slerpT("model.layers.1.input_layernorm.weight"), 1e-15);
    }

    @Test
    void passthroughFrankenmerge() throws IOException {
        // Output layers 0..2 = base layers 0..2; 3..5 = ft1 layers 1..3 with scale 0.5 on o_proj and down_proj.
        // embed_tokens from the first slice's model (base), model.norm and lm_head from the last slice's (ft1).
        var base = model("base");
        var ft1 = model("ft1");
        compareAll("passthrough_frankenmerge", name -> {
            Matcher m = LAYER.matcher(name);
            SafetensorsTestFile.Entry source;
            double scale = 1;
            if (m.matches()) {
                int layer = Integer.parseInt(m.group(1));
                if (layer < 3) {
                    source = base.get(name);
                } else {
                    source = ft1.get("model.layers." + (layer - 2) + "." + m.group(2));
                    scale = name.contains("o_proj") || name.contains("down_proj") ? 0.5 : 1.0;
                }
            } else {
                source = name.startsWith("model.embed_tokens") ? base.get(name) : ft1.get(name);
            }
            return MergeInvocation.of(new PassthroughMergeFactory()).tensor(name).shape(source.shape())
                    .model(source.values(), Map.of("scale", scale)).run();
        });
    }

    /** Merges every tensor of the expected output and checks it within compare.py's F32 tolerance. */
    private void compareAll(String caseName, Function<String, float[]> merge) throws IOException {
        Map<String, SafetensorsTestFile.Entry> expected = expected(caseName);
        assertTrue(expected.size() > 10, caseName + ": only " + expected.size() + " tensors read");
        double worst = 0;
        String worstName = null;
        long elements = 0;
        long identical = 0;
        for (var entry : expected.entrySet()) {
            String name = entry.getKey();
            float[] want = entry.getValue().values();
            float[] got = merge.apply(name);
            assertEquals(want.length, got.length, name);
            double max = ArrayTolerance.maxAbs(want);
            for (int i = 0; i < want.length; i++) {
                double tolerance = K_ULP * Math.ulp(Math.abs(want[i])) + ATOL_REL * max;
                double error = Math.abs((double) got[i] - want[i]);
                if (!(error <= tolerance)) {
                    fail(caseName + ": " + name + "[" + i + "] = " + got[i] + ", mergekit " + want[i] + " (tolerance "
                            + tolerance + ")");
                }
                identical += Float.floatToIntBits(got[i]) == Float.floatToIntBits(want[i]) ? 1 : 0;
                double ratio = tolerance == 0 ? 0 : error / tolerance;
                if (ratio > worst) {
                    worst = ratio;
                    worstName = name;
                }
            }
            elements += want.length;
        }
        System.out.printf("mergekit golden %s: %d tensors, %d elements within tolerance (%d bit-identical); "
                + "worst error/tolerance %.3g (%s)%n",
                caseName, expected.size(), elements, identical, worst, worstName);
    }

    @Test
    void theReaderSeesEveryTensorOfTheHeader() throws IOException {
        Path file = cases().resolve("models/f32/ft1/model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        String header = new String(bytes, 8, (int) java.nio.ByteBuffer.wrap(bytes, 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(), java.nio.charset.StandardCharsets.UTF_8);
        long declared = Pattern.compile("\"dtype\"").matcher(header).results().count();
        assertEquals(declared, SafetensorsTestFile.read(file).size());
        assertArrayEquals(new long[] {256, 64},
                SafetensorsTestFile.read(file).get("model.embed_tokens.weight").shape());
    }
}
