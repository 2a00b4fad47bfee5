package org.evomerge.engine.evaluation;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A content hash of a model's weights, for caching evaluations: two models with the same tensor names, dtypes,
 * shapes and bytes have the same hash, wherever they live (folder, other format's file, memory). Each tensor's bytes
 * go through a fast 64-bit hash (four independent multiply-rotate lanes in the xxHash64 style, several GB/s); the
 * names, dtypes, shapes and those per-tensor hashes, in name order, go through SHA-256.
 */
public final class WeightsHash {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private WeightsHash() {
    }

    /** The hash as 64 hex digits. */
    public static String of(Model model) {
        MessageDigest digest = sha256();
        List<TensorInfo> infos = model.tensors().tensors().stream()
                .sorted(java.util.Comparator.comparing(TensorInfo::name)).toList();
        for (TensorInfo info : infos) {
            Tensor tensor = model.tensors().tensor(info.name());
            String header = info.name() + "\u0000" + info.dtype() + "\u0000" + Arrays.toString(info.shape().dims())
                    + "\u0000";
            digest.update(header.getBytes(StandardCharsets.UTF_8));
            long h = bytes(tensor.data());
            for (int i = 0; i < 8; i++) {
                digest.update((byte) (h >>> (8 * i)));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The 64-bit hash of a segment's bytes. */
    public static long bytes(MemorySegment data) {
        long size = data.byteSize();
        long offset = 0;
        long v1 = P1 + P2;
        long v2 = P2;
        long v3 = 0;
        long v4 = -P1;
        for (; offset + 32 <= size; offset += 32) {
            v1 = round(v1, data.get(LONG, offset));
            v2 = round(v2, data.get(LONG, offset + 8));
            v3 = round(v3, data.get(LONG, offset + 16));
            v4 = round(v4, data.get(LONG, offset + 24));
        }
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(merge(merge(merge(h, v1), v2), v3), v4) + size;
        for (; offset + 8 <= size; offset += 8) {
            h ^= round(0, data.get(LONG, offset));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        for (; offset < size; offset++) {
            h ^= (data.get(ValueLayout.JAVA_BYTE, offset) & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        return h ^ (h >>> 32);
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long h, long v) {
        return (h ^ round(0, v)) * P1 + P4;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
