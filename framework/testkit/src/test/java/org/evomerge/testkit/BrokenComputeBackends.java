package org.evomerge.testkit;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.compute.ReferenceBackend;

/**
 * Compute backends with one defect each, for {@link ComputeBackendContractTest}: the reference backend's operations
 * except the broken one. Not run by Surefire (the holder's name is not a test's); the test runs them.
 */
final class BrokenComputeBackends {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private BrokenComputeBackends() {
    }

    /** The reference's codecs and vector operations, and the task-vector operations given (or none). */
    private record Backend(String id, TensorCodecs codecs, Optional<TaskVectorOperations> taskVectors)
            implements ComputeBackend {

        @Override
        public String description() {
            return "a broken test backend";
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public VectorOperations vectors() {
            return REFERENCE;
        }
    }

    /** The reference's task-vector operations, for fixtures to override one of. */
    private static class ReferenceTaskVectors implements TaskVectorOperations {
        @Override
        public void taskVector(float[] x, float[] base, float[] out) {
            REFERENCE.taskVector(x, base, out);
        }

        @Override
        public MagnitudeRank magnitudeRank(float[] x, float[] base, int position) {
            return REFERENCE.magnitudeRank(x, base, position);
        }

        @Override
        public MagnitudeRank[] magnitudeRanks(TensorBlocks blocks, int[] positions) {
            return REFERENCE.magnitudeRanks(blocks, positions);
        }

        @Override
        public MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
            return REFERENCE.magnitudeMask(x, base, from, to, mask);
        }

        @Override
        public MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base, double density,
                                    long[] mask) {
            return REFERENCE.randomMask(seed, stream, firstIndex, x, base, density, mask);
        }

        @Override
        public void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine,
                                       float[] out) {
            REFERENCE.combineTaskVectors(base, models, masks, combine, out);
        }
    }

    /** A block's elements draw from counter 0 on, as if every block began the tensor. */
    static class BlockDrawsFromZero extends ComputeBackendContract {
        private static final ComputeBackend BACKEND = new Backend("block-draws-from-zero", REFERENCE,
                Optional.of(new ReferenceTaskVectors() {
                    @Override
                    public MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base,
                                                double density, long[] mask) {
                        return super.randomMask(seed, stream, 0, x, base, density, mask);
                    }
                }));

        @Override
        protected ComputeBackend backend() {
            return BACKEND;
        }
    }

    /** The combine keeps the elements the masks drop. */
    static class CombineIgnoresMasks extends ComputeBackendContract {
        private static final ComputeBackend BACKEND = new Backend("combine-ignores-masks", REFERENCE,
                Optional.of(new ReferenceTaskVectors() {
                    @Override
                    public void combineTaskVectors(float[] base, float[][] models, long[][] masks,
                                                   TaskVectorCombine combine, float[] out) {
                        super.combineTaskVectors(base, models, new long[models.length][], combine, out);
                    }
                }));

        @Override
        protected ComputeBackend backend() {
            return BACKEND;
        }
    }

    /** bfloat16 encoding that drops the low half of a float instead of rounding it. */
    static class Bf16Truncates extends ComputeBackendContract {
        private static final TensorCodecs TRUNCATING = new TensorCodecs() {
            @Override
            public void toFloat(MemorySegment src, DType type, float[] dst, int count) {
                REFERENCE.toFloat(src, type, dst, count);
            }

            @Override
            public void fromFloat(float[] src, DType type, MemorySegment dst, int count) {
                REFERENCE.fromFloat(src, type, dst, count);
                if (type == DType.BF16) {
                    for (int i = 0; i < count; i++) {
                        dst.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i,
                                (short) (Float.floatToRawIntBits(src[i]) >>> 16));
                    }
                }
            }
        };
        private static final ComputeBackend BACKEND = new Backend("bf16-truncates", TRUNCATING,
                REFERENCE.taskVectors());

        @Override
        protected ComputeBackend backend() {
            return BACKEND;
        }
    }

    /** No task-vector operations at all: their tests are skipped, the rest pass. */
    static class WithoutTaskVectors extends ComputeBackendContract {
        private static final ComputeBackend BACKEND = new Backend("without-task-vectors", REFERENCE,
                Optional.empty());

        @Override
        protected ComputeBackend backend() {
            return BACKEND;
        }
    }
}
