package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The merges the real mergekit made ({@code shared/mergekit-cases}) re-run with {@code evomerge merge}, unchanged
 * recipes and mergekit's own flags ({@code mergekit_flags}, and {@code --random-seed 0}), the case folder as working
 * directory, compared tensor by tensor with the tolerances of the cases'
 * {@code compare.py}: per element |actual − expected| ≤ k·ulp(|expected|) + atol_rel·max|expected| (F32: relative
 * 2e-5 and 2e-6; BF16/F16: 2 ulp and 2^-9 / 2^-12), with the case's max_bad_fraction for top-k methods. The random
 * case (DARE) checks mergekit's L1-preserving rescale exactly on kept entries and the keep fraction statistically.
 */
class MergekitGoldenIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    static Stream<String> cases() throws IOException {
        Path cases = casesFolder();
        if (!Files.isDirectory(cases)) {
            return Stream.of("(no shared/mergekit-cases)");
        }
        try (Stream<Path> dirs = Files.list(cases)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("case.json")))
                    .map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    private static Path casesFolder() {
        return Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void evomergeReproducesMergekit(String name) throws IOException {
        Path caseDir = casesFolder().resolve(name);
        Assumptions.assumeTrue(Files.isDirectory(caseDir), "shared mergekit cases not present");
        JsonNode spec = JSON.readTree(caseDir.resolve("case.json").toFile());
        Path out = temp.resolve("out");
        // The command line mergekit-yaml ran, flags included: mergekit's options mean the same here.
        List<String> args = new java.util.ArrayList<>(List.of("merge", "config.yml", out.toString()));
        spec.path("mergekit_flags").forEach(flag -> args.add(flag.asText()));
        args.addAll(List.of("--random-seed", "0"));
        Processes.Result result = Distributions.evomerge(Distributions.built(), caseDir, temp.resolve("user"),
                args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.toString());
        if (args.contains("--no-write-model-card")) {
            assertTrue(Files.notExists(out.resolve("README.md")) && Files.notExists(out.resolve("mergekit_config.yml")),
                    "--no-write-model-card");
        }
        Map<String, Tensor> expected = read(caseDir.resolve("expected"));
        Map<String, Tensor> actual = read(out);
        assertEquals(expected.keySet(), actual.keySet(), "tensor names");
        // config.json as mergekit writes it: the dtype under "dtype" (we add "torch_dtype" for older readers) and
        // the source's fractional numbers with their text ("rms_norm_eps": 1e-05).
        String expectedConfig = Files.readString(caseDir.resolve("expected/config.json"));
        String actualConfig = Files.readString(out.resolve("config.json"));
        assertEquals(JSON.readTree(expectedConfig).get("dtype"), JSON.readTree(actualConfig).get("dtype"), "dtype");
        Matcher fraction = Pattern.compile("(?m)^\\s*(\"\\w+\": -?[0-9]+[.eE][-+0-9.eE]*),?$").matcher(expectedConfig);
        while (fraction.find()) {
            assertTrue(actualConfig.contains(fraction.group(1)), fraction.group(1) + " in " + actualConfig);
        }
        if (spec.has("config_checks")) {
            JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
            for (Iterator<Map.Entry<String, JsonNode>> it = spec.get("config_checks").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> check = it.next();
                assertEquals(check.getValue(), config.get(check.getKey()), "config.json " + check.getKey());
            }
        }
        if ("random".equals(spec.path("kind").asText())) {
            checkRandom(caseDir, spec, expected, actual);
            return;
        }
        double maxBad = spec.path("max_bad_fraction").asDouble(0);
        for (String tensor : expected.keySet()) {
            Tensor e = expected.get(tensor);
            Tensor a = actual.get(tensor);
            assertEquals(e.dtype(), a.dtype(), tensor + " dtype");
            assertEquals(e.shape(), a.shape(), tensor + " shape");
            double maxAbs = 0;
            for (double v : e.values()) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            int bad = 0;
            for (int i = 0; i < e.values().length; i++) {
                double ev = e.values()[i];
                double tolerance = switch (e.dtype()) {
                    case "BF16" -> 2 * Math.ulp((float) Math.abs(ev)) * 65536 + maxAbs * Math.pow(2, -9);
                    case "F16" -> 2 * Math.ulp((float) Math.abs(ev)) * 8192 + maxAbs * Math.pow(2, -12);
                    default -> 2e-5 * Math.abs(ev) + 2e-6 * maxAbs;
                };
                if (!(Math.abs(a.values()[i] - ev) <= tolerance)) {
                    bad++;
                }
            }
            assertTrue(bad <= maxBad * e.values().length, name + ": " + tensor + " has " + bad + " of "
                    + e.values().length + " elements outside tolerance (allowed fraction " + maxBad + ")");
        }
    }

    /** mergekit's DARE keeps each delta element with probability density and rescales kept ones to keep ‖δ‖₁. */
    private void checkRandom(Path caseDir, JsonNode spec, Map<String, Tensor> expected, Map<String, Tensor> actual)
            throws IOException {
        JsonNode exact = spec.get("exact_rescale");
        Map<String, Tensor> base = read(caseDir.resolve(spec.get("base_model").asText()));
        Map<String, Tensor> tuned = read(caseDir.resolve(exact.get("model").asText()));
        double weight = exact.get("weight").asDouble();
        double density = JSON.readTree(Files.readString(caseDir.resolve("config.yml"))
                .replaceAll("(?s).*density:\\s*([0-9.]+).*", "{\"d\": $1}")).get("d").asDouble();
        long kept = 0;
        long total = 0;
        for (String tensor : expected.keySet()) {
            double[] b = base.get(tensor).values();
            double[] t = tuned.get(tensor).values();
            double[] a = actual.get(tensor).values();
            double l1 = 0;
            double keptL1 = 0;
            for (int i = 0; i < a.length; i++) {
                double delta = t[i] - b[i];
                l1 += Math.abs(delta);
                if (a[i] != b[i]) {
                    keptL1 += Math.abs(delta);
                }
            }
            for (int i = 0; i < a.length; i++) {
                double delta = t[i] - b[i];
                if (a[i] == b[i] || delta == 0) {
                    continue;
                }
                kept++;
                double want = b[i] + delta * weight * (l1 / keptL1);
                assertEquals(want, a[i], 2e-5 * Math.abs(want) + 1e-6, tensor + "[" + i + "] rescale");
            }
            total += a.length;
        }
        double fraction = (double) kept / total;
        double sigma = Math.sqrt(density * (1 - density) / total);
        assertTrue(Math.abs(fraction - density) <= 5 * sigma + 0.01, "kept fraction " + fraction + " vs density "
                + density);
    }

    record Tensor(String dtype, List<Long> shape, double[] values) {
    }

    /** Every tensor of every .safetensors file in a folder, decoded to double (F32, BF16, F16). */
    static Map<String, Tensor> read(Path folder) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList()) {
                ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
                int headerLength = (int) bytes.getLong(0);
                JsonNode header = JSON.readTree(new String(bytes.array(), 8, headerLength));
                int dataStart = 8 + headerLength;
                for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    if (entry.getKey().equals("__metadata__")) {
                        continue;
                    }
                    String dtype = entry.getValue().get("dtype").asText();
                    List<Long> shape = new java.util.ArrayList<>();
                    entry.getValue().get("shape").forEach(d -> shape.add(d.asLong()));
                    int begin = entry.getValue().get("data_offsets").get(0).asInt();
                    int end = entry.getValue().get("data_offsets").get(1).asInt();
                    int width = dtype.equals("F32") ? 4 : 2;
                    double[] values = new double[(end - begin) / width];
                    for (int i = 0; i < values.length; i++) {
                        int at = dataStart + begin + i * width;
                        values[i] = switch (dtype) {
                            case "F32" -> bytes.getFloat(at);
                            case "BF16" -> Float.intBitsToFloat((bytes.getShort(at) & 0xFFFF) << 16);
                            case "F16" -> Float.float16ToFloat(bytes.getShort(at));
                            default -> throw new IllegalStateException("unexpected dtype " + dtype);
                        };
                    }
                    tensors.put(entry.getKey(), new Tensor(dtype, shape, values));
                }
            }
        }
        return tensors;
    }
}
