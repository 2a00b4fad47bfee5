package org.evomerge.plugins.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files byte by byte from a header given as text, independently of the plugin's writer. */
final class RawSafetensors {

    private RawSafetensors() {
    }

    static byte[] bytes(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header).put(data);
        return out.array();
    }

    static Path write(Path file, String headerJson, byte[] data) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, bytes(headerJson, data));
    }

    /** little-endian float32 bytes */
    static byte[] floats(float... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putFloat(v);
        }
        return out.array();
    }

    /** A valid two-tensor file: a [2,2] F32 and a [3] BF16 tensor. */
    static Path valid(Path file) throws IOException {
        byte[] data = new byte[16 + 6];
        System.arraycopy(floats(1, 2, 3, 4), 0, data, 0, 16);
        data[16] = (byte) 0x80;
        data[17] = 0x3F; // bf16 1.0
        data[19] = 0x40; // bf16 2.0
        data[21] = (byte) 0xC0; // bf16 -2.0
        return write(file, "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],"
                + "\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]}}", data);
    }
}
