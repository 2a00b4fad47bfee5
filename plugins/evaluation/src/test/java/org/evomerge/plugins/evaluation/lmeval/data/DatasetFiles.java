package org.evomerge.plugins.evaluation.lmeval.data;

import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Writes test datasets in the layouts the real tools leave: Parquet with parquet-hadoop's own writer (an
 * implementation independent of the reader under test; Snappy, gzip or zstd pages, dictionary encoding, v1 or v2
 * data pages) and Arrow with Apache Arrow's stream writer (what {@code datasets} writes into its cache) or file
 * writer.
 */
final class DatasetFiles {

    private DatasetFiles() {
    }

    static void parquet(Path file, MessageType schema, List<Group> rows, CompressionCodecName codec, boolean pageV2) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                    .withConf(new PlainParquetConfiguration()).withCodecFactory(new Codecs())
                    .withCompressionCodec(codec).withType(schema).withDictionaryEncoding(true)
                    .withPageRowCountLimit(2)
                    .withWriterVersion(pageV2 ? ParquetProperties.WriterVersion.PARQUET_2_0
                            : ParquetProperties.WriterVersion.PARQUET_1_0).build()) {
                for (Group row : rows) {
                    writer.write(row);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compression for the writer without Hadoop's codecs. */
    private static final class Codecs implements CompressionCodecFactory {
        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName name) {
            return new BytesInputCompressor() {
                @Override
                public BytesInput compress(BytesInput input) throws IOException {
                    byte[] bytes = input.toByteArray();
                    return BytesInput.from(switch (name) {
                        case UNCOMPRESSED -> bytes;
                        case SNAPPY -> {
                            SnappyCompressor c = new SnappyCompressor();
                            byte[] out = new byte[c.maxCompressedLength(bytes.length)];
                            int n = c.compress(bytes, 0, bytes.length, out, 0, out.length);
                            yield java.util.Arrays.copyOf(out, n);
                        }
                        case ZSTD -> {
                            ZstdCompressor c = new ZstdCompressor();
                            byte[] out = new byte[c.maxCompressedLength(bytes.length)];
                            int n = c.compress(bytes, 0, bytes.length, out, 0, out.length);
                            yield java.util.Arrays.copyOf(out, n);
                        }
                        case GZIP -> {
                            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                            try (OutputStream gzip = new GZIPOutputStream(buffer)) {
                                gzip.write(bytes);
                            }
                            yield buffer.toByteArray();
                        }
                        default -> throw new IOException(name + " not available in the test writer");
                    });
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return name;
                }

                @Override
                public void release() {
                }
            };
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName name) {
            throw new UnsupportedOperationException("write only");
        }

        @Override
        public void release() {
        }
    }

    /**
     * Writes {@code rows} of (question, label, choices) as Arrow: the streaming format {@code datasets} caches, or the
     * file format.
     */
    static void arrow(Path file, List<Object[]> rows, boolean fileFormat) {
        try (BufferAllocator allocator = new RootAllocator();
             VarCharVector question = new VarCharVector("question", allocator);
             BigIntVector label = new BigIntVector("label", allocator);
             ListVector choices = ListVector.empty("choices", allocator)) {
            question.allocateNew();
            label.allocateNew();
            UnionListWriter writer = choices.getWriter();
            for (int i = 0; i < rows.size(); i++) {
                question.setSafe(i, ((String) rows.get(i)[0]).getBytes(StandardCharsets.UTF_8));
                label.setSafe(i, (Long) rows.get(i)[1]);
                writer.setPosition(i);
                writer.startList();
                for (Object choice : (List<?>) rows.get(i)[2]) {
                    byte[] bytes = choice.toString().getBytes(StandardCharsets.UTF_8);
                    try (var buffer = allocator.buffer(bytes.length)) {
                        buffer.setBytes(0, bytes);
                        writer.varChar().writeVarChar(0, bytes.length, buffer);
                    }
                }
                writer.endList();
            }
            question.setValueCount(rows.size());
            label.setValueCount(rows.size());
            choices.setValueCount(rows.size());
            Files.createDirectories(file.getParent());
            List<FieldVector> vectors = List.of(question, label, choices);
            try (VectorSchemaRoot root = new VectorSchemaRoot(vectors);
                 var out = Files.newOutputStream(file)) {
                if (fileFormat) {
                    try (ArrowFileWriter w = new ArrowFileWriter(root, null, java.nio.channels.Channels.newChannel(out))) {
                        w.start();
                        w.writeBatch();
                        w.end();
                    }
                } else {
                    try (ArrowStreamWriter w = new ArrowStreamWriter(root, null, out)) {
                        w.start();
                        w.writeBatch();
                        w.end();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
