package org.evomerge.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.tensor.DType;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.compute.VectorBackend;
import org.evomerge.kernels.FloatCodecs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding stored tensors to float32 on one core: bf16 and f16 (and f32 for scale) through the scalar reference
 * backend and the Vector API backend, and bf16/f16 encoding. 4M elements per call (8 MB of bf16), so the data is
 * outside the L2 cache as real tensors are. Scores are calls per second; multiply by 4M for elements per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Threads(1)
public class ConversionBenchmark {

    static final int ELEMENTS = 1 << 22;

    @Param({"cpu-reference", "cpu-vector"})
    public String backend;

    @Param({"BF16", "F16", "F32"})
    public String dtype;

    private TensorCodecs compute;
    private DType type;
    private Arena arena;
    private MemorySegment encoded;
    private float[] decoded;
    private MemorySegment target;

    @Setup(Level.Trial)
    public void setUp() {
        compute = (backend.equals("cpu-vector") ? new VectorBackend() : new ReferenceBackend()).codecs();
        type = DType.valueOf(dtype);
        arena = Arena.ofShared();
        encoded = arena.allocate(type.byteSize(ELEMENTS), 64);
        target = arena.allocate(type.byteSize(ELEMENTS), 64);
        decoded = new float[ELEMENTS];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < ELEMENTS; i++) {
            float v = (float) random.nextGaussian();
            switch (type) {
                case BF16 -> encoded.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                        FloatCodecs.floatToBf16(v));
                case F16 -> encoded.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                        FloatCodecs.floatToF16(v));
                default -> encoded.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v);
            }
            decoded[i] = v;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] decode() {
        compute.toFloat(encoded, type, decoded, ELEMENTS);
        return decoded;
    }

    @Benchmark
    public MemorySegment encode() {
        compute.fromFloat(decoded, type, target, ELEMENTS);
        return target;
    }
}
