package org.evomerge.plugins.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every broken or hostile file is an INPUT error with one line naming the file and the problem: never another
 * exception, never an allocation sized by the file's claims, never a read outside the file.
 */
class SafetensorsHostileInputTest {

    @TempDir
    Path temp;

    private final SafetensorsFormat format = new SafetensorsFormat();
    private int counter;

    private Path file(byte[] bytes) throws IOException {
        Path dir = Files.createDirectories(temp.resolve("case" + counter++));
        return Files.write(dir.resolve("model.safetensors"), bytes);
    }

    private void assertRejected(Path path, String reasonPart) {
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(path).close());
        assertEquals(ErrorCategory.INPUT, e.category(), e.getMessage());
        assertTrue(e.getMessage().startsWith(path.toAbsolutePath().normalize().toString())
                        || e.getMessage().startsWith(path.toAbsolutePath().getParent().toString()),
                "the message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(reasonPart), "'" + e.getMessage() + "' should say '" + reasonPart + "'");
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    private void assertRejected(String header, byte[] data, String reasonPart) throws IOException {
        assertRejected(file(RawSafetensors.bytes(header, data)), reasonPart);
    }

    private static byte[] withPrefix(long length, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(rest).array();
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        assertRejected(file(withPrefix(1000, "{}".getBytes(StandardCharsets.UTF_8))), "larger than the file");
    }

    @Test
    void absurdHeaderLengths() throws IOException {
        assertRejected(file(withPrefix(200_000_000L, new byte[16])), "100 MB");
        assertRejected(file(withPrefix(-1L, new byte[16])), "100 MB");
        assertRejected(file(withPrefix(Long.MAX_VALUE, new byte[16])), "100 MB");
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        assertRejected(file(new byte[] {1, 2, 3}), "too short");
        assertRejected(file(new byte[0]), "too short");
    }

    @Test
    void headerThatIsNotUtf8OrNotJson() throws IOException {
        assertRejected(file(withPrefix(4, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'})), "UTF-8");
        assertRejected("{\"a\": ", new byte[0], "not valid JSON");
        assertRejected("[1, 2]", new byte[0], "start with '{'");
        assertRejected("{\"a\":1}", new byte[0], "not described by a JSON object");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[4], "beyond the file");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", new byte[4], "invalid data_offsets");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}", new byte[4],
                "data_offsets");
    }

    @Test
    void overlappingOffsetsAndGaps() throws IOException {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12], "overlap");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12], "gap");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[12], "no tensor uses");
    }

    @Test
    void offsetsInconsistentWithShapeAndDtype() throws IOException {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8], "needs 12");
        assertRejected("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", new byte[16], "needs 8");
    }

    @Test
    void badShapesAndDtypes() throws IOException {
        assertRejected("{\"a\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4], "unknown dtype 'F17'");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4], "invalid dimension");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4], "invalid dimension");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}",
                new byte[4], "overflows");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4], "no shape");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", new byte[4],
                "unknown field");
        assertRejected("{\"__metadata__\":{\"format\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[4], "not a string");
    }

    @Test
    void duplicateNames() throws IOException {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8], "Duplicate field 'a'");
    }

    @Test
    void truncatedFiles() throws IOException {
        byte[] valid = Files.readAllBytes(RawSafetensors.valid(temp.resolve("v/model.safetensors")));
        for (int cut : new int[] {valid.length - 1, valid.length - 10, 40, 9}) {
            assertRejected(file(java.util.Arrays.copyOf(valid, cut)), cut < 60 ? "" : "beyond the file");
        }
    }

    @Test
    void indexPointingOutsideTheFolderOrAtMissingShards() throws IOException {
        Path outside = RawSafetensors.valid(temp.resolve("secret.safetensors"));
        for (String shard : new String[] {"../secret.safetensors", outside.toString(), "sub/model.safetensors", ".."}) {
            Path folder = Files.createDirectories(temp.resolve("idx" + counter++));
            Files.createDirectories(folder.resolve("sub"));
            RawSafetensors.valid(folder.resolve("sub/model.safetensors"));
            Files.writeString(folder.resolve(ShardIndex.FILE_NAME), "{\"metadata\":{},\"weight_map\":{\"a\":"
                    + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(shard) + "}}");
            assertRejected(folder, "outside the model folder");
        }
        Path folder = Files.createDirectories(temp.resolve("missing"));
        Files.writeString(folder.resolve(ShardIndex.FILE_NAME),
                "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\"}}");
        assertRejected(folder, "which is missing");
        Path noMap = Files.createDirectories(temp.resolve("nomap"));
        Files.writeString(noMap.resolve(ShardIndex.FILE_NAME), "{\"metadata\":{}}");
        assertRejected(noMap, "weight_map");
        Path wrongShard = Files.createDirectories(temp.resolve("wrong"));
        RawSafetensors.valid(wrongShard.resolve("model-00001-of-00001.safetensors"));
        Files.writeString(wrongShard.resolve(ShardIndex.FILE_NAME),
                "{\"weight_map\":{\"zzz\":\"model-00001-of-00001.safetensors\"}}");
        assertRejected(wrongShard, "'zzz' is not in its shard");
    }

    @Test
    void badConfigJson() throws IOException {
        Path file = RawSafetensors.valid(temp.resolve("cfg/model.safetensors"));
        Files.writeString(file.resolveSibling("config.json"), "{\"num_hidden_layers\": \"many\"}");
        assertRejected(file.getParent(), "num_hidden_layers");
        Files.writeString(file.resolveSibling("config.json"), "{not json");
        assertRejected(file.getParent(), "config.json: not valid JSON");
    }

    /**
     * Seeded mutation fuzzing of the header parser: flips, overwrites and truncations of a valid file. Every outcome
     * is either a model whose tensors can all be read, or an INPUT error.
     */
    @Test
    void fuzzedHeadersEitherOpenOrFailCleanly() throws IOException {
        byte[] valid = Files.readAllBytes(RawSafetensors.valid(temp.resolve("seed/model.safetensors")));
        SplittableRandom random = new SplittableRandom(20261123);
        int opened = 0;
        int rejected = 0;
        Path target = Files.createDirectories(temp.resolve("fuzz")).resolve("model.safetensors");
        for (int iteration = 0; iteration < 3000; iteration++) {
            byte[] bytes = valid.clone();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations && bytes.length > 0; m++) {
                switch (random.nextInt(5)) {
                    case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                    case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                    case 2 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                    case 3 -> { // rewrite the length prefix
                        if (bytes.length >= 8) {
                            long length = random.nextBoolean() ? random.nextLong() : random.nextInt(200);
                            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
                        }
                    }
                    default -> { // overwrite a digit inside the header to move offsets and dimensions
                        for (int tries = 0; tries < 20 && bytes.length > 8; tries++) {
                            int at = 8 + random.nextInt(bytes.length - 8);
                            if (Character.isDigit(bytes[at])) {
                                bytes[at] = (byte) ('0' + random.nextInt(10));
                                break;
                            }
                        }
                    }
                }
            }
            Files.write(target, bytes);
            try (Model model = format.open(target)) {
                for (TensorInfo info : model.tensors().tensors()) {
                    assertEquals(info.byteSize(), model.tensors().tensor(info.name()).data().byteSize());
                }
                opened++;
            } catch (EvomergeException e) {
                assertEquals(ErrorCategory.INPUT, e.category(), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                rejected++;
            } catch (RuntimeException | Error e) {
                fail("iteration " + iteration + " threw " + e, e);
            }
        }
        assertTrue(rejected > 1000, "most mutations break the file: " + rejected);
        assertTrue(opened > 10, "some mutations keep it valid: " + opened);
    }
}
