package org.evomerge.plugins.evaluation.lmeval.data;

import io.airlift.compress.Decompressor;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.evomerge.api.EvomergeException;

/**
 * Reads a Parquet file into documents. Parquet's own Java library decodes the columns (encodings, dictionaries,
 * definition and repetition levels, record assembly: {@code parquet-column}) and reads the Thrift metadata
 * ({@code parquet-format-structures}); this class reads the file layout (footer, column chunks, page headers) and
 * decompresses pages (uncompressed, Snappy, gzip, zstd, LZ4 raw), which parquet-hadoop would do only with Hadoop on
 * the class path. Values: strings (annotated UTF8/STRING, ENUM, JSON), whole numbers as Long, floating point as
 * Double, booleans, lists (LIST, and repeated fields) as List, maps (MAP) and structs as Map; bytes without a
 * string annotation are read as UTF-8.
 */
final class ParquetDocuments {

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private ParquetDocuments() {
    }

    static List<Map<String, Object>> read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 12) {
                throw EvomergeException.input(file + ": not a Parquet file (too short)", null);
            }
            ByteBuffer tail = read(channel, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int footerLength = tail.getInt();
            byte[] magic = new byte[4];
            tail.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw EvomergeException.input(file + ": not a Parquet file (no PAR1 at its end"
                        + (new String(magic, StandardCharsets.US_ASCII).equals("PARE") ? "; it is encrypted" : "")
                        + ")", null);
            }
            if (footerLength <= 0 || footerLength > size - 12) {
                throw EvomergeException.input(file + ": damaged Parquet file (footer of " + footerLength + " bytes)",
                        null);
            }
            FileMetaData metadata = Util.readFileMetaData(new ByteArrayInputStream(
                    bytes(read(channel, size - 8 - footerLength, footerLength))));
            Schema schema = Schema.of(metadata.getSchema());
            List<Map<String, Object>> docs = new ArrayList<>();
            for (RowGroup group : metadata.getRow_groups()) {
                Map<List<String>, ColumnChunk> chunks = new HashMap<>();
                for (ColumnChunk chunk : group.getColumns()) {
                    chunks.put(chunk.getMeta_data().getPath_in_schema(), chunk);
                }
                RowGroupPages pages = new RowGroupPages(file, channel, chunks, group.getNum_rows());
                DocumentMaterializer materializer = new DocumentMaterializer(schema);
                RecordReader<Map<String, Object>> reader = new ColumnIOFactory().getColumnIO(schema.message())
                        .getRecordReader(pages, materializer);
                for (long row = 0; row < group.getNum_rows(); row++) {
                    docs.add(reader.read());
                }
            }
            return docs;
        } catch (IOException | RuntimeException e) {
            if (e instanceof EvomergeException evomerge) {
                throw evomerge;
            }
            throw EvomergeException.input(file + ": cannot read as Parquet (" + e.getMessage() + ")", e);
        }
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** The file's schema as parquet-column's types, with what each node means as a value. */
    private record Schema(MessageType message, Map<Type, Meaning> meanings) {

        enum Meaning { STRUCT, LIST, MAP, TEXT, BYTES, NUMBER, BOOLEAN }

        static Schema of(List<SchemaElement> elements) {
            Map<Type, Meaning> meanings = new HashMap<>();
            int[] at = {1};
            SchemaElement root = elements.getFirst();
            List<Type> fields = children(elements, at, root.getNum_children(), meanings);
            return new Schema(new MessageType(root.getName(), fields), meanings);
        }

        private static List<Type> children(List<SchemaElement> elements, int[] at, int count,
                                           Map<Type, Meaning> meanings) {
            List<Type> fields = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                SchemaElement e = elements.get(at[0]++);
                Type.Repetition repetition = e.isSetRepetition_type()
                        ? Type.Repetition.valueOf(e.getRepetition_type().name()) : Type.Repetition.OPTIONAL;
                Type type;
                Meaning meaning;
                if (e.isSetNum_children() && !e.isSetType()) {
                    type = new GroupType(repetition, e.getName(), children(elements, at, e.getNum_children(),
                            meanings));
                    meaning = groupMeaning(e);
                } else {
                    // Thrift's BYTE_ARRAY is parquet-column's BINARY; the other names agree.
                    PrimitiveType.PrimitiveTypeName name = e.getType() == org.apache.parquet.format.Type.BYTE_ARRAY
                            ? PrimitiveType.PrimitiveTypeName.BINARY
                            : PrimitiveType.PrimitiveTypeName.valueOf(e.getType().name());
                    type = new PrimitiveType(repetition, name, e.isSetType_length() ? e.getType_length() : 0,
                            e.getName());
                    meaning = switch (name) {
                        case BOOLEAN -> Meaning.BOOLEAN;
                        case BINARY, FIXED_LEN_BYTE_ARRAY -> isText(e) ? Meaning.TEXT : Meaning.BYTES;
                        default -> Meaning.NUMBER;
                    };
                }
                meanings.put(type, meaning);
                fields.add(type);
            }
            return fields;
        }

        private static Meaning groupMeaning(SchemaElement e) {
            if (e.isSetLogicalType()) {
                if (e.getLogicalType().isSetLIST()) {
                    return Meaning.LIST;
                }
                if (e.getLogicalType().isSetMAP()) {
                    return Meaning.MAP;
                }
            }
            if (e.isSetConverted_type()) {
                if (e.getConverted_type() == ConvertedType.LIST) {
                    return Meaning.LIST;
                }
                if (e.getConverted_type() == ConvertedType.MAP || e.getConverted_type() == ConvertedType.MAP_KEY_VALUE) {
                    return Meaning.MAP;
                }
            }
            return Meaning.STRUCT;
        }

        private static boolean isText(SchemaElement e) {
            if (e.isSetLogicalType()) {
                var logical = e.getLogicalType();
                return logical.isSetSTRING() || logical.isSetENUM() || logical.isSetJSON();
            }
            return e.isSetConverted_type() && (e.getConverted_type() == ConvertedType.UTF8
                    || e.getConverted_type() == ConvertedType.ENUM || e.getConverted_type() == ConvertedType.JSON);
        }

        Meaning meaning(Type type) {
            return meanings.get(type);
        }
    }

    /** One row group's pages, read and decompressed column by column as the record reader asks. */
    private static final class RowGroupPages implements PageReadStore {
        private final Path file;
        private final FileChannel channel;
        private final Map<List<String>, ColumnChunk> chunks;
        private final long rows;

        RowGroupPages(Path file, FileChannel channel, Map<List<String>, ColumnChunk> chunks, long rows) {
            this.file = file;
            this.channel = channel;
            this.chunks = chunks;
            this.rows = rows;
        }

        @Override
        public PageReader getPageReader(ColumnDescriptor descriptor) {
            ColumnChunk chunk = chunks.get(List.of(descriptor.getPath()));
            if (chunk == null) {
                throw new IllegalStateException("no column chunk for " + String.join(".", descriptor.getPath()));
            }
            try {
                return pages(descriptor, chunk.getMeta_data());
            } catch (IOException e) {
                throw new IllegalStateException("column " + String.join(".", descriptor.getPath()) + ": "
                        + e.getMessage(), e);
            }
        }

        private PageReader pages(ColumnDescriptor descriptor, ColumnMetaData meta) throws IOException {
            long start = meta.isSetDictionary_page_offset() && meta.getDictionary_page_offset() > 0
                    ? Math.min(meta.getDictionary_page_offset(), meta.getData_page_offset())
                    : meta.getData_page_offset();
            byte[] data = bytes(read(channel, start, Math.toIntExact(meta.getTotal_compressed_size())));
            ByteArrayInputStream in = new ByteArrayInputStream(data);
            Deque<DataPage> dataPages = new ArrayDeque<>();
            DictionaryPage dictionary = null;
            long values = 0;
            Statistics<?> noStatistics = Statistics.createStats(descriptor.getPrimitiveType());
            while (values < meta.getNum_values() && in.available() > 0) {
                PageHeader header = Util.readPageHeader(in);
                byte[] body = in.readNBytes(header.getCompressed_page_size());
                switch (header.getType()) {
                    case DICTIONARY_PAGE -> dictionary = new DictionaryPage(BytesInput.from(decompress(meta.getCodec(),
                            body, header.getUncompressed_page_size())),
                            header.getDictionary_page_header().getNum_values(),
                            encoding(header.getDictionary_page_header().getEncoding()));
                    case DATA_PAGE -> {
                        DataPageHeader h = header.getData_page_header();
                        dataPages.add(new DataPageV1(BytesInput.from(decompress(meta.getCodec(), body,
                                header.getUncompressed_page_size())), h.getNum_values(),
                                header.getUncompressed_page_size(), noStatistics,
                                encoding(h.getRepetition_level_encoding()), encoding(h.getDefinition_level_encoding()),
                                encoding(h.getEncoding())));
                        values += h.getNum_values();
                    }
                    case DATA_PAGE_V2 -> {
                        DataPageHeaderV2 h = header.getData_page_header_v2();
                        int repetition = h.getRepetition_levels_byte_length();
                        int definition = h.getDefinition_levels_byte_length();
                        byte[] rest = java.util.Arrays.copyOfRange(body, repetition + definition, body.length);
                        boolean compressed = !h.isSetIs_compressed() || h.isIs_compressed();
                        byte[] values2 = compressed ? decompress(meta.getCodec(), rest,
                                header.getUncompressed_page_size() - repetition - definition) : rest;
                        dataPages.add(DataPageV2.uncompressed(h.getNum_rows(), h.getNum_nulls(), h.getNum_values(),
                                BytesInput.from(java.util.Arrays.copyOfRange(body, 0, repetition)),
                                BytesInput.from(java.util.Arrays.copyOfRange(body, repetition,
                                        repetition + definition)),
                                encoding(h.getEncoding()), BytesInput.from(values2), noStatistics));
                        values += h.getNum_values();
                    }
                    default -> {
                        // Index pages carry nothing the documents need.
                    }
                }
            }
            DictionaryPage dictionaryPage = dictionary;
            long total = values;
            return new PageReader() {
                @Override
                public DictionaryPage readDictionaryPage() {
                    return dictionaryPage;
                }

                @Override
                public long getTotalValueCount() {
                    return total;
                }

                @Override
                public DataPage readPage() {
                    return dataPages.poll();
                }
            };
        }

        private byte[] decompress(CompressionCodec codec, byte[] input, int uncompressedSize) throws IOException {
            Decompressor decompressor = switch (codec) {
                case UNCOMPRESSED -> null;
                case SNAPPY -> new SnappyDecompressor();
                case ZSTD -> new ZstdDecompressor();
                case LZ4_RAW -> new Lz4Decompressor();
                case GZIP -> null;
                default -> throw new IOException("compression " + codec + " is not supported (uncompressed, Snappy,"
                        + " gzip, zstd and LZ4_RAW are); rewrite the file with one of them");
            };
            if (codec == CompressionCodec.UNCOMPRESSED) {
                return input;
            }
            if (codec == CompressionCodec.GZIP) {
                try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(input))) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(uncompressedSize);
                    gzip.transferTo(out);
                    return out.toByteArray();
                }
            }
            byte[] output = new byte[uncompressedSize];
            try {
                int n = decompressor.decompress(input, 0, input.length, output, 0, output.length);
                if (n != uncompressedSize) {
                    throw new IOException(codec + " page of " + n + " bytes where the header says "
                            + uncompressedSize);
                }
            } catch (MalformedInputException e) {
                throw new IOException("damaged " + codec + " page (" + e.getMessage() + ")", e);
            }
            return output;
        }

        private static Encoding encoding(org.apache.parquet.format.Encoding encoding) {
            return Encoding.valueOf(encoding.name());
        }

        @Override
        public long getRowCount() {
            return rows;
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }

    /** Assembles each record as a document: nested values as maps and lists. */
    private static final class DocumentMaterializer extends RecordMaterializer<Map<String, Object>> {
        private final StructConverter root;
        private Map<String, Object> current;

        DocumentMaterializer(Schema schema) {
            this.root = new StructConverter(schema, schema.message(), doc -> current = castMap(doc));
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> castMap(Object doc) {
            return (Map<String, Object>) doc;
        }

        @Override
        public Map<String, Object> getCurrentRecord() {
            return current;
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }
    }

    /** A converter for {@code type} handing its values to {@code sink}. */
    private static Converter converter(Schema schema, Type type, Consumer<Object> sink) {
        if (type.isPrimitive()) {
            return new ValueConverter(schema.meaning(type), sink);
        }
        return switch (schema.meaning(type)) {
            case LIST -> new ListConverter(schema, type.asGroupType(), sink);
            case MAP -> new MapConverter(schema, type.asGroupType(), sink);
            default -> new StructConverter(schema, type.asGroupType(), sink);
        };
    }

    /** A struct (or the record): a map of its fields; a repeated field outside a LIST gathers a list. */
    private static final class StructConverter extends GroupConverter {
        private final GroupType type;
        private final Converter[] fields;
        private final Consumer<Object> sink;
        private Map<String, Object> current;

        StructConverter(Schema schema, GroupType type, Consumer<Object> sink) {
            this.type = type;
            this.sink = sink;
            this.fields = new Converter[type.getFieldCount()];
            for (int i = 0; i < fields.length; i++) {
                Type field = type.getType(i);
                String name = field.getName();
                Consumer<Object> set = field.isRepetition(Type.Repetition.REPEATED)
                        ? v -> listOf(current, name).add(v) : v -> current.put(name, v);
                fields[i] = converter(schema, field, set);
            }
        }

        @SuppressWarnings("unchecked")
        private static List<Object> listOf(Map<String, Object> map, String name) {
            return (List<Object>) map.get(name);
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return fields[fieldIndex];
        }

        @Override
        public void start() {
            current = new LinkedHashMap<>();
            for (Type field : type.getFields()) {
                current.put(field.getName(), field.isRepetition(Type.Repetition.REPEATED) ? new ArrayList<>() : null);
            }
        }

        @Override
        public void end() {
            sink.accept(current);
        }
    }

    /**
     * A LIST group: {@code repeated group list { element }} (three levels), or a repeated element directly (two
     * levels), or a repeated group of several fields whose each repetition is one struct element.
     */
    private static final class ListConverter extends GroupConverter {
        private final Converter repeated;
        private final Consumer<Object> sink;
        private List<Object> current;

        ListConverter(Schema schema, GroupType type, Consumer<Object> sink) {
            this.sink = sink;
            Type inner = type.getType(0);
            // Parquet's compatibility rules: a repeated group of one field is the three-level wrapper, unless it is
            // named "array" or "*_tuple" (old writers' struct elements).
            boolean wrapper = !inner.isPrimitive() && inner.asGroupType().getFieldCount() == 1
                    && schema.meaning(inner) == Schema.Meaning.STRUCT && !inner.getName().equals("array")
                    && !inner.getName().endsWith("_tuple");
            if (wrapper) {
                ElementConverter element = new ElementConverter();
                element.element = converter(schema, inner.asGroupType().getType(0), v -> element.value = v);
                this.repeated = element;
            } else {
                this.repeated = converter(schema, inner, v -> current.add(v));
            }
        }

        /** One repetition of the three-level list's middle group: its element, or None when it is absent. */
        private final class ElementConverter extends GroupConverter {
            private Converter element;
            private Object value;

            @Override
            public Converter getConverter(int fieldIndex) {
                return element;
            }

            @Override
            public void start() {
                value = null;
            }

            @Override
            public void end() {
                current.add(value);
            }
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return repeated;
        }

        @Override
        public void start() {
            current = new ArrayList<>();
        }

        @Override
        public void end() {
            sink.accept(current);
        }
    }

    /** A MAP group: {@code repeated group key_value { key; value }}. */
    private static final class MapConverter extends GroupConverter {
        private final GroupConverter entries;
        private final Consumer<Object> sink;
        private Map<Object, Object> current;
        private final Object[] entry = new Object[2];

        MapConverter(Schema schema, GroupType type, Consumer<Object> sink) {
            this.sink = sink;
            GroupType keyValue = type.getType(0).asGroupType();
            Converter key = converter(schema, keyValue.getType(0), v -> entry[0] = v);
            Converter value = keyValue.getFieldCount() > 1 ? converter(schema, keyValue.getType(1), v -> entry[1] = v)
                    : null;
            this.entries = new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return fieldIndex == 0 ? key : value;
                }

                @Override
                public void start() {
                    entry[0] = null;
                    entry[1] = null;
                }

                @Override
                public void end() {
                    current.put(entry[0], entry[1]);
                }
            };
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return entries;
        }

        @Override
        public void start() {
            current = new LinkedHashMap<>();
        }

        @Override
        public void end() {
            sink.accept(current);
        }
    }

    /** A primitive value. */
    private static final class ValueConverter extends PrimitiveConverter {
        private final Schema.Meaning meaning;
        private final Consumer<Object> sink;

        ValueConverter(Schema.Meaning meaning, Consumer<Object> sink) {
            this.meaning = meaning;
            this.sink = sink;
        }

        @Override
        public void addBinary(Binary value) {
            sink.accept(value.toStringUsingUTF8());
        }

        @Override
        public void addBoolean(boolean value) {
            sink.accept(value);
        }

        @Override
        public void addDouble(double value) {
            sink.accept(value);
        }

        @Override
        public void addFloat(float value) {
            sink.accept((double) value);
        }

        @Override
        public void addInt(int value) {
            sink.accept((long) value);
        }

        @Override
        public void addLong(long value) {
            sink.accept(value);
        }

        @Override
        public String toString() {
            return meaning.toString();
        }
    }
}
