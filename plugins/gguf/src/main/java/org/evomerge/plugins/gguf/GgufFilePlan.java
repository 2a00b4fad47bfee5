package org.evomerge.plugins.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Everything about a GGUF file to be written that is known before its tensors arrive: the metadata, each tensor's
 * GGUF name, type, shape and offset, and the header bytes. Laid out as gguf-py's {@code GGUFWriter} lays out what
 * llama.cpp's converter gives it: version 3, key/value pairs in the order added, tensor infos in the order added,
 * zeros up to the alignment after the infos and after every tensor.
 *
 * <p>From a Hugging Face model the tensors come in the converter's order: generated tensors first, then by name as a
 * single safetensors file lists them; the metadata is the converter's for its configuration and tokenizer files. From
 * a GGUF model (whose file is among the side files) the tensors keep their order and the metadata is copied entry by
 * entry with {@code general.file_type} and {@code general.quantization_version} set in place, as llama.cpp's
 * quantizer copies it.
 */
final class GgufFilePlan {

    static final int VERSION = 3;
    static final int QUANTIZATION_VERSION = 2;

    /**
     * A tensor's place in the file.
     *
     * @param declared      as the writer's options declare it (Hugging Face name, input type and shape); null for a
     *                      tensor the writer generates
     * @param ggufName      its name in the file
     * @param ne            ggml's dimensions, fastest-varying first
     * @param type          the type written
     * @param offset        from the start of the data section
     * @param permutedHeads heads whose rows the converter permutes (q and k of "llama"), or 0
     * @param generated     the values of a tensor the converter computes (F32), else null
     * @param addend        added to every value as it is written: 1 for Gemma's norm weights (see
     *                      {@link GgufTensorNames#normShift}), else 0
     */
    record Placed(TensorInfo declared, String ggufName, long[] ne, GgmlType type, long offset, int permutedHeads,
                  float[] generated, float addend) {

        long elements() {
            long count = 1;
            for (long n : ne) {
                count *= n;
            }
            return count;
        }

        long byteSize() {
            return type.dtype().orElseThrow().byteSize(elements());
        }

        /** Values per row: the last Hugging Face dimension. */
        long rowElements() {
            return ne[0];
        }

        long rows() {
            return elements() / ne[0];
        }
    }

    private final GgufMetadata metadata;
    private final List<Placed> tensors;
    private final List<String> skipped;
    private final long alignment;
    private final byte[] header;

    private GgufFilePlan(GgufMetadata metadata, List<Placed> tensors, List<String> skipped, long alignment) {
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
        this.skipped = List.copyOf(skipped);
        this.alignment = alignment;
        this.header = header();
    }

    /**
     * The plan for writing {@code options} as a GGUF file named {@code fileName}.
     *
     * @param source a GGUF file the model was read from, whose metadata to copy, or empty
     * @throws EvomergeException (CONFIGURATION or INPUT) if the model cannot be written as GGUF
     */
    static GgufFilePlan of(String fileName, WriteOptions options, GgufOutType requested, Optional<Path> source) {
        return source.isPresent() ? fromGguf(options, requested, source.get()) : fromHuggingFace(fileName, options,
                requested);
    }

    private static GgufFilePlan fromHuggingFace(String fileName, WriteOptions options, GgufOutType requested) {
        Map<String, Object> config = options.config().raw();
        GgufHyperparameters hyper = GgufHyperparameters.of(config);
        List<TensorInfo> declared = new ArrayList<>(options.tensors());
        // The converter reads a single safetensors file in the order its header lists the tensors: by name.
        declared.sort(Comparator.comparing(TensorInfo::name));
        GgufOutType outType = requested.resolve(declared);
        Layout layout = new Layout(outType, 32);
        hyper.llama3RopeFactors().filter(f -> declared.stream().noneMatch(t -> t.name().equals("rope_freqs.weight")))
                .ifPresent(factors -> layout.generated("rope_freqs.weight", factors));
        for (TensorInfo info : declared) {
            layout.declared(info, hyper.architecture(), hyper.permutesQueryKeyRows(), hyper.heads(),
                    hyper.keyValueHeads());
        }
        GgufMetadata metadata = new GgufMetadata()
                .putString("general.architecture", hyper.architecture())
                .putString("general.type", "model")
                .putString("general.name", modelName(fileName))
                .putString("general.size_label", sizeLabel(layout.parameters()));
        hyper.addTo(metadata, outType.fileType());
        metadata.putUint32("general.quantization_version", QUANTIZATION_VERSION);
        GgufVocabulary.addTo(metadata, options.sideFiles(), config, hyper.architecture());
        provenance(metadata, options);
        return new GgufFilePlan(metadata, layout.placed, layout.skipped, 32);
    }

    private static GgufFilePlan fromGguf(WriteOptions options, GgufOutType requested, Path source) {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(source, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufHeader header = GgufReader.read(source, file);
            String architecture = header.metadata().get("general.architecture") instanceof String s ? s : "";
            GgufOutType outType = requested.resolve(options.tensors());
            Layout layout = new Layout(outType, header.alignment());
            int heads = count(header, architecture + ".attention.head_count");
            int kvHeads = header.metadata().containsKey(architecture + ".attention.head_count_kv")
                    ? count(header, architecture + ".attention.head_count_kv") : heads;
            boolean permuted = LlamaQkRowOrder.PERMUTED_ARCHITECTURES.contains(architecture);
            for (TensorInfo info : options.tensors()) {
                layout.declared(info, architecture, permuted, heads, kvHeads);
            }
            GgufMetadata metadata = new GgufMetadata();
            for (Map.Entry<String, long[]> entry : header.metadataRanges().entrySet()) {
                long[] range = entry.getValue();
                metadata.putCopied(entry.getKey(), file.asSlice(range[0], range[1] - range[0])
                        .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
            metadata.setUint32("general.quantization_version", QUANTIZATION_VERSION);
            metadata.setUint32("general.file_type", outType.fileType());
            provenance(metadata, options);
            return new GgufFilePlan(metadata, layout.placed, layout.skipped, header.alignment());
        } catch (java.io.IOException e) {
            throw GgufFormat.inputError(source, "cannot read it: " + e.getMessage());
        }
    }

    private static int count(GgufHeader header, String key) {
        return header.metadata().get(key) instanceof Number n ? n.intValue() : 0;
    }

    /** evomerge's provenance as string entries after the converter's, replacing earlier values of the same keys. */
    private static void provenance(GgufMetadata metadata, WriteOptions options) {
        options.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> metadata.setString(e.getKey(), e.getValue()));
    }

    /** Places tensors one after another, each padded to the alignment. */
    private static final class Layout {
        private final GgufOutType outType;
        private final long alignment;
        private final List<Placed> placed = new ArrayList<>();
        private final List<String> skipped = new ArrayList<>();
        private long next;

        Layout(GgufOutType outType, long alignment) {
            this.outType = outType;
            this.alignment = alignment;
        }

        void generated(String name, float[] values) {
            add(new Placed(null, name, new long[] {values.length}, GgmlType.F32, 0, 0, values, 0));
        }

        void declared(TensorInfo info, String architecture, boolean permutes, int heads, int kvHeads) {
            // The converter drops these buffers of older checkpoints; llama.cpp computes them.
            if (info.name().endsWith(".rotary_emb.inv_freq") || info.name().endsWith(".attention.masked_bias")
                    || info.name().endsWith(".attention.bias")) {
                skipped.add(info.name());
                return;
            }
            if (!info.dtype().isFloatingPoint()) {
                throw new EvomergeException(ErrorCategory.INPUT, "tensor '" + info.name() + "' holds " + info.dtype()
                        + " values; a GGUF model's tensors are floating point");
            }
            String ggufName = GgufTensorNames.toGguf(architecture, info.name()).orElseThrow(() -> new EvomergeException(
                    ErrorCategory.INPUT, "tensor '" + info.name() + "' has no name in a GGUF " + architecture
                    + " model (llama.cpp's converter maps the embeddings, the attention and MLP projections, the"
                    + " norms and the output head)"));
            long[] dims = info.shape().rank() == 0 ? new long[] {1} : info.shape().dims();
            long[] ne = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                ne[i] = dims[dims.length - 1 - i];
            }
            int permutedHeads = 0;
            if (permutes && (ggufName.matches("blk\\.[0-9]+\\.attn_q\\.(weight|bias)")
                    || ggufName.matches("blk\\.[0-9]+\\.attn_k\\.(weight|bias)"))) {
                permutedHeads = ggufName.contains(".attn_q.") ? heads : kvHeads;
                long rows = dims[0];
                if (permutedHeads <= 0 || rows % (2L * permutedHeads) != 0) {
                    throw new EvomergeException(ErrorCategory.INPUT, "tensor '" + info.name() + "' has " + rows
                            + " rows, which do not split into " + permutedHeads + " heads of an even size");
                }
            }
            add(new Placed(info, ggufName, ne, typeOf(ggufName, dims.length, ne[0]), 0, permutedHeads, null,
                    GgufTensorNames.normShift(architecture, ggufName)));
        }

        /**
         * The converter's choice: vectors, norms and anything not named {@code .weight} in F32, matrices in the output
         * type, F16 where a row does not hold whole blocks of a quantised type.
         */
        private GgmlType typeOf(String ggufName, int rank, long rowElements) {
            if (rank <= 1 || ggufName.endsWith("_norm.weight") || !ggufName.endsWith(".weight")) {
                return GgmlType.F32;
            }
            GgmlType type = outType.matrixType();
            int block = type.dtype().orElseThrow().blockSize();
            return rowElements % block == 0 ? type : GgmlType.F16;
        }

        private void add(Placed tensor) {
            Placed at = new Placed(tensor.declared(), tensor.ggufName(), tensor.ne(), tensor.type(), next,
                    tensor.permutedHeads(), tensor.generated(), tensor.addend());
            placed.add(at);
            next += pad(at.byteSize(), alignment);
        }

        long parameters() {
            return placed.stream().mapToLong(Placed::elements).sum();
        }
    }

    /**
     * {@code general.name}: the file name without {@code .gguf}, title-cased as gguf-py's {@code Metadata.id_to_title}
     * title-cases the model folder's name ({@code my-merge} becomes {@code My Merge}; acronyms, versions and words
     * starting with a digit are kept).
     */
    static String modelName(String fileName) {
        String id = fileName.endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName;
        List<String> words = new ArrayList<>();
        for (String word : id.strip().replace('-', ' ').split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            boolean lower = word.chars().anyMatch(Character::isLowerCase)
                    && word.chars().noneMatch(c -> Character.isUpperCase(c) || Character.isTitleCase(c));
            words.add(lower && !word.matches("v\\d+(\\.\\d+)*|\\d.*") ? titleCase(word) : word);
        }
        return String.join(" ", words);
    }

    /** Python's {@code str.title}: a letter after a letter is lower case, any other letter upper case. */
    private static String titleCase(String word) {
        StringBuilder out = new StringBuilder(word.length());
        boolean afterLetter = false;
        for (int i = 0; i < word.length(); ) {
            int c = word.codePointAt(i);
            out.appendCodePoint(afterLetter ? Character.toLowerCase(c) : Character.toTitleCase(c));
            afterLetter = Character.isLetter(c);
            i += Character.charCount(c);
        }
        return out.toString();
    }

    static long pad(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    /**
     * gguf-py's {@code size_label}: the parameter count in K, M, B or T with at least two significant digits, rounded
     * as Python's {@code format} rounds (half to even on the binary value).
     */
    static String sizeLabel(long parameters) {
        double scaled;
        String suffix;
        if (parameters > 1e12) {
            scaled = parameters * 1e-12;
            suffix = "T";
        } else if (parameters > 1e9) {
            scaled = parameters * 1e-9;
            suffix = "B";
        } else if (parameters > 1e6) {
            scaled = parameters * 1e-6;
            suffix = "M";
        } else {
            scaled = parameters * 1e-3;
            suffix = "K";
        }
        String integral = Long.toString(Math.round(Math.rint(scaled)));
        String significant = integral.replaceFirst("^0+", "");
        int decimals = Math.max(2 - significant.length(), 0);
        return new BigDecimal(scaled).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString() + suffix;
    }

    GgufMetadata metadata() {
        return metadata;
    }

    List<Placed> tensors() {
        return tensors;
    }

    /** Declared tensors the file leaves out, as the converter does. */
    List<String> skipped() {
        return skipped;
    }

    long alignment() {
        return alignment;
    }

    /** Magic, version, counts, metadata, tensor infos, and zeros up to the data section. */
    byte[] headerBytes() {
        return header.clone();
    }

    long dataOffset() {
        return header.length;
    }

    long fileSize() {
        long end = 0;
        for (Placed t : tensors) {
            end = t.offset() + pad(t.byteSize(), alignment);
        }
        return header.length + end;
    }

    private byte[] header() {
        GgufMetadata.GgufBytes out = new GgufMetadata.GgufBytes();
        out.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        metadata.writeTo(out);
        for (Placed t : tensors) {
            out.string(t.ggufName().getBytes(StandardCharsets.UTF_8));
            out.u32(t.ne().length);
            for (long n : t.ne()) {
                out.u64(n);
            }
            out.u32(t.type().id());
            out.u64(t.offset());
        }
        out.zeros(pad(out.size(), alignment) - out.size());
        return out.toByteArray();
    }
}
