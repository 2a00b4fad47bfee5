package org.evomerge.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The reuse rules of the merge workers' buffers (what stays with a thread, what is shared and freed) and the NaN check. */
class ThreadBuffersTest {

    @Test
    void layerSizedOutputBuffersStayWithTheThreadAndEmbeddingSizedOnesAreSharedAndFreedAtTheEnd() {
        MemorySegment first;
        try (ThreadBuffers.Lease lease = ThreadBuffers.output(1 << 20)) {
            first = lease.segment();
            assertEquals(1 << 20, first.byteSize());
        }
        try (ThreadBuffers.Lease lease = ThreadBuffers.output(1 << 19)) {
            assertEquals(first.address(), lease.segment().address(), "the thread's buffer, not fresh memory");
            assertEquals(1 << 19, lease.segment().byteSize());
            assertTrue(lease.segment().scope().isAlive());
        }
        MemorySegment large;
        try (ThreadBuffers.Lease lease = ThreadBuffers.output(ThreadBuffers.REUSED_OUTPUT_BYTES_MAX + 64)) {
            large = lease.segment();
            assertEquals(ThreadBuffers.REUSED_OUTPUT_BYTES_MAX + 64, large.byteSize());
        }
        try (ThreadBuffers.Lease lease = ThreadBuffers.output(ThreadBuffers.REUSED_OUTPUT_BYTES_MAX + 32)) {
            assertEquals(large.address(), lease.segment().address(), "one embedding-sized buffer, shared");
        }
        ThreadBuffers.clearShared();
        assertFalse(large.scope().isAlive(), "the end of a merge frees the embedding-sized buffer");
        try (ThreadBuffers.Lease lease = ThreadBuffers.output(ThreadBuffers.REUSED_OUTPUT_BYTES_MAX + 64)) {
            assertTrue(lease.segment().scope().isAlive());
        }
        ThreadBuffers.clearShared();
    }


    @Test
    void decodeChunksAreReusedPerThreadAndGrowOnlyWhenAskedForMore() {
        float[] chunk = ThreadBuffers.chunk(1000);
        assertTrue(chunk.length >= 1000);
        assertSame(chunk, ThreadBuffers.chunk(10));
        float[] larger = ThreadBuffers.chunk(chunk.length + 1);
        assertTrue(larger.length > chunk.length);
        assertSame(larger, ThreadBuffers.chunk(chunk.length));
    }
}
