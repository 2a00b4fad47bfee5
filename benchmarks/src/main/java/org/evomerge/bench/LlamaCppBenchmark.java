package org.evomerge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.inference.LlamaInferenceEngine;
import org.evomerge.plugins.gguf.GgufFormatFactory;
import org.evomerge.plugins.safetensors.SafetensorsFormatFactory;

/**
 * evomerge beside llama.cpp on the same weights, in one run: a Llama model (generated, or a given safetensors folder)
 * is written as GGUF files in each type by evomerge's GGUF writer ({@code evomerge convert}'s), or by llama.cpp's
 * {@code llama-quantize} for its mixed k-quant types; each file is scored by evomerge's engine (prompt processing and
 * generation, {@link InferenceBenchmark#measure}) and by {@code llama-bench -p N -n M -t T -r R -o json}, one after
 * the other, and the table gives both rates and their ratio. The safetensors folder itself is measured last, by
 * evomerge alone (llama.cpp reads GGUF only).
 *
 * <p>Both sides as llama-bench counts: prompt processing is {@code N} tokens from an empty context, generation
 * {@code M} tokens one at a time from an empty context; each side's best repetition (llama-bench's fastest sample).
 */
public final class LlamaCppBenchmark {

    /** How to get llama-bench, printed when {@code --llama-bench} does not name it. */
    static final String HOW_TO_BUILD = "build llama.cpp beside the project from its public source:"
            + " git clone https://github.com/ggml-org/llama.cpp ../llama.cpp &&"
            + " cmake -S ../llama.cpp -B ../llama.cpp/build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF &&"
            + " cmake --build ../llama.cpp/build -j2 --target llama-bench llama-quantize;"
            + " then pass --llama-bench ../llama.cpp/build/bin/llama-bench"
            + " (and --llama-quantize ../llama.cpp/build/bin/llama-quantize for Q4_K_M, Q5_K_M, Q6_K)";

    /** The types evomerge's GGUF writer writes, by their {@code --out-type} names. */
    private static final Map<String, String> WRITER_TYPES = Map.of("F32", "f32", "F16", "f16", "BF16", "bf16",
            "Q8_0", "q8_0", "Q4_0", "q4_0");

    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaCppBenchmark() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path llamaBench = null;
        Path llamaQuantize = null;
        Path folder = null;
        Path dir = null;
        String sizeName = "100M";
        List<String> types = List.of("F32", "BF16", "Q8_0", "Q4_0");
        int prompt = 128;
        int generate = 32;
        int rounds = 3;
        int threads = 2;
        List<String> llamaBenchArgs = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--llama-bench" -> llamaBench = Path.of(args[++i]);
                case "--llama-quantize" -> llamaQuantize = Path.of(args[++i]);
                case "--model" -> folder = Path.of(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--size" -> sizeName = args[++i];
                case "--types" -> types = Arrays.stream(args[++i].split(",")).map(t -> t.toUpperCase(Locale.ROOT))
                        .toList();
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--generate" -> generate = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--llama-bench-args" -> llamaBenchArgs = List.of(args[++i].trim().split("\\s+"));
                default -> {
                    System.err.println("unknown option " + args[i] + " (--llama-bench PATH [--llama-quantize PATH]"
                            + " [--model DIR | --size 100M|1B] [--types F32,BF16,Q8_0,Q4_0] [--prompt 128]"
                            + " [--generate 32] [--rounds 3] [--threads 2] [--llama-bench-args \"--poll 0\"]"
                            + " [--dir DIR])");
                    System.exit(2);
                }
            }
        }
        if (llamaBench == null || !Files.isExecutable(llamaBench)) {
            System.err.println((llamaBench == null ? "no --llama-bench given" : "llama-bench not found at "
                    + llamaBench) + ": " + HOW_TO_BUILD);
            System.exit(2);
        }
        for (String type : types) {
            if (!WRITER_TYPES.containsKey(type) && llamaQuantize == null) {
                System.err.println("type " + type + " is written by llama-quantize: pass --llama-quantize PATH ("
                        + HOW_TO_BUILD + ")");
                System.exit(2);
            }
        }
        InferenceBenchmark.Size size = InferenceBenchmark.SIZES.get(sizeName);
        if (folder == null && size == null) {
            System.err.println("unknown size " + sizeName + " (100M, 1B)");
            System.exit(2);
        }
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("evomerge-llamacpp");
        try (ScratchDirectory scratch = ScratchDirectory.create(null, false)) {
            RunContext context = new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(),
                    ProgressReporter.SILENT, scratch, threads, Map.of());
            ModelFormat safetensors = new SafetensorsFormatFactory().create(Parameters.EMPTY, null);
            if (folder == null) {
                folder = work.resolve("model");
                System.out.printf("generating a %s Llama (random weights, F32) as a safetensors folder in %s%n",
                        sizeName, folder);
                generate(safetensors, size, folder);
            }
            LlamaInferenceEngine engine = new LlamaInferenceEngine(threads, m -> Optional.empty());
            System.out.printf("threads: %d; prompt processing: %d tokens; generation: %d tokens; best of %d;"
                    + " llama-bench %s%n", threads, prompt, generate, rounds,
                    String.join(" ", llamaBenchArgs).isEmpty() ? "defaults" : String.join(" ", llamaBenchArgs));
            System.out.printf("%-24s %12s %14s %7s %12s %14s %7s%n", "weights", "evomerge pp", "llama.cpp pp",
                    "ratio", "evomerge tg", "llama.cpp tg", "ratio");
            Path f32 = null;
            for (String type : types) {
                Path gguf = work.resolve("model-" + type + ".gguf");
                if (WRITER_TYPES.containsKey(type)) {
                    writeGguf(context, safetensors, folder, gguf, WRITER_TYPES.get(type));
                    if (type.equals("F32")) {
                        f32 = gguf;
                    }
                } else {
                    if (f32 == null) {
                        f32 = work.resolve("model-F32.gguf");
                        writeGguf(context, safetensors, folder, f32, "f32");
                    }
                    quantize(llamaQuantize, f32, gguf, type);
                }
                Rates ours;
                ModelFormat gguFormat = new GgufFormatFactory().create(Parameters.EMPTY, context);
                try (Model model = gguFormat.open(gguf)) {
                    ours = evomerge(engine, model, prompt, generate, rounds);
                }
                Rates theirs = llamaBench(llamaBench, llamaBenchArgs, gguf, prompt, generate, rounds, threads);
                System.out.printf("%-24s %12.1f %14.1f %6.2fx %12.2f %14.2f %6.2fx%n", "GGUF " + type, ours.prompt(),
                        theirs.prompt(), ours.prompt() / theirs.prompt(), ours.generation(), theirs.generation(),
                        ours.generation() / theirs.generation());
                if (dir == null) {
                    Files.deleteIfExists(gguf);
                }
            }
            Rates folderRates;
            try (Model model = safetensors.open(folder)) {
                folderRates = evomerge(engine, model, prompt, generate, rounds);
            }
            System.out.printf("%-24s %12.1f %14s %7s %12.2f %14s %7s%n", "safetensors (evomerge)", folderRates.prompt(),
                    "", "", folderRates.generation(), "", "");
            System.out.println("tokens/s; ratio = evomerge / llama.cpp");
        } finally {
            if (dir == null) {
                deleteTree(work);
            }
        }
    }

    /** Tokens per second of prompt processing and of generation. */
    private record Rates(double prompt, double generation) {
    }

    private static Rates evomerge(LlamaInferenceEngine engine, Model model, int prompt, int generate, int rounds) {
        try (LanguageModel lm = engine.load(model)) {
            int[] tokens = new SplittableRandom(1).ints(prompt, 0, lm.vocabularySize()).toArray();
            InferenceBenchmark.Timing timing = InferenceBenchmark.measure(lm, tokens, generate, rounds, true);
            return new Rates(prompt / (timing.prefillNanos() / 1e9), generate / (timing.decodeNanos() / 1e9));
        }
    }

    /** {@code llama-bench -o json}: the fastest sample of its {@code pp} test and of its {@code tg} test. */
    private static Rates llamaBench(Path llamaBench, List<String> extraArgs, Path gguf, int prompt, int generate,
                                    int rounds, int threads) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(llamaBench.toString(), "-m", gguf.toString(), "-p",
                Integer.toString(prompt), "-n", Integer.toString(generate), "-t", Integer.toString(threads), "-r",
                Integer.toString(rounds), "-o", "json"));
        command.addAll(extraArgs);
        String output = run(command);
        JsonNode results = JSON.readTree(output);
        double pp = 0;
        double tg = 0;
        for (JsonNode test : results) {
            double best = 0;
            for (JsonNode sample : test.path("samples_ts")) {
                best = Math.max(best, sample.asDouble());
            }
            if (test.path("n_prompt").asInt() > 0 && test.path("n_gen").asInt() == 0) {
                pp = best;
            } else if (test.path("n_gen").asInt() > 0 && test.path("n_prompt").asInt() == 0) {
                tg = best;
            }
        }
        if (pp == 0 || tg == 0) {
            throw new IllegalStateException("llama-bench printed no pp and tg results: " + output);
        }
        return new Rates(pp, tg);
    }

    private static void quantize(Path llamaQuantize, Path f32, Path out, String type)
            throws IOException, InterruptedException {
        run(List.of(llamaQuantize.toString(), f32.toString(), out.toString(), type));
    }

    /** Runs {@code command}, returning its standard output; its standard error goes to a file shown on failure. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("llamacpp", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(1, TimeUnit.HOURS) || process.exitValue() != 0) {
                String log = Files.readString(errors);
                throw new IllegalStateException(String.join(" ", command) + " failed:\n"
                        + log.substring(Math.max(0, log.length() - 2000)));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** Writes the model in {@code folder} as {@code gguf}, matrices in {@code outType}, as {@code evomerge convert}. */
    private static void writeGguf(RunContext context, ModelFormat safetensors, Path folder, Path gguf, String outType)
            throws IOException {
        ModelFormat format = new GgufFormatFactory().create(new Parameters(Map.of("out_type", outType)), context);
        try (Model model = safetensors.open(folder)) {
            List<TensorInfo> tensors = model.tensors().tensors();
            WriteOptions options = new WriteOptions(tensors, model.config(), WriteOptions.DEFAULT_SHARD_BYTES, true,
                    Map.of(), new ArrayList<>(model.sideFiles()));
            try (ModelWriter writer = format.create(gguf, options)) {
                for (TensorInfo info : tensors) {
                    writer.write(info, model.tensors().tensor(info.name()).data());
                }
                writer.commit();
            }
        }
    }

    /** The generated model of {@code size} as an F32 safetensors folder. */
    private static void generate(ModelFormat safetensors, InferenceBenchmark.Size size, Path folder)
            throws IOException {
        try (Arena arena = Arena.ofShared()) {
            Model model = new InferenceBenchmark.RandomLlama(size, DType.F32, arena).model();
            List<TensorInfo> tensors = model.tensors().tensors();
            Map<String, Object> raw = new LinkedHashMap<>(model.config().raw());
            raw.put("torch_dtype", "float32");
            WriteOptions options = new WriteOptions(tensors, org.evomerge.api.model.ModelConfig.of(raw),
                    WriteOptions.DEFAULT_SHARD_BYTES, true, Map.of(), List.of());
            try (ModelWriter writer = safetensors.create(folder, options)) {
                for (TensorInfo info : tensors) {
                    writer.write(info, model.tensors().tensor(info.name()).data());
                }
                writer.commit();
            }
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
