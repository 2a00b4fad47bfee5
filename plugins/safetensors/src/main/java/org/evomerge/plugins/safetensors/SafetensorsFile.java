package org.evomerge.plugins.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.evomerge.api.EvomergeException;

/**
 * One safetensors file, memory-mapped with the Foreign Function and Memory API: files of any size (over 2 GiB
 * too), tensors read lazily, nothing copied onto the heap but the header. The mapping lives in the arena the caller
 * owns, so closing the model unmaps every shard at once.
 */
final class SafetensorsFile {

    private final Path path;
    private final SafetensorsHeader header;
    private final MemorySegment mapping;
    /** Kept open for positional reads; closed with the arena. */
    private final FileChannel channel;

    private SafetensorsFile(Path path, SafetensorsHeader header, MemorySegment mapping, FileChannel channel) {
        this.path = path;
        this.header = header;
        this.mapping = mapping;
        this.channel = channel;
    }

    /**
     * Reads and checks the header, then maps the file read-only into {@code arena}.
     *
     * @throws EvomergeException (INPUT) naming the file when it is not a valid safetensors file
     */
    static SafetensorsFile open(Path path, Arena arena) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            long size = channel.size();
            ByteBuffer prefix = ByteBuffer.allocate(SafetensorsHeader.PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (size >= SafetensorsHeader.PREFIX_BYTES) {
                readFully(channel, prefix, 0);
            }
            long headerLength = SafetensorsHeader.headerLength(size >= 8 ? prefix.getLong(0) : 0, size);
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, SafetensorsHeader.PREFIX_BYTES);
            SafetensorsHeader header = SafetensorsHeader.parse(headerBytes, size);
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            return new SafetensorsFile(path, header, mapping, channel);
        } catch (InvalidSafetensorsException e) {
            closeQuietly(channel);
            throw EvomergeException.input(path + ": " + e.getMessage(), e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw EvomergeException.input(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    void close() {
        closeQuietly(channel);
    }

    /**
     * Reads {@code destination.byteSize()} bytes of {@code entry} from {@code offset} with positional reads (no
     * mapping involved). Heap destinations are filled through a bounded direct buffer.
     */
    void read(SafetensorsHeader.Entry entry, long offset, MemorySegment destination) {
        long length = destination.byteSize();
        if (offset < 0 || length < 0 || offset > entry.end() - entry.begin() - length) {
            throw new IndexOutOfBoundsException("bytes [" + offset + ", " + (offset + length) + ") outside tensor '"
                    + entry.name() + "' of " + (entry.end() - entry.begin()) + " bytes");
        }
        long position = header.dataStart() + entry.begin() + offset;
        try {
            if (destination.isNative()) {
                for (long done = 0; done < length; ) {
                    long chunk = Math.min(1L << 30, length - done);
                    ByteBuffer buffer = destination.asSlice(done, chunk).asByteBuffer();
                    while (buffer.hasRemaining()) {
                        int n = channel.read(buffer, position + done + buffer.position());
                        if (n < 0) {
                            throw new IOException("unexpected end of file");
                        }
                    }
                    done += chunk;
                }
            } else {
                MemorySegment.copy(data(entry), offset, destination, 0, length);
            }
        } catch (IOException e) {
            throw EvomergeException.input(path + ": cannot read tensor '" + entry.name() + "': " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new InvalidSafetensorsException("file ends inside the header (truncated)");
            }
            at += n;
        }
        buffer.flip();
    }

    Path path() {
        return path;
    }

    SafetensorsHeader header() {
        return header;
    }

    /** The bytes of one tensor, read-only, a view of the mapping. */
    MemorySegment data(SafetensorsHeader.Entry entry) {
        return mapping.asSlice(header.dataStart() + entry.begin(), entry.end() - entry.begin());
    }
}
