package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Golden tests against outputs of the real mergekit (0.1.4) in {@code shared/mergekit-cases} (the folder named by the
 * system property {@code evomerge.shared}, else {@code ../../../shared} from this module): the cases of the GTA family,
 * merged tensor by tensor without the engine, with the tolerances of that folder's {@code compare.py} and
 * {@code case.json}. Skipped when the folder is absent.
 */
class GtaMergekitGoldenTest {

    private static Path cases;
    private static Path models;

    @BeforeAll
    static void locate() {
        Path shared = Path.of(System.getProperty("evomerge.shared", "../../../shared"));
        Path root = shared.resolve("mergekit-cases");
        Assumptions.assumeTrue(Files.isDirectory(root.resolve("cases")),
                "no mergekit cases at " + root.toAbsolutePath());
        cases = root.resolve("cases");
        models = root.resolve("models").resolve("f32");
    }

    // ------------------------------------------------------------------ deterministic cases

    @Test
    void taskArithmetic() throws IOException {
        // config.yml: base f32/base; ft1 0.5, ft2 0.3, ft3 0.4; normalize defaults to false
        compareDeterministic("task_arithmetic", new TaskArithmeticMergeFactory(), Map.of(),
                List.of(Map.of("weight", 0.5), Map.of("weight", 0.3), Map.of("weight", 0.4)));
    }

    @Test
    void ties() throws IOException {
        // config.yml: ft1 0.6, ft2 0.4, ft3 0.3, all density 0.5; normalize true
        compareDeterministic("ties", new TiesMergeFactory(), Map.of("normalize", true),
                List.of(Map.of("weight", 0.6, "density", 0.5), Map.of("weight", 0.4, "density", 0.5),
                        Map.of("weight", 0.3, "density", 0.5)));
    }

    private void compareDeterministic(String name, MergeMethodFactory factory, Map<String, ?> options,
                                      List<Map<String, ?>> perModel) throws IOException {
        Path caseDir = cases.resolve(name);
        Map<String, Object> caseJson = MiniJson.object(Files.readString(caseDir.resolve("case.json")));
        double maxBad = caseJson.get("max_bad_fraction") instanceof Number n ? n.doubleValue() : 0.0;
        Map<String, Tensor> expected = Tensor.read(caseDir.resolve("expected/model.safetensors"));
        Map<String, Tensor> base = Tensor.read(models.resolve("base/model.safetensors"));
        List<Map<String, Tensor>> fineTunes = List.of(Tensor.read(models.resolve("ft1/model.safetensors")),
                Tensor.read(models.resolve("ft2/model.safetensors")),
                Tensor.read(models.resolve("ft3/model.safetensors")));
        GtaInputs inputs = GtaInputs.of(factory, options);
        long totalBad = 0;
        long total = 0;
        double worst = 0;
        String worstTensor = "";
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Tensor> entry : expected.entrySet()) {
            String tensor = entry.getKey();
            Tensor e = entry.getValue();
            assertEquals("F32", e.dtype(), tensor);
            List<float[]> values = fineTunes.stream().map(m -> m.get(tensor).values()).toList();
            float[] actual = inputs.input(e.shape(), base.get(tensor).values(), values, perModel,
                    new SeededRandomSource(0).fork(tensor)).named(tensor).whole(inputs.method());
            double[] tolerance = tolerance(e.values(), 1.0);
            int bad = 0;
            for (int i = 0; i < actual.length; i++) {
                double diff = Math.abs((double) actual[i] - e.values()[i]);
                if (!(diff <= tolerance[i])) {
                    bad++;
                }
                if (diff / tolerance[i] > worst) {
                    worst = diff / tolerance[i];
                    worstTensor = tensor;
                }
            }
            total += actual.length;
            totalBad += bad;
            if (bad > maxBad * actual.length) {
                failures.add(tensor + ": " + bad + "/" + actual.length + " elements out of tolerance");
            }
        }
        System.out.printf("mergekit golden %s: %d tensors, %d/%d elements out of tolerance (allowed per tensor %.2e),"
                        + " worst err/tol %.3g (%s)%n", name, expected.size(), totalBad, total, maxBad, worst,
                worstTensor);
        assertTrue(failures.isEmpty(), name + ": " + failures);
    }

    // ------------------------------------------------------------------ random case

    /**
     * {@code dare_linear_single}: ft1 alone, weight 1, density 0.3. mergekit's masks cannot be reproduced, so, as
     * compare.py does: per output, the fraction of zeroed delta entries and the L1 norm of the merged delta against
     * mergekit's 16-seed statistics, the exact L1 rescale rule on the kept entries; over 8 seeds, the per-element mean
     * against mergekit's seed mean (two-sample t statistics). And mergekit's own output must follow the rescale rule
     * evomerge implements.
     */
    @Test
    void dareLinearSingle() throws IOException {
        Path caseDir = cases.resolve("dare_linear_single");
        Map<String, Object> stats = MiniJson.object(Files.readString(caseDir.resolve("stats/stats.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> tensorStats = (Map<String, Object>) stats.get("tensors");
        int k = ((Number) stats.get("num_seeds")).intValue();
        Map<String, Tensor> expected = Tensor.read(caseDir.resolve("expected/model.safetensors"));
        Map<String, Tensor> mean = Tensor.read(caseDir.resolve("stats/mean/model.safetensors"));
        Map<String, Tensor> std = Tensor.read(caseDir.resolve("stats/std/model.safetensors"));
        Map<String, Tensor> base = Tensor.read(models.resolve("base/model.safetensors"));
        Map<String, Tensor> ft1 = Tensor.read(models.resolve("ft1/model.safetensors"));
        GtaInputs inputs = GtaInputs.of(new DareLinearMergeFactory());
        List<Map<String, ?>> perModel = List.of(Map.of("weight", 1.0, "density", 0.3));
        int seeds = 8;
        List<String> failures = new ArrayList<>();
        List<Double> z2 = new ArrayList<>();
        int deterministic = 0;
        int deterministicOff = 0;
        for (String tensor : expected.keySet()) {
            float[] b = base.get(tensor).values();
            float[] x = ft1.get(tensor).values();
            Shape shape = expected.get(tensor).shape();
            // mergekit's own output follows the L1 rule with its mask
            String rule = checkL1Rescale(b, x, expected.get(tensor).values());
            if (rule != null) {
                failures.add("mergekit " + tensor + ": " + rule);
            }
            float[][] outputs = new float[seeds][];
            for (int s = 0; s < seeds; s++) {
                float[] out = inputs.input(shape, b, List.of(x), perModel, new SeededRandomSource(s).fork(tensor))
                        .named(tensor).whole(inputs.method());
                outputs[s] = out;
                @SuppressWarnings("unchecked")
                Map<String, Object> ts = (Map<String, Object>) tensorStats.get(tensor);
                int n = out.length;
                int zeros = 0;
                double l1 = 0;
                for (int i = 0; i < n; i++) {
                    double d = (double) out[i] - b[i];
                    zeros += d == 0 ? 1 : 0;
                    l1 += Math.abs(d);
                }
                double p = ((Number) ts.get("zero_frac_mean")).doubleValue();
                double sd = Math.sqrt(Math.max(p * (1 - p), 1.0 / n) / n);
                double zfStd = ((Number) ts.get("zero_frac_std")).doubleValue();
                double tolZ = 6 * Math.sqrt(sd * sd + zfStd * zfStd) + 0.002;
                if (Math.abs(zeros / (double) n - p) > tolZ) {
                    failures.add(tensor + " seed " + s + ": zero fraction " + zeros / (double) n + " vs " + p);
                }
                double l1Mean = ((Number) ts.get("l1_mean")).doubleValue();
                double l1Std = ((Number) ts.get("l1_std")).doubleValue();
                if (Math.abs(l1 - l1Mean) > Math.max(Math.max(6 * l1Std, 0.02 * Math.abs(l1Mean)), 1e-12)) {
                    failures.add(tensor + " seed " + s + ": L1 " + l1 + " vs " + l1Mean);
                }
                String ours = checkL1Rescale(b, x, out);
                if (ours != null) {
                    failures.add(tensor + " seed " + s + ": " + ours);
                }
            }
            // seed mean against mergekit's seed mean
            float[] me = mean.get(tensor).values();
            float[] se = std.get(tensor).values();
            double maxMean = 0;
            for (float v : me) {
                maxMean = Math.max(maxMean, Math.abs(v));
            }
            for (int i = 0; i < me.length; i++) {
                double sum = 0;
                for (float[] out : outputs) {
                    sum += out[i];
                }
                double ma = sum / seeds;
                double ss = 0;
                for (float[] out : outputs) {
                    ss += (out[i] - ma) * (out[i] - ma);
                }
                double va = ss / (seeds - 1);
                double vp = ((seeds - 1) * va + (k - 1) * (double) se[i] * se[i]) / (seeds + k - 2);
                if (vp > 0) {
                    double z = (ma - me[i]) / Math.sqrt(vp * (1.0 / seeds + 1.0 / k));
                    z2.add(z * z);
                } else {
                    deterministic++;
                    double tol = 10 * (170 * ulp(Math.abs(me[i])) + 2e-6 * maxMean);
                    if (Math.abs(ma - me[i]) > tol) {
                        deterministicOff++;
                    }
                }
            }
        }
        double[] sorted = z2.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int keep = Math.max(1, (int) (0.99 * sorted.length));
        double trimmed = Arrays.stream(sorted, 0, keep).average().orElse(0);
        double above4 = Arrays.stream(sorted).filter(v -> v > 16).count() / (double) sorted.length;
        System.out.printf("mergekit golden dare_linear_single: %d tensors x %d seeds; seed-mean trimmed mean t^2 = %.3f"
                        + " (limit 1.09), |t|>4 fraction %.1e (limit 5e-3), zero-variance elements off %d/%d%n",
                expected.size(), seeds, trimmed, above4, deterministicOff, deterministic);
        assertTrue(failures.isEmpty(), failures.toString());
        assertTrue(trimmed <= 1.09, "trimmed mean t^2 " + trimmed);
        assertTrue(above4 <= 5e-3, "|t| > 4 fraction " + above4);
        assertEquals(0, deterministicOff);
    }

    /** Null if the kept entries of {@code out} are δ·L1(δ)/L1(δ kept) and the others zero (compare.py's check). */
    private static String checkL1Rescale(float[] base, float[] model, float[] out) {
        double before = 0;
        double after = 0;
        double maxBase = 0;
        for (int i = 0; i < base.length; i++) {
            double delta = model[i] - base[i];
            before += Math.abs(delta);
            if ((double) out[i] - base[i] != 0) {
                after += Math.abs(delta);
            }
            maxBase = Math.max(maxBase, Math.abs(base[i]));
        }
        if (after == 0) {
            return null;
        }
        double scale = before / after;
        int bad = 0;
        for (int i = 0; i < base.length; i++) {
            double d = (double) out[i] - base[i];
            if (d != 0) {
                double want = (model[i] - base[i]) * scale;
                if (Math.abs(d - want) > 1e-4 * Math.abs(want) + 2e-6 * (maxBase + 1e-12)) {
                    bad++;
                }
            }
        }
        return bad == 0 ? null : bad + " kept entries are not delta*L1(delta)/L1(kept delta) (scale " + scale + ")";
    }

    // ------------------------------------------------------------------ helpers

    /** compare.py's F32 tolerance: 170 ulp(|e|) + 2e-6·max|e|, times {@code scale}. */
    private static double[] tolerance(float[] expected, double scale) {
        double max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        double[] tol = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            tol[i] = scale * (170 * ulp(Math.abs(expected[i])) + 2e-6 * max);
        }
        return tol;
    }

    /** 2^(⌊log2 max(|x|, 2^-126)⌋ - 23), as compare.py defines the float32 ulp. */
    private static double ulp(double absolute) {
        return Math.scalb(1.0, Math.getExponent(Math.max(absolute, 0x1p-126)) - 23);
    }

    /** One F32 tensor of a safetensors file. */
    record Tensor(String dtype, Shape shape, float[] values) {

        /** Reads every tensor of a safetensors file (8-byte little-endian header length, JSON header, data). */
        static Map<String, Tensor> read(Path file) throws IOException {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = Math.toIntExact(buffer.getLong(0));
            Map<String, Object> header = MiniJson.object(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
            int dataStart = 8 + headerLength;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Object> entry : header.entrySet()) {
                if (entry.getKey().equals("__metadata__")) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> info = (Map<String, Object>) entry.getValue();
                String dtype = (String) info.get("dtype");
                long[] dims = ((List<?>) info.get("shape")).stream().mapToLong(d -> ((Number) d).longValue()).toArray();
                List<?> offsets = (List<?>) info.get("data_offsets");
                int begin = dataStart + ((Number) offsets.get(0)).intValue();
                int end = dataStart + ((Number) offsets.get(1)).intValue();
                if (!dtype.equals("F32")) {
                    throw new IOException(file + ": " + entry.getKey() + " is " + dtype + ", only F32 is read here");
                }
                float[] values = new float[(end - begin) / 4];
                ByteBuffer.wrap(bytes, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                tensors.put(entry.getKey(), new Tensor(dtype, Shape.of(dims), values));
            }
            return tensors;
        }
    }

    /** Just enough JSON for safetensors headers and the cases' small JSON files: objects, arrays, strings, numbers. */
    static final class MiniJson {
        private final String text;
        private int at;

        private MiniJson(String text) {
            this.text = text;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> object(String text) {
            MiniJson parser = new MiniJson(text);
            Object value = parser.value();
            parser.skipSpace();
            if (parser.at != text.length() || !(value instanceof Map)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return (Map<String, Object>) value;
        }

        private Object value() {
            skipSpace();
            char c = text.charAt(at);
            switch (c) {
                case '{' -> {
                    Map<String, Object> map = new LinkedHashMap<>();
                    at++;
                    skipSpace();
                    if (text.charAt(at) == '}') {
                        at++;
                        return map;
                    }
                    while (true) {
                        skipSpace();
                        String key = string();
                        skipSpace();
                        expect(':');
                        map.put(key, value());
                        skipSpace();
                        if (text.charAt(at++) == '}') {
                            return map;
                        }
                    }
                }
                case '[' -> {
                    List<Object> list = new ArrayList<>();
                    at++;
                    skipSpace();
                    if (text.charAt(at) == ']') {
                        at++;
                        return list;
                    }
                    while (true) {
                        list.add(value());
                        skipSpace();
                        if (text.charAt(at++) == ']') {
                            return list;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    if (text.startsWith("true", at) || text.startsWith("false", at) || text.startsWith("null", at)) {
                        String word = text.startsWith("true", at) ? "true"
                                : text.startsWith("false", at) ? "false" : "null";
                        at += word.length();
                        return word.equals("null") ? null : Boolean.valueOf(word);
                    }
                    int start = at;
                    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                        at++;
                    }
                    return Double.valueOf(text.substring(start, at));
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (text.charAt(at) != '"') {
                char c = text.charAt(at++);
                if (c == '\\') {
                    char e = text.charAt(at++);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 't' -> out.append('\t');
                        case 'r' -> out.append('\r');
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'u' -> {
                            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                            at += 4;
                        }
                        default -> out.append(e);
                    }
                } else {
                    out.append(c);
                }
            }
            at++;
            return out.toString();
        }

        private void expect(char c) {
            if (text.charAt(at++) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + (at - 1));
            }
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }
    }

    @Test
    void theJsonReaderReadsWhatTheCasesUse() {
        Map<String, Object> o = MiniJson.object(
                "{\"a\": [1, -2.5e1, {\"b\": \"x\\\"y\"}], \"c\": true, \"d\": null, \"e\": {}}");
        assertEquals(List.of(1.0, -25.0, Map.of("b", "x\"y")), o.get("a"));
        assertEquals(Boolean.TRUE, o.get("c"));
        assertTrue(o.containsKey("d"));
        assertFalse(o.get("e") == null);
    }
}
