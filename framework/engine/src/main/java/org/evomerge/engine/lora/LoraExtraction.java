package org.evomerge.engine.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureDescription;
import org.evomerge.engine.architecture.TensorPlacement;
import org.evomerge.engine.architecture.TensorRole;
import org.evomerge.engine.context.FolderTree;

/**
 * {@code evomerge extract-lora}: a PEFT LoRA adapter approximating {@code finetuned - base}, as mergekit's
 * {@code mergekit-extract-lora} makes it. Per module ({@code NAME.weight}):
 * <ul>
 *   <li>a 2-D weight is decomposed: the best rank-{@code r} approximation of its delta by a truncated SVD
 *       ({@link TruncatedSvd}), {@code r = min(max rank, count of singular values > sv-epsilon)}, written as
 *       {@code lora_A = sqrt(S) V^T} and {@code lora_B = U sqrt(S)} (all of {@code S} on A with
 *       {@code distributeScale} off), in the fine-tune's dtype; an embedding's delta is transposed first and written as
 *       {@code lora_embedding_A/B}; a bias delta as {@code lora_B.bias};</li>
 *   <li>embeddings and the output head go whole into {@code modules_to_save} unless {@code embedLora}; so do the
 *       modules named by {@code modulesToSave} (full name or last component) and undecomposable (1-D) modules,
 *       unless {@code skipUndecomposable};</li>
 *   <li>{@code include} / {@code exclude} regexes (found anywhere in the module name) pick the decomposed modules.</li>
 * </ul>
 * The configuration is mergekit's: {@code r = lora_alpha =} the largest rank used (PEFT's scale {@code alpha / r} is 1),
 * {@code rank_pattern} and {@code alpha_pattern} for modules of lower rank. A module whose delta has no singular value
 * above {@code sv-epsilon} (an unchanged module) is left out rather than written with rank 0, which PEFT cannot load.
 *
 * <p>One module at a time: two tensors and the delta in float64 are in memory, plus the factors written so far
 * (rank times the sides of each module, small next to the model); modules saved whole are copied from the fine-tune
 * when the adapter is written. The adapter appears at the destination in one rename, or not at all.
 */
public final class LoraExtraction {

    /** How singular values are found. */
    public enum SvdMethod {
        /** {@link #EXACT} up to {@link #EXACT_MAX_SIDE} rows or columns on the smaller side, else {@link #RANDOMIZED}. */
        AUTO,
        EXACT,
        RANDOMIZED
    }

    /**
     * The smaller side above which {@link SvdMethod#AUTO} uses the randomized SVD. EJML's full SVD grows with
     * {@code rows * cols * min(rows, cols)} on one thread: about 15 s for a 1024-square matrix on a busy 2-core machine,
     * against 3 s for the rank-64 randomized one, so every weight of a model 2048 wide or more goes the randomized way.
     */
    public static final int EXACT_MAX_SIDE = 1024;

    /**
     * What to extract.
     *
     * @param maxRank            the largest rank of a module's factors (mergekit's {@code --max-rank}, default 128)
     * @param svEpsilon          singular values at or below it are dropped, per module ({@code --sv-epsilon}, 0)
     * @param include            regexes; when any is given, only modules one of them finds are decomposed
     * @param exclude            regexes; modules one of them finds are not decomposed
     * @param embedLora          decompose embeddings instead of saving them whole ({@code --embed-lora})
     * @param modulesToSave      modules saved whole, by full name or last component ({@code --save-module})
     * @param skipUndecomposable leave out modules that are not 2-D instead of saving them whole
     * @param distributeScale    split the singular values between A and B as their square roots (mergekit's default)
     * @param svd                how singular values are found
     * @param seed               the randomized SVD's seed (each module's stream is derived from it and its name)
     */
    public record Options(int maxRank, double svEpsilon, List<String> include, List<String> exclude, boolean embedLora,
                          List<String> modulesToSave, boolean skipUndecomposable, boolean distributeScale,
                          SvdMethod svd, long seed) {
        public Options {
            if (maxRank < 1) {
                throw EvomergeException.configuration("--max-rank must be at least 1, got " + maxRank);
            }
            if (!(svEpsilon >= 0) || Double.isInfinite(svEpsilon)) {
                throw EvomergeException.configuration("--sv-epsilon must be a number >= 0, got " + svEpsilon);
            }
            include = List.copyOf(include);
            exclude = List.copyOf(exclude);
            modulesToSave = List.copyOf(modulesToSave);
            Objects.requireNonNull(svd, "svd");
        }
    }

    /**
     * What was done to one module.
     *
     * @param module        the module name ({@code model.layers.0.self_attn.q_proj})
     * @param kind          {@code lora}, {@code lora_embedding}, {@code save} (whole) or {@code unchanged} (no
     *                      singular value above epsilon: left out)
     * @param shape         the weight's shape
     * @param rank          the rank written (0 for {@code save} and {@code unchanged})
     * @param relativeError {@code ||delta - B A||_F / ||delta||_F} with the factors as written (0 for an all-zero
     *                      delta); NaN for {@code save}
     */
    public record ModuleResult(String module, String kind, Shape shape, int rank, double relativeError) {
    }

    /** The adapter written, and each module's result in model order. */
    public record Result(Path output, int rank, List<ModuleResult> modules) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<TensorRole> EMBEDDINGS = Set.of(TensorRole.EMBEDDING, TensorRole.POSITION_EMBEDDING,
            TensorRole.OUTPUT_HEAD);
    private static final Set<TensorRole> INPUT_EMBEDDINGS = Set.of(TensorRole.EMBEDDING, TensorRole.POSITION_EMBEDDING);

    private LoraExtraction() {
    }

    /** A decomposed or saved module, held until the adapter is written. */
    private record Planned(String module, String kind, List<TensorInfo> infos, List<float[]> values,
                           List<String> wholeFrom) {
    }

    /**
     * Extracts the adapter of {@code finetuned} over {@code base} into {@code output}.
     *
     * @param architecture  the fine-tune's architecture, for which tensors are embeddings
     * @param writer        the safetensors format, which writes the weights file
     * @param baseReference how the adapter names its base model ({@code base_model_name_or_path})
     * @param card          the model card's text ({@code README.md})
     * @param progress      told of each module as it is done
     * @throws EvomergeException (INPUT) naming the model and tensor when the models' tensors do not correspond, or
     *                           (CONFIGURATION) when {@code output} exists and is not empty
     */
    public static Result run(Model finetuned, Model base, ArchitectureDescription architecture, ModelFormat writer,
                             Options options, Path output, String baseReference, String card,
                             Consumer<ModuleResult> progress) {
        Path destination = output.toAbsolutePath().normalize();
        if (Files.exists(destination) && !isEmptyFolder(destination)) {
            throw EvomergeException.configuration(destination + ": already exists; choose another output folder");
        }
        List<Pattern> include = compile(options.include(), "--include-regex");
        List<Pattern> exclude = compile(options.exclude(), "--exclude-regex");
        Map<String, TensorInfo> baseTensors = new LinkedHashMap<>();
        base.tensors().tensors().forEach(t -> baseTensors.put(t.name(), t));
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        finetuned.tensors().tensors().forEach(t -> tensors.put(t.name(), t));
        String finetunedName = finetuned.location().map(Path::toString).orElse("the fine-tuned model");

        Set<String> modulesToSave = new LinkedHashSet<>(options.modulesToSave());
        List<Planned> planned = new ArrayList<>();
        List<ModuleResult> results = new ArrayList<>();
        for (TensorInfo info : tensors.values()) {
            if (!info.name().endsWith(".weight")) {
                continue; // biases go with their weights; buffers are not modules
            }
            String module = info.name().substring(0, info.name().length() - ".weight".length());
            String key = module.substring(module.lastIndexOf('.') + 1);
            TensorRole role = role(architecture, info.name());
            boolean embedding = EMBEDDINGS.contains(role);
            if (!options.embedLora() && embedding && exclude.stream().noneMatch(p -> p.matcher(module).find())) {
                modulesToSave.add(key);
            }
            Optional<TensorInfo> bias = Optional.ofNullable(tensors.get(module + ".bias"));
            ModuleResult result;
            if (modulesToSave.contains(module) || modulesToSave.contains(key)) {
                planned.add(saved(module, info, bias));
                result = new ModuleResult(module, "save", info.shape(), 0, Double.NaN);
            } else if (!extracts(module, include, exclude)) {
                continue;
            } else if (info.shape().rank() == 2) {
                TensorInfo baseInfo = baseTensors.get(info.name());
                if (baseInfo == null) {
                    throw EvomergeException.input(base.location().map(Path::toString).orElse("the base model")
                            + ": no tensor '" + info.name() + "', which " + finetunedName + " has", null);
                }
                if (!baseInfo.shape().equals(info.shape())) {
                    throw EvomergeException.input(finetunedName + ": tensor '" + info.name() + "' is " + info.shape()
                            + ", the base model's is " + baseInfo.shape() + "; a LoRA cannot change a shape", null);
                }
                boolean transpose = INPUT_EMBEDDINGS.contains(role);
                Decomposed d = decompose(finetuned, base, info, transpose, options, finetunedName);
                Optional<float[]> biasDelta = bias.filter(b -> baseTensors.containsKey(b.name()))
                        .map(b -> difference(finetuned.tensors().tensor(b.name()), base.tensors().tensor(b.name()),
                                finetunedName));
                String kind = transpose ? "lora_embedding" : "lora";
                if (d.rank() == 0) {
                    result = new ModuleResult(module, "unchanged", info.shape(), 0, 0);
                } else {
                    List<TensorInfo> infos = new ArrayList<>();
                    List<float[]> values = new ArrayList<>();
                    String suffix = transpose ? "" : ".weight";
                    DType type = info.dtype();
                    infos.add(new TensorInfo(LoraAdapter.PREFIX + module + "." + kind + "_A" + suffix, type,
                            Shape.of(d.rank(), d.cols()), ""));
                    values.add(d.a());
                    infos.add(new TensorInfo(LoraAdapter.PREFIX + module + "." + kind + "_B" + suffix, type,
                            Shape.of(d.rows(), d.rank()), ""));
                    values.add(d.b());
                    biasDelta.ifPresent(v -> {
                        infos.add(new TensorInfo(LoraAdapter.PREFIX + module + ".lora_B.bias", type,
                                Shape.of(v.length), ""));
                        values.add(v);
                    });
                    planned.add(new Planned(module, kind, infos, values, List.of()));
                    result = new ModuleResult(module, kind, info.shape(), d.rank(), d.relativeError());
                }
            } else if (!options.skipUndecomposable()) {
                modulesToSave.add(key);
                planned.add(saved(module, info, bias));
                result = new ModuleResult(module, "save", info.shape(), 0, Double.NaN);
            } else {
                continue;
            }
            results.add(result);
            progress.accept(result);
        }
        int rank = results.stream().mapToInt(ModuleResult::rank).max().orElse(0);
        if (rank == 0 && planned.stream().noneMatch(p -> p.kind().equals("save"))) {
            throw EvomergeException.input(finetunedName + ": nothing to extract (no module differs from the base"
                    + " above --sv-epsilon among the modules selected)", null);
        }
        write(finetuned, planned, config(baseReference, Math.max(rank, 1), results, modulesToSave, planned), card,
                writer, destination);
        return new Result(destination, rank, results);
    }

    private static Planned saved(String module, TensorInfo weight, Optional<TensorInfo> bias) {
        List<TensorInfo> infos = new ArrayList<>();
        List<String> from = new ArrayList<>();
        infos.add(new TensorInfo(LoraAdapter.PREFIX + weight.name(), weight.dtype(), weight.shape(), ""));
        from.add(weight.name());
        bias.ifPresent(b -> {
            infos.add(new TensorInfo(LoraAdapter.PREFIX + b.name(), b.dtype(), b.shape(), ""));
            from.add(b.name());
        });
        return new Planned(module, "save", infos, List.of(), from);
    }

    private static boolean extracts(String module, List<Pattern> include, List<Pattern> exclude) {
        if (!include.isEmpty() && include.stream().noneMatch(p -> p.matcher(module).find())) {
            return false;
        }
        return exclude.stream().noneMatch(p -> p.matcher(module).find());
    }

    private static TensorRole role(ArchitectureDescription architecture, String name) {
        TensorRole role = architecture.moduleOf(name).flatMap(m -> m.classify(name)).map(TensorPlacement::role)
                .orElse(TensorRole.OTHER);
        if (role != TensorRole.OTHER) {
            return role;
        }
        // Hugging Face's usual names, for models whose architecture evomerge does not describe.
        String module = name.substring(0, name.length() - ".weight".length());
        String key = module.substring(module.lastIndexOf('.') + 1);
        return switch (key) {
            case "embed_tokens", "wte", "embed_in", "word_embeddings" -> TensorRole.EMBEDDING;
            case "wpe" -> TensorRole.POSITION_EMBEDDING;
            case "lm_head", "embed_out" -> TensorRole.OUTPUT_HEAD;
            default -> TensorRole.OTHER;
        };
    }

    private static List<Pattern> compile(List<String> regexes, String option) {
        List<Pattern> patterns = new ArrayList<>();
        for (String regex : regexes) {
            try {
                patterns.add(Pattern.compile(regex));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw EvomergeException.configuration(option + " '" + regex + "': not a valid regex ("
                        + e.getDescription() + ")");
            }
        }
        return patterns;
    }

    /** One module's factors, rounded to the fine-tune's dtype: {@code a} is {@code rank x cols}, {@code b} is {@code rows x rank}. */
    record Decomposed(int rows, int cols, int rank, float[] a, float[] b, double relativeError) {
    }

    private static Decomposed decompose(Model finetuned, Model base, TensorInfo info, boolean transpose,
                                        Options options, String finetunedName) {
        float[] delta = difference(finetuned.tensors().tensor(info.name()), base.tensors().tensor(info.name()),
                finetunedName);
        int rows = (int) info.shape().dim(0);
        int cols = (int) info.shape().dim(1);
        DMatrixRMaj m = transpose ? new DMatrixRMaj(cols, rows) : new DMatrixRMaj(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = delta[i * cols + j];
                if (transpose) {
                    m.data[j * rows + i] = v;
                } else {
                    m.data[i * cols + j] = v;
                }
            }
        }
        return factor(m, info.dtype(), options, info.name());
    }

    /**
     * The factors of {@code m}'s best rank-{@code r} approximation, {@code r = min(max rank, sides, count of singular
     * values > epsilon)}, rounded to {@code type}, and the relative error of their product.
     */
    static Decomposed factor(DMatrixRMaj m, DType type, Options options, String name) {
        int min = Math.min(m.numRows, m.numCols);
        int k = Math.min(options.maxRank(), min);
        boolean randomized = options.svd() == SvdMethod.RANDOMIZED
                || (options.svd() == SvdMethod.AUTO && min > EXACT_MAX_SIDE);
        TruncatedSvd svd = randomized ? TruncatedSvd.randomized(m, k, options.seed() ^ name.hashCode())
                : TruncatedSvd.exact(m, k);
        int rank = 0;
        while (rank < svd.rank() && svd.s()[rank] > options.svEpsilon()) {
            rank++;
        }
        int rows = m.numRows;
        int cols = m.numCols;
        float[] a = new float[rank * cols];
        float[] b = new float[rows * rank];
        for (int r = 0; r < rank; r++) {
            double s = svd.s()[r];
            double scaleA = options.distributeScale() ? Math.sqrt(s) : s;
            double scaleB = options.distributeScale() ? Math.sqrt(s) : 1;
            for (int j = 0; j < cols; j++) {
                a[r * cols + j] = round(scaleA * svd.vt().get(r, j), type);
            }
            for (int i = 0; i < rows; i++) {
                b[i * rank + r] = round(svd.u().get(i, r) * scaleB, type);
            }
        }
        return new Decomposed(rows, cols, rank, a, b, relativeError(m, a, b, rank));
    }

    /** {@code ||m - b a||_F / ||m||_F} in float64; 0 when {@code m} is all zero. */
    static double relativeError(DMatrixRMaj m, float[] a, float[] b, int rank) {
        double residual = 0;
        double norm = 0;
        double[] row = new double[m.numCols];
        for (int i = 0; i < m.numRows; i++) {
            java.util.Arrays.fill(row, 0);
            for (int r = 0; r < rank; r++) {
                double l = b[i * rank + r];
                int at = r * m.numCols;
                for (int j = 0; j < m.numCols; j++) {
                    row[j] += l * a[at + j];
                }
            }
            for (int j = 0; j < m.numCols; j++) {
                double v = m.data[i * m.numCols + j];
                norm += v * v;
                double d = v - row[j];
                residual += d * d;
            }
        }
        return norm == 0 ? 0 : Math.sqrt(residual / norm);
    }

    private static float round(double value, DType type) {
        MemorySegment one = MemorySegment.ofArray(new long[1]);
        TensorFloats.set(one, type, 0, value);
        return TensorFloats.get(one, type, 0);
    }

    private static float[] difference(Tensor finetuned, Tensor base, String finetunedName) {
        Path file = Path.of(finetunedName);
        float[] f = TensorFloats.of(finetuned, file);
        float[] b = TensorFloats.of(base, file);
        if (f.length != b.length) {
            throw EvomergeException.input(finetunedName + ": tensor '" + finetuned.info().name() + "' is "
                    + finetuned.info().shape() + ", the base model's is " + base.info().shape(), null);
        }
        for (int i = 0; i < f.length; i++) {
            f[i] -= b[i];
            if (!Float.isFinite(f[i])) {
                // an SVD of NaN or infinity does not converge; name the tensor instead
                throw EvomergeException.input(finetunedName + ": tensor '" + finetuned.info().name() + "' minus the"
                        + " base model's is not finite at element " + i + " (NaN or infinity in either model)", null);
            }
        }
        return f;
    }

    private static Map<String, Object> config(String baseReference, int rank, List<ModuleResult> results,
                                              Set<String> modulesToSave, List<Planned> planned) {
        Map<String, Integer> pattern = new LinkedHashMap<>();
        Set<String> targets = new java.util.TreeSet<>();
        for (ModuleResult r : results) {
            if (r.kind().startsWith("lora")) {
                targets.add(r.module().substring(r.module().lastIndexOf('.') + 1));
                if (r.rank() != rank) {
                    pattern.put(r.module(), r.rank());
                }
            }
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("base_model_name_or_path", baseReference);
        config.put("peft_type", "LORA");
        config.put("use_rslora", false);
        config.put("target_modules", List.copyOf(targets));
        config.put("modules_to_save", List.copyOf(modulesToSave));
        config.put("task_type", "CAUSAL_LM");
        config.put("r", rank);
        config.put("lora_alpha", rank);
        config.put("rank_pattern", pattern);
        config.put("alpha_pattern", pattern);
        config.put("lora_dropout", 0.0);
        config.put("fan_in_fan_out", false);
        config.put("inference_mode", true);
        return config;
    }

    private static void write(Model finetuned, List<Planned> planned, Map<String, Object> config, String card,
                              ModelFormat format, Path destination) {
        Path parent = destination.getParent();
        Path staging = parent.resolve("." + destination.getFileName() + ".lora-" + UUID.randomUUID());
        Path extras = parent.resolve("." + destination.getFileName() + ".lora-extras-" + UUID.randomUUID());
        try {
            Files.createDirectories(extras);
            Path configFile = Files.writeString(extras.resolve(LoraAdapter.CONFIG_FILE),
                    JSON.writeValueAsString(config) + "\n");
            Path readme = Files.writeString(extras.resolve("README.md"), card);
            List<TensorInfo> layout = planned.stream().flatMap(p -> p.infos().stream()).toList();
            WriteOptions options = new WriteOptions(layout, ModelConfig.empty(), Long.MAX_VALUE, false,
                    Map.of("evomerge.kind", "peft-lora"), List.of(configFile, readme));
            try (ModelWriter writer = format.create(staging, options)) {
                for (Planned p : planned) {
                    for (int i = 0; i < p.values().size(); i++) {
                        writer.write(p.infos().get(i), encode(p.infos().get(i), p.values().get(i)));
                    }
                    for (int i = 0; i < p.wholeFrom().size(); i++) {
                        writer.write(p.infos().get(i), finetuned.tensors().tensor(p.wholeFrom().get(i)).data());
                    }
                }
                writer.commit();
            }
            List<Path> weights;
            try (Stream<Path> files = Files.list(staging)) {
                weights = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).toList();
            }
            if (weights.size() != 1) {
                throw new IllegalStateException("the writer made " + weights.size() + " safetensors files, not one");
            }
            Files.move(weights.getFirst(), staging.resolve(LoraAdapter.WEIGHTS_FILE));
            if (Files.isDirectory(destination)) {
                Files.delete(destination); // empty, checked above
            }
            Files.move(staging, destination, StandardCopyOption.ATOMIC_MOVE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + destination + ": " + e.getMessage(), e);
        } finally {
            deleteTree(staging);
            deleteTree(extras);
        }
    }

    private static MemorySegment encode(TensorInfo info, float[] values) {
        MemorySegment data = Arena.ofAuto().allocate(info.byteSize(), 8);
        for (int i = 0; i < values.length; i++) {
            TensorFloats.set(data, info.dtype(), i, values[i]);
        }
        return data;
    }

    private static boolean isEmptyFolder(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path root) {
        try {
            FolderTree.delete(root);
        } catch (IOException e) {
            // a hidden leftover never looks like an adapter
        }
    }

    /** The text of a relative error for listings: a percentage with four significant digits. */
    public static String percent(double relativeError) {
        return Double.isNaN(relativeError) ? "-" : String.format(Locale.ROOT, "%.4g%%", 100 * relativeError);
    }
}
