package org.evomerge.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.plugins.safetensors.SafetensorsFormatFactory;

/**
 * Reads every tensor of a generated sharded bf16 model of several GB through the safetensors reader (memory-mapped,
 * lazy) and, in the same run, the same files with a plain sequential read into a buffer. Both copy every byte into
 * an 8 MB buffer, so they do the same work on the consumer side. The files are read once first, so both measure
 * reads from the page cache. Rounds alternate the order of the two; a third pass copies every tensor out of its
 * memory mapping ({@code Tensor.data()}, the random-access path) for reference.
 */
public final class ReadBenchmark {

    private static final int BUFFER = 8 << 20;

    public static void main(String[] args) throws IOException {
        double sizeGb = 4;
        double shardGb = 1;
        int rounds = 3;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "evomerge-bench-model");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size-gb" -> sizeGb = Double.parseDouble(args[++i]);
                case "--shard-gb" -> shardGb = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        ModelFormat format = new SafetensorsFormatFactory().create(Parameters.EMPTY, null);
        long target = (long) (sizeGb * 1e9);
        if (!Files.isDirectory(dir) || SafetensorsShards.bytes(dir) < target * 0.95) {
            generate(format, dir, target, (long) (shardGb * 1e9));
        }
        long fileBytes = SafetensorsShards.bytes(dir);
        System.out.printf("model: %s, %.2f GB in %d files%n", dir, fileBytes / 1e9, SafetensorsShards.of(dir).size());
        System.out.printf("cpu cores: %d, java %s%n", Runtime.getRuntime().availableProcessors(), Runtime.version());
        plainRead(dir); // warm the page cache
        double[] ratios = new double[rounds];
        double[] mappedRatios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            Result plain;
            Result streamed;
            Result mapped;
            // The two compared reads run next to each other, in alternating order; the memory-mapped pass comes last
            // because unmapping 4 GB slows whatever runs right after it.
            if (round % 2 == 0) {
                plain = plainRead(dir);
                streamed = evomergeRead(format, dir);
            } else {
                streamed = evomergeRead(format, dir);
                plain = plainRead(dir);
            }
            mapped = mappedRead(format, dir);
            plainRead(dir); // settle the page cache before the next round
            ratios[round] = streamed.rate() / plain.rate();
            mappedRatios[round] = mapped.rate() / plain.rate();
            System.out.printf("round %d: plain sequential read %.2f GB/s (%.3f s) | evomerge Tensor.read %.2f GB/s"
                            + " (%.3f s, ratio %.3f) | evomerge Tensor.data (mmap) copy %.2f GB/s (%.3f s, ratio %.3f)%n",
                    round + 1, plain.rate() / 1e9, plain.seconds(), streamed.rate() / 1e9, streamed.seconds(),
                    ratios[round], mapped.rate() / 1e9, mapped.seconds(), mappedRatios[round]);
        }
        Arrays.sort(ratios);
        Arrays.sort(mappedRatios);
        System.out.printf("median ratio to plain read: Tensor.read %.3f (target >= 0.9), Tensor.data mmap copy %.3f%n",
                ratios[rounds / 2], mappedRatios[rounds / 2]);
    }

    record Result(long bytes, double seconds) {
        double rate() {
            return bytes / seconds;
        }
    }

    /** Both readers fill the same kind of buffer: native, page-aligned, 8 MB. */
    private static MemorySegment buffer(Arena arena) {
        return arena.allocate(BUFFER, 4096);
    }

    private static Result plainRead(Path dir) throws IOException {
        long bytes = 0;
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buffer = buffer(arena).asByteBuffer();
            for (Path shard : SafetensorsShards.of(dir)) {
                try (FileChannel channel = FileChannel.open(shard, StandardOpenOption.READ)) {
                    int n;
                    while ((n = channel.read(buffer.clear())) > 0) {
                        bytes += n;
                    }
                }
            }
        }
        return new Result(bytes, (System.nanoTime() - start) / 1e9);
    }

    /** Copies {@code length} bytes of a tensor from {@code offset} into the front of the buffer. */
    private interface ChunkCopy {
        void copy(Tensor tensor, long offset, MemorySegment buffer, long length);
    }

    /** Streams every tensor with {@link Tensor#read}, the path bulk consumers such as merges use. */
    private static Result evomergeRead(ModelFormat format, Path dir) {
        return readTensors(format, dir, (tensor, offset, buffer, length) ->
                tensor.read(offset, buffer.asSlice(0, length)));
    }

    /** Copies every tensor out of its memory mapping ({@link Tensor#data}), the random-access path. */
    private static Result mappedRead(ModelFormat format, Path dir) {
        return readTensors(format, dir, (tensor, offset, buffer, length) ->
                MemorySegment.copy(tensor.data(), offset, buffer, 0, length));
    }

    private static Result readTensors(ModelFormat format, Path dir, ChunkCopy chunkCopy) {
        long bytes = 0;
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined(); Model model = format.open(dir)) {
            MemorySegment buffer = buffer(arena);
            for (TensorInfo info : model.tensors().tensors()) {
                Tensor tensor = model.tensors().tensor(info.name());
                long size = info.byteSize();
                for (long done = 0; done < size; done += BUFFER) {
                    chunkCopy.copy(tensor, done, buffer, Math.min(BUFFER, size - done));
                }
                bytes += size;
            }
        }
        return new Result(bytes, (System.nanoTime() - start) / 1e9);
    }

    /** A Llama-7B-shaped bf16 model (hidden 4096, MLP 11008) with as many layers as fit in {@code bytes}. */
    private static void generate(ModelFormat format, Path dir, long bytes, long shardBytes) throws IOException {
        List<TensorInfo> layout = new ArrayList<>();
        layout.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, Shape.of(32000, 4096), ""));
        long total = 32000L * 4096 * 2;
        for (int layer = 0; total < bytes; layer++) {
            String p = "model.layers." + layer + ".";
            for (String name : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj")) {
                layout.add(new TensorInfo(p + name + ".weight", DType.BF16, Shape.of(4096, 4096), ""));
            }
            layout.add(new TensorInfo(p + "mlp.gate_proj.weight", DType.BF16, Shape.of(11008, 4096), ""));
            layout.add(new TensorInfo(p + "mlp.up_proj.weight", DType.BF16, Shape.of(11008, 4096), ""));
            layout.add(new TensorInfo(p + "mlp.down_proj.weight", DType.BF16, Shape.of(4096, 11008), ""));
            layout.add(new TensorInfo(p + "input_layernorm.weight", DType.BF16, Shape.of(4096), ""));
            layout.add(new TensorInfo(p + "post_attention_layernorm.weight", DType.BF16, Shape.of(4096), ""));
            total += (4L * 4096 * 4096 + 3L * 11008 * 4096 + 2 * 4096) * 2;
        }
        ModelConfig config = ModelConfig.of(Map.of("architectures", List.of("LlamaForCausalLM"), "model_type", "llama"));
        System.out.printf("generating %.2f GB of bf16 tensors in %s ...%n", total / 1e9, dir);
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined();
             ModelWriter writer = format.create(dir, new WriteOptions(layout, config, shardBytes, true, Map.of(), List.of()))) {
            long largest = layout.stream().mapToLong(TensorInfo::byteSize).max().orElse(0);
            MemorySegment data = arena.allocate(largest, 64);
            long state = 0x9E3779B97F4A7C15L;
            for (long i = 0; i < largest / 8; i++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                data.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, state & 0x3FFF3FFF3FFF3FFFL); // finite bf16 values
            }
            for (TensorInfo info : layout) {
                writer.write(info, data.asSlice(0, info.byteSize()));
            }
            writer.commit();
        }
        System.out.printf("written in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
}
