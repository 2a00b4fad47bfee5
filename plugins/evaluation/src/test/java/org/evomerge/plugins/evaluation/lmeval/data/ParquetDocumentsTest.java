package org.evomerge.plugins.evaluation.lmeval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parquet files as Hugging Face's converter writes them for ai2_arc (a string, a struct of two string lists, a
 * label) plus the other value kinds, written by parquet-hadoop's own writer with every supported compression, v1 and
 * v2 data pages, dictionary encoding and several pages per column, read back as the documents lm-eval would get.
 */
class ParquetDocumentsTest {

    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message schema {
              optional binary id (STRING);
              optional binary question (STRING);
              optional group choices {
                optional group text (LIST) { repeated group list { optional binary element (STRING); } }
                optional group label (LIST) { repeated group list { optional binary element (STRING); } }
              }
              optional binary answerKey (STRING);
              optional int64 index;
              optional int32 small;
              optional double score;
              optional float ratio;
              optional boolean flag;
              optional group meta (MAP) {
                repeated group key_value { required binary key (STRING); optional int64 value; }
              }
            }
            """);

    @TempDir
    Path temp;

    static List<Map<String, Object>> expected() {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("id", "q" + i);
            doc.put("question", i == 3 ? null : "Which is " + i + "?");
            Map<String, Object> choices = new LinkedHashMap<>();
            choices.put("text", i == 4 ? List.of() : List.of("apple", "car", "tree " + i));
            choices.put("label", i == 4 ? List.of() : List.of("A", "B", "C"));
            doc.put("choices", choices);
            doc.put("answerKey", i % 2 == 0 ? "A" : "B");
            doc.put("index", (long) i * 1_000_000_000_000L);
            doc.put("small", (long) -i);
            doc.put("score", i + 0.25);
            doc.put("ratio", (double) (float) (i / 3.0));
            doc.put("flag", i % 2 == 0);
            doc.put("meta", i == 2 ? null : Map.of("k" + i, (long) i));
            docs.add(doc);
        }
        return docs;
    }

    static List<Group> rows() {
        SimpleGroupFactory factory = new SimpleGroupFactory(SCHEMA);
        List<Group> rows = new ArrayList<>();
        for (Map<String, Object> doc : expected()) {
            Group row = factory.newGroup().append("id", (String) doc.get("id"));
            if (doc.get("question") != null) {
                row.append("question", (String) doc.get("question"));
            }
            Group choices = row.addGroup("choices");
            Map<?, ?> c = (Map<?, ?>) doc.get("choices");
            Group text = choices.addGroup("text");
            for (Object t : (List<?>) c.get("text")) {
                text.addGroup("list").append("element", t.toString());
            }
            Group label = choices.addGroup("label");
            for (Object l : (List<?>) c.get("label")) {
                label.addGroup("list").append("element", l.toString());
            }
            row.append("answerKey", (String) doc.get("answerKey")).append("index", (Long) doc.get("index"))
                    .append("small", (int) (long) (Long) doc.get("small")).append("score", (Double) doc.get("score"))
                    .append("ratio", (float) (double) (Double) doc.get("ratio"))
                    .append("flag", (Boolean) doc.get("flag"));
            if (doc.get("meta") instanceof Map<?, ?> meta) {
                Group map = row.addGroup("meta");
                meta.forEach((k, v) -> map.addGroup("key_value").append("key", k.toString())
                        .append("value", (Long) v));
            }
            rows.add(row);
        }
        return rows;
    }

    static java.util.stream.Stream<Arguments> layouts() {
        List<Arguments> layouts = new ArrayList<>();
        for (CompressionCodecName codec : List.of(CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY,
                CompressionCodecName.GZIP, CompressionCodecName.ZSTD)) {
            for (boolean v2 : new boolean[] {false, true}) {
                layouts.add(Arguments.of(codec, v2));
            }
        }
        return layouts.stream();
    }

    @ParameterizedTest(name = "{0} data pages v2 {1}")
    @MethodSource("layouts")
    void readsWhatParquetsWriterWrote(CompressionCodecName codec, boolean pageV2) {
        Path file = temp.resolve("test-00000-of-00001.parquet");
        DatasetFiles.parquet(file, SCHEMA, rows(), codec, pageV2);
        assertEquals(expected(), ParquetDocuments.read(file));
    }

    @ParameterizedTest(name = "{0} data pages v2 {1}")
    @MethodSource("layouts")
    void aDamagedFileIsOneLineNamingIt(CompressionCodecName codec, boolean pageV2) throws Exception {
        Path file = temp.resolve("broken.parquet");
        DatasetFiles.parquet(file, SCHEMA, rows(), codec, pageV2);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        EvomergeException e = assertThrows(EvomergeException.class, () -> ParquetDocuments.read(file));
        assertTrue(e.getMessage().startsWith(file + ": not a Parquet file"), e.getMessage());
    }
}
