package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The reuse rules of the merge workers' buffers: what stays with the thread and what is freed after use. */
class ThreadBuffersTest {

    @Test
    void layerSizedOutputBuffersAreReusedAndEmbeddingSizedOnesAreFreedAfterTheirWrite() {
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
            assertTrue(large.scope().isAlive());
        }
        assertFalse(large.scope().isAlive(), "an embedding-sized buffer must not stay resident");
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
