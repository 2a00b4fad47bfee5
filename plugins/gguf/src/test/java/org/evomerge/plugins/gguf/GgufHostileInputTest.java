package org.evomerge.plugins.gguf;

import static org.evomerge.plugins.gguf.GgufTestFile.array;
import static org.evomerge.plugins.gguf.GgufTestFile.i32;
import static org.evomerge.plugins.gguf.GgufTestFile.raw;
import static org.evomerge.plugins.gguf.GgufTestFile.str;
import static org.evomerge.plugins.gguf.GgufTestFile.u32;
import static org.evomerge.plugins.gguf.GgufTestFile.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One case per way a GGUF file can be broken or hostile. Each must be an INPUT error with a one-line message that
 * starts with the file's path and says what is wrong.
 */
class GgufHostileInputTest {

    @TempDir
    Path dir;

    private final ModelFormat format = new GgufFormatFactory().create(null, TestRunContexts.seeded(1));

    /** Opens {@code bytes} as a file and returns the message of the INPUT error, checking its form. */
    private String inputError(byte[] bytes) throws Exception {
        Path file = Files.write(dir.resolve("hostile.gguf"), bytes);
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(file).close());
        assertEquals(ErrorCategory.INPUT, e.category(), e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), "one line: " + e.getMessage());
        String prefix = file + ": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        return e.getMessage().substring(prefix.length());
    }

    private String inputError(GgufTestFile file) throws Exception {
        return inputError(file.build().bytes());
    }

    private static byte[] withU64(byte[] bytes, int at, long value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return copy;
    }

    private static byte[] withU32(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return copy;
    }

    private static GgufTestFile oneTensor(int ggmlType, long... ne) {
        return new GgufTestFile().tensor("w", ggmlType, ne, GgufSamples.data(1, ggmlType, ne));
    }

    private static void assertContains(String expectedPart, String message) {
        assertTrue(message.contains(expectedPart), "expected '" + expectedPart + "' in: " + message);
    }

    // ---- header -----------------------------------------------------------------------------------------------------

    @Test
    void badMagic() throws Exception {
        byte[] bytes = GgufSamples.tinyLlama().build().bytes();
        bytes[3] = 'X';
        assertEquals("not a GGUF file: it starts with 0x47475558, not the magic \"GGUF\"", inputError(bytes));
    }

    @Test
    void emptyAndTinyFiles() throws Exception {
        assertEquals("too short to be a GGUF file (0 bytes)", inputError(new byte[0]));
        assertEquals("too short to be a GGUF file (3 bytes)", inputError("GGU".getBytes()));
        assertContains("truncated: version needs 4 bytes at offset 4", inputError("GGUF".getBytes()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 0x7FFF_FFFF, -1})
    void unsupportedVersion(int version) throws Exception {
        assertContains("unsupported GGUF version " + Integer.toUnsignedString(version) + "; evomerge reads versions 2 and 3",
                inputError(new GgufTestFile().version(version)));
    }

    @Test
    void versionOneAndBigEndianFiles() throws Exception {
        assertContains("GGUF version 1 (32-bit lengths) is not supported", inputError(new GgufTestFile().version(1)));
        assertContains("big-endian", inputError(new GgufTestFile().version(0x0300_0000)));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 40, -1L, Long.MIN_VALUE, 1_000_000})
    void absurdTensorCount(long count) throws Exception {
        byte[] bytes = withU64(GgufSamples.tinyLlama().build().bytes(), 8, count);
        assertContains("claims " + Long.toUnsignedString(count) + " tensors, but the", inputError(bytes));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 40, -1L, 1_000_000})
    void absurdMetadataCount(long count) throws Exception {
        byte[] bytes = withU64(GgufSamples.tinyLlama().build().bytes(), 16, count);
        assertContains("claims " + Long.toUnsignedString(count) + " metadata entries", inputError(bytes));
    }

    @Test
    void tensorCountAboveTheLimitEvenIfTheFileCouldHoldIt() throws Exception {
        long tooMany = GgufReader.MAX_TENSORS + 1;
        byte[] bytes = Arrays.copyOf(withU64(new GgufTestFile().build().bytes(), 8, tooMany), (int) (tooMany * 33));
        assertContains("evomerge reads at most " + GgufReader.MAX_TENSORS, inputError(bytes));
    }

    // ---- metadata ---------------------------------------------------------------------------------------------------

    @Test
    void keyLengthBeyondTheFile() throws Exception {
        GgufTestFile.Written written = GgufSamples.tinyLlama().build();
        int firstKeyLength = written.lengthFields().get(2); // after tensor count and metadata count
        assertEquals(24, firstKeyLength);
        assertContains("metadata key at offset 24 claims 9223372036854775807 bytes, but only",
                inputError(withU64(written.bytes(), firstKeyLength, Long.MAX_VALUE)));
        assertContains("claims 18446744073709551615 bytes", inputError(withU64(written.bytes(), firstKeyLength, -1)));
    }

    @Test
    void keyLongerThanTheSpecificationAllows() throws Exception {
        String key = "k".repeat(GgufReader.MAX_KEY_BYTES + 1);
        assertContains("is 65536 bytes long; at most 65535 are allowed",
                inputError(new GgufTestFile().meta(key, u8(1))));
    }

    @Test
    void stringValueLengthBeyondTheFile() throws Exception {
        GgufTestFile.Written written = new GgufTestFile().meta("general.name", str("tiny")).build();
        // Fields: tensor count, metadata count, key length, value length.
        int valueLength = written.lengthFields().get(3);
        assertContains("value of metadata 'general.name' at offset " + valueLength + " claims 4096 bytes",
                inputError(withU64(written.bytes(), valueLength, 4096)));
    }

    @Test
    void arrayCountBeyondTheFile() throws Exception {
        GgufTestFile.Written written = GgufSamples.tinyLlama().build();
        byte[] bytes = written.bytes();
        // The tokens array: find its count field, the uint64 right after the uint32 element type STRING (8).
        int tokensKey = indexOf(bytes, "tokenizer.ggml.tokens".getBytes());
        int countField = tokensKey + "tokenizer.ggml.tokens".length() + 4 + 4;
        assertEquals(GgufSamples.TOKENS.size(), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(countField));
        assertContains("metadata 'tokenizer.ggml.tokens' claims 1099511627776 STRING items, but the",
                inputError(withU64(bytes, countField, 1L << 40)));
        assertContains("claims 18446744073709551615 STRING items", inputError(withU64(bytes, countField, -1)));
    }

    @Test
    void arrayOfStringsWhoseItemLengthRunsOffTheEnd() throws Exception {
        byte[] bytes = new GgufTestFile().meta("a", GgufTestFile.strings(List.of("x".repeat(100)))).build().bytes();
        // 24 header bytes, key 'a' (9), value type (4), element type (4), count (8): the item's length is at 49.
        assertEquals(160, bytes.length); // 157 padded to the alignment
        assertEquals("value of metadata 'a' at offset 49 claims 100 bytes, but only 53 are left",
                inputError(Arrays.copyOf(bytes, 110)));
    }

    @Test
    void skippedArrayOfStringsWhoseItemLengthRunsOffTheEnd() throws Exception {
        List<String> items = java.util.Collections.nCopies(GgufReader.MAX_KEPT_ARRAY_ITEMS + 1, "abc");
        byte[] bytes = new GgufTestFile().meta("a", GgufTestFile.strings(items)).build().bytes();
        // Items start at 49 (as above), 8 + 3 bytes each: the last one's length is at 49 + 64 * 11 = 753.
        assertEquals("item of metadata 'a' at offset 753 claims 3 bytes, but only 1 are left",
                inputError(Arrays.copyOf(bytes, 753 + 8 + 1)));
    }

    @Test
    void arraysNestedTooDeep() throws Exception {
        GgufTestFile.Value value = array(GgufTestFile.UINT8, List.of(u8(1)));
        for (int depth = 1; depth <= GgufReader.MAX_ARRAY_DEPTH; depth++) {
            value = array(GgufTestFile.ARRAY, List.of(value));
        }
        assertContains("metadata 'deep' nests arrays more than 3 deep", inputError(new GgufTestFile().meta("deep", value)));
    }

    @Test
    void arraysNestedToTheLimitAreFine() throws Exception {
        GgufTestFile.Value value = array(GgufTestFile.UINT8, List.of(u8(1)));
        for (int depth = 2; depth <= GgufReader.MAX_ARRAY_DEPTH; depth++) {
            value = array(GgufTestFile.ARRAY, List.of(value));
        }
        format.open(new GgufTestFile().meta("deep", value).write(dir.resolve("deep.gguf"))).close();
    }

    @Test
    void unknownMetadataValueType() throws Exception {
        assertContains("metadata 'odd' has unknown value type 13",
                inputError(new GgufTestFile().meta("odd", raw(13, new byte[8]))));
        assertContains("metadata 'odd' is an array of unknown value type 77",
                inputError(new GgufTestFile().meta("odd", raw(GgufTestFile.ARRAY, new byte[] {77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))));
    }

    @Test
    void duplicateMetadataKeys() throws Exception {
        assertEquals("metadata key 'general.name' appears twice",
                inputError(new GgufTestFile().meta("general.name", str("a")).meta("general.name", str("b"))));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 48, 1L << 31})
    void alignmentThatIsNotAPowerOfTwo(long alignment) throws Exception {
        byte[] bytes = new GgufTestFile().meta("general.alignment", u32(alignment)).build().bytes();
        String message = inputError(bytes);
        assertContains(alignment > GgufReader.MAX_ALIGNMENT ? "is larger than" : "general.alignment " + alignment
                + " is not a power of two", message);
    }

    @Test
    void alignmentOfTheWrongType() throws Exception {
        assertEquals("general.alignment must be an unsigned integer, not String",
                inputError(new GgufTestFile().meta("general.alignment", str("32"))));
        assertContains("not a power of two", inputError(new GgufTestFile().meta("general.alignment", i32(-32))));
    }

    @Test
    void hyperparameterOfTheWrongType() throws Exception {
        assertEquals("metadata 'llama.block_count' must be an integer, not a string", inputError(new GgufTestFile()
                .meta("general.architecture", str("llama")).meta("llama.block_count", str("32"))));
        assertContains("is -1, not a count", inputError(new GgufTestFile()
                .meta("general.architecture", str("llama")).meta("llama.block_count", i32(-1))));
        assertEquals("metadata 'llama.rope.freq_base' must be a number, not a string", inputError(new GgufTestFile()
                .meta("general.architecture", str("llama")).meta("llama.rope.freq_base", str("1e4"))));
        assertEquals("general.architecture must be a string", inputError(new GgufTestFile()
                .meta("general.architecture", u32(1))));
    }

    @Test
    void headerTextBeyondTheBudget() throws Exception {
        String big = "x".repeat(1 << 20);
        GgufTestFile file = new GgufTestFile();
        for (int i = 0; i <= GgufReader.MAX_TEXT_BYTES >> 20; i++) {
            file.meta("k" + i, str(big));
        }
        assertContains("exceed 64 MiB", inputError(file));
    }

    // ---- tensor infos -----------------------------------------------------------------------------------------------

    @Test
    void tensorNameLengthBeyondTheFile() throws Exception {
        GgufTestFile.Written written = oneTensor(GgufTestFile.GGML_F32, 4).build();
        int nameLength = written.lengthFields().get(2);
        assertContains("tensor name at offset 24 claims", inputError(withU64(written.bytes(), nameLength, 1L << 33)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, -1})
    void dimensionCountOutsideOneToFour(int dims) throws Exception {
        GgufTestFile.Written written = oneTensor(GgufTestFile.GGML_F32, 4).build();
        int nDimsField = written.typeFields().get(1); // after the version
        assertEquals("tensor 'w' has " + Integer.toUnsignedString(dims) + " dimensions; GGUF tensors have 1 to 4",
                inputError(withU32(written.bytes(), nDimsField, dims)));
    }

    @Test
    void emptyOrNegativeDimension() throws Exception {
        assertEquals("tensor 'w' has dimension 1 of size 0", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_F32, new long[] {4, 0}, new byte[0])));
        assertEquals("tensor 'w' has dimension 0 of size 9223372036854775808", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_F32, new long[] {Long.MIN_VALUE}, new byte[0])));
    }

    @Test
    void dimensionsWhoseProductOverflows() throws Exception {
        assertEquals("tensor 'w' has more elements than a 64-bit count can hold", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_F32, new long[] {1L << 32, 1L << 32}, new byte[0])));
        assertEquals("tensor 'w' is larger than a 64-bit size can hold", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_F32, new long[] {1L << 31, 1L << 31}, new byte[0])));
    }

    @Test
    void unknownGgmlType() throws Exception {
        assertEquals("tensor 'w' has unknown ggml type 99", inputError(new GgufTestFile()
                .tensor("w", 99, new long[] {4}, new byte[16])));
        assertEquals("tensor 'w' has unknown ggml type 4294967295", inputError(new GgufTestFile()
                .tensor("w", -1, new long[] {4}, new byte[16])));
    }

    @Test
    void rowsThatAreNotWholeBlocks() throws Exception {
        assertEquals("tensor 'w' has rows of 48 values, not a whole number of Q8_0 blocks of 32", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_Q8_0, new long[] {48, 2}, new byte[102])));
        assertEquals("tensor 'w' has rows of 128 values, not a whole number of Q4_K blocks of 256", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_Q4_K, new long[] {128, 4}, new byte[288])));
    }

    @Test
    void duplicateTensorNames() throws Exception {
        assertEquals("tensor 'w' appears twice", inputError(new GgufTestFile()
                .tensor("w", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])
                .tensor("w", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])));
    }

    @Test
    void namesThatCollideOnceMapped() throws Exception {
        assertEquals("tensor 'output_norm.weight' maps to 'model.norm.weight', which another tensor already has",
                inputError(new GgufTestFile()
                        .meta("general.architecture", str("llama"))
                        .tensor("model.norm.weight", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])
                        .tensor("output_norm.weight", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])));
    }

    @Test
    void hostileNamesStayOnOneLine() throws Exception {
        String message = inputError(new GgufTestFile()
                .tensor("evil\nname\r\u2028", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])
                .tensor("evil\nname\r\u2028", GgufTestFile.GGML_F32, new long[] {4}, new byte[16]));
        assertEquals("tensor 'evil\\u000aname\\u000d\\u2028' appears twice", message);
    }

    // ---- data section -----------------------------------------------------------------------------------------------

    @Test
    void tensorOffsetNotAligned() throws Exception {
        assertEquals("tensor 'b' starts at data offset 40, which is not a multiple of the alignment 32",
                inputError(new GgufTestFile()
                        .tensor("a", GgufTestFile.GGML_F32, new long[] {4}, new byte[16])
                        .tensorAt("b", GgufTestFile.GGML_F32, new long[] {4}, new byte[16], 40)));
    }

    @Test
    void tensorDataOutsideTheFile() throws Exception {
        GgufTestFile.Written written = oneTensor(GgufTestFile.GGML_F32, 8).build();
        int offsetField = written.tensorOffsetField().getFirst();
        assertContains("tensor 'w' needs bytes 1024 to 1056 of the data section at " + written.dataOffset()
                + ", beyond the end of the file", inputError(withU64(written.bytes(), offsetField, 1024)));
        assertContains("tensor 'w' needs bytes 9223372036854775776 to",
                inputError(withU64(written.bytes(), offsetField, Long.MAX_VALUE - 31)));
        assertContains("tensor 'w' starts at data offset 18446744073709551584",
                inputError(withU64(written.bytes(), offsetField, -32)));
    }

    @Test
    void truncatedData() throws Exception {
        byte[] bytes = GgufSamples.tinyLlama().build().bytes();
        assertContains("tensor 'output.weight' needs bytes", inputError(Arrays.copyOf(bytes, bytes.length - 1)));
    }

    @Test
    void truncatedHeaderAtEveryField() throws Exception {
        GgufTestFile.Written written = GgufSamples.tinyLlama().build();
        // Counts are checked against the bytes left before they are used, so some cuts are caught as a count the
        // rest of the file cannot hold rather than as a short read; either way it is an INPUT error.
        for (int field : written.lengthFields()) {
            String message = inputError(Arrays.copyOf(written.bytes(), field + 3));
            assertTrue(message.startsWith("truncated: ") || message.contains(" bytes left can hold at most "), message);
        }
        for (int field : written.typeFields()) {
            String message = inputError(Arrays.copyOf(written.bytes(), field + 1));
            assertTrue(message.startsWith("truncated: ") || message.contains(" bytes left can hold at most "), message);
        }
    }

    @Test
    void overlappingTensors() throws Exception {
        assertEquals("tensors 'a' and 'b' overlap in the data section", inputError(new GgufTestFile()
                .tensor("a", GgufTestFile.GGML_F32, new long[] {16}, new byte[64])
                .tensorAt("b", GgufTestFile.GGML_F32, new long[] {8}, new byte[32], 32)));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
