package org.evomerge.plugins.gguf;

import static org.evomerge.plugins.gguf.GgufTestFile.array;
import static org.evomerge.plugins.gguf.GgufTestFile.f32;
import static org.evomerge.plugins.gguf.GgufTestFile.i32;
import static org.evomerge.plugins.gguf.GgufTestFile.str;
import static org.evomerge.plugins.gguf.GgufTestFile.strings;
import static org.evomerge.plugins.gguf.GgufTestFile.u32;
import static org.evomerge.plugins.gguf.GgufTestFile.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of valid GGUF files: bit flips, truncations, random bytes, and hostile values in exactly the
 * count, length, type and offset fields. Every open must either succeed, with every tensor readable and decodable, or
 * fail with an INPUT error; anything else (an index error, a negative array size, running out of memory) fails the
 * test with the seed and iteration to replay it.
 */
class GgufFuzzTest {

    private static final long SEED = 0x6667_7566L;
    private static final int ITERATIONS = 5_000;

    /** Values that break naive readers: zero, small, sign bit, 32-bit boundaries, all ones. */
    private static final long[] HOSTILE_VALUES = {
            0, 1, 2, 3, 4, 5, 7, 8, 31, 32, 33, 64, 255, 256, 65535, 65536,
            Integer.MAX_VALUE, 0x8000_0000L, 0xFFFF_FFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1, -32};

    @TempDir
    Path dir;

    private final ModelFormat format = new GgufFormatFactory().create(null, TestRunContexts.seeded(1));
    private final ComputeBackend backend = TestRunContexts.seeded(1).compute();

    /** Small valid files with every kind of field: typed metadata, nested arrays, several tensor types. */
    private static List<GgufTestFile.Written> seeds() {
        GgufTestFile llama = GgufSamples.llamaMetadata("llama")
                .meta("test.nested", array(GgufTestFile.ARRAY, List.of(array(GgufTestFile.INT32, List.of(i32(1), i32(2))))))
                .meta("test.bytes", array(GgufTestFile.UINT8, List.of(u8(1), u8(2), u8(3))))
                .tensor("token_embd.weight", GgufTestFile.GGML_F16, new long[] {32, 8}, GgufSamples.data(1, GgufTestFile.GGML_F16, 32, 8))
                .tensor("blk.0.attn_q.weight", GgufTestFile.GGML_Q8_0, new long[] {32, 8}, GgufSamples.data(2, GgufTestFile.GGML_Q8_0, 32, 8))
                .tensor("blk.0.attn_k.weight", GgufTestFile.GGML_F32, new long[] {32, 4}, GgufSamples.data(3, GgufTestFile.GGML_F32, 32, 4))
                .tensor("blk.0.ffn_up.weight", GgufTestFile.GGML_Q4_K, new long[] {256}, GgufSamples.data(4, GgufTestFile.GGML_Q4_K, 256))
                .tensor("blk.0.ffn_down.weight", GgufTestFile.GGML_Q6_K, new long[] {256}, GgufSamples.data(5, GgufTestFile.GGML_Q6_K, 256))
                .tensor("output.weight", GgufTestFile.GGML_Q4_0, new long[] {32, 2}, GgufSamples.data(6, GgufTestFile.GGML_Q4_0, 32, 2));
        GgufTestFile other = new GgufTestFile()
                .version(2)
                .alignment(64)
                .meta("general.architecture", str("gpt2"))
                .meta("gpt2.rope.freq_base", f32(10000f))
                .meta("tokenizer.ggml.tokens", strings(List.of("a", "bb", "ccc")))
                .meta("gpt2.block_count", u32(1))
                .tensor("a", GgufTestFile.GGML_BF16, new long[] {4, 2, 2, 2}, GgufSamples.data(7, GgufTestFile.GGML_BF16, 4, 2, 2, 2))
                .tensor("b", GgufTestFile.GGML_F32, new long[] {3}, GgufSamples.data(8, GgufTestFile.GGML_F32, 3));
        return List.of(llama.build(), other.build());
    }

    @Test
    void mutatedHeadersOpenOrFailWithAnInputError() throws Exception {
        List<GgufTestFile.Written> seeds = seeds();
        for (GgufTestFile.Written seed : seeds) {
            assertOpens(Files.write(dir.resolve("seed.gguf"), seed.bytes()));
        }
        SplittableRandom random = new SplittableRandom(SEED);
        Path file = dir.resolve("fuzz.gguf");
        int opened = 0;
        int rejected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            GgufTestFile.Written seed = seeds.get(random.nextInt(seeds.size()));
            int kind = random.nextInt(5);
            byte[] mutated = mutate(seed, kind, random);
            Files.write(file, mutated);
            try {
                assertOpens(file);
                opened++;
            } catch (EvomergeException e) {
                assertEquals(ErrorCategory.INPUT, e.category(), replay(i, kind) + e.getMessage());
                assertTrue(e.getMessage().startsWith(file + ": "), replay(i, kind) + e.getMessage());
                assertTrue(e.getMessage().lines().count() == 1, replay(i, kind) + "not one line: " + e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail(replay(i, kind) + t, t);
            }
        }
        // Both outcomes must actually occur, or the mutations are too weak or too destructive to test anything.
        assertTrue(opened > 100 && rejected > 100, "opened " + opened + ", rejected " + rejected);
    }

    private static String replay(int iteration, int kind) {
        return "seed " + SEED + ", iteration " + iteration + ", mutation " + kind + ": ";
    }

    private static byte[] mutate(GgufTestFile.Written seed, int kind, SplittableRandom random) {
        byte[] bytes = seed.bytes().clone();
        int header = seed.dataOffset();
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (kind) {
            case 0 -> { // bit flips in the header
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = random.nextInt(header);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> { // truncation anywhere
                return Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            case 2 -> { // a hostile value in a count, length, dimension or offset field
                int at = seed.lengthFields().get(random.nextInt(seed.lengthFields().size()));
                buffer.putLong(at, hostile(random));
            }
            case 3 -> { // a hostile value in a version, type or n_dims field
                int at = seed.typeFields().get(random.nextInt(seed.typeFields().size()));
                buffer.putInt(at, (int) hostile(random));
            }
            default -> { // random bytes over a stretch of the header
                int at = random.nextInt(header);
                int length = Math.min(1 + random.nextInt(16), header - at);
                for (int b = 0; b < length; b++) {
                    bytes[at + b] = (byte) random.nextInt();
                }
            }
        }
        return bytes;
    }

    private static long hostile(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> HOSTILE_VALUES[random.nextInt(HOSTILE_VALUES.length)];
            case 1 -> random.nextLong();
            default -> random.nextInt(1024);
        };
    }

    /** Opens the file and touches every tensor: its bytes, and its values through the reference backend. */
    private void assertOpens(Path file) {
        try (Model model = format.open(file)) {
            model.config();
            for (TensorInfo info : model.tensors().tensors()) {
                Tensor tensor = model.tensors().tensor(info.name());
                assertEquals(info.byteSize(), tensor.data().byteSize(), info.name());
                if (tensor.data().byteSize() > 0) {
                    tensor.data().get(ValueLayout.JAVA_BYTE, tensor.data().byteSize() - 1);
                }
                long count = info.shape().elementCount();
                if (info.dtype().isFloatingPoint() && count <= 1 << 16) {
                    backend.codecs().toFloat(tensor.data(), info.dtype(), new float[(int) count], (int) count);
                }
            }
        }
    }
}
