package org.evomerge.plugins.evaluation.lmeval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets found where {@code datasets.load_dataset} finds them, in the layouts the tools leave on disk (written here:
 * no network): {@code data_files} of the packaged builders, local folders split by file names or a dataset card's
 * configs, the datasets cache's Arrow files ({@code ORG___NAME/CONFIG/VERSION/HASH/NAME-SPLIT.arrow}), the hub cache's
 * snapshots ({@code datasets--ORG--NAME/snapshots/REV/CONFIG/SPLIT-00000-of-00001.parquet}).
 */
class DatasetLocatorTest {

    @TempDir
    Path temp;

    DatasetLocator.Request request(String path, Optional<String> name, Map<String, Object> kwargs,
                                   Map<String, String> environment) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.putIfAbsent("HOME", temp.resolve("home").toString());
        return new DatasetLocator.Request("t", path, name, kwargs, temp.resolve("tasks"), temp.resolve("cwd"), env);
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    @Test
    void packagedBuildersReadDataFilesRelativeToTheTaskThenTheWorkingFolder() throws IOException {
        Path test = write(temp.resolve("tasks/data/test.jsonl"), "{\"q\": \"a\"}\n");
        Path train = write(temp.resolve("cwd/train.csv"), "q,n\nb,1\n");
        DatasetLocator.Found found = DatasetLocator.locate(request("json", Optional.empty(),
                Map.of("data_files", Map.of("test", "data/test.jsonl", "train", "train.csv")), Map.of()));
        assertEquals(List.of(test), found.splits().get("test"));
        assertEquals(List.of(train), found.splits().get("train"));
        DatasetLocator.Found single = DatasetLocator.locate(request("json", Optional.empty(),
                Map.of("data_files", "data/*.jsonl"), Map.of()));
        assertEquals(Map.of("train", List.of(test)), single.splits(), "a file or glob alone is the train split");
        EvomergeException missing = assertThrows(EvomergeException.class, () -> DatasetLocator.locate(request("json",
                Optional.empty(), Map.of("data_files", Map.of("test", "nowhere.jsonl")), Map.of())));
        assertTrue(missing.getMessage().startsWith("lm-eval task 't': data file nowhere.jsonl is not on disk; tried "
                + temp.resolve("tasks/nowhere.jsonl") + ", " + temp.resolve("cwd/nowhere.jsonl")),
                missing.getMessage());
    }

    @Test
    void aLocalFolderIsSplitByFileNamesAndNamedConfigFolders() throws IOException {
        Path folder = temp.resolve("tasks/mydata");
        Path train = write(folder.resolve("train-00000-of-00001.parquet"), "");
        Path test = write(folder.resolve("data/test.jsonl"), "");
        Path dev = write(folder.resolve("dev.csv"), "");
        write(folder.resolve("notes.md"), "");
        DatasetLocator.Found found = DatasetLocator.locate(request("mydata", Optional.empty(), Map.of(), Map.of()));
        assertEquals(Map.of("train", List.of(train), "validation", List.of(dev), "test", List.of(test)),
                found.splits());
        Path easy = write(folder.resolve("ARC-Easy/test/0000.parquet"), "");
        DatasetLocator.Found config = DatasetLocator.locate(request("mydata", Optional.of("ARC-Easy"), Map.of(),
                Map.of()));
        assertEquals(Map.of("test", List.of(easy)), config.splits(), "the auto-converted layout CONFIG/SPLIT/");
    }

    @Test
    void aDatasetCardsConfigsNameTheFilesOfEachConfig() throws IOException {
        Path folder = temp.resolve("tasks/ai2_arc");
        write(folder.resolve("README.md"), """
                ---
                configs:
                - config_name: ARC-Challenge
                  data_files:
                  - split: test
                    path: ARC-Challenge/test-*
                - config_name: ARC-Easy
                  data_files:
                  - split: train
                    path: ARC-Easy/train-*
                  - split: test
                    path: ARC-Easy/test-*
                ---
                # ai2_arc
                """);
        Path test = write(folder.resolve("ARC-Easy/test-00000-of-00001.parquet"), "");
        Path train = write(folder.resolve("ARC-Easy/train-00000-of-00001.parquet"), "");
        write(folder.resolve("ARC-Challenge/test-00000-of-00001.parquet"), "");
        DatasetLocator.Found found = DatasetLocator.locate(request("ai2_arc", Optional.of("ARC-Easy"), Map.of(),
                Map.of()));
        assertEquals(Map.of("train", List.of(train), "test", List.of(test)), found.splits());
        EvomergeException unknown = assertThrows(EvomergeException.class, () -> DatasetLocator.locate(
                request("ai2_arc", Optional.of("ARC-Hard"), Map.of(), Map.of())));
        assertTrue(unknown.getMessage().contains("has no config 'ARC-Hard' (its configs: ARC-Challenge, ARC-Easy)"),
                unknown.getMessage());
    }

    @Test
    void theDatasetsCacheHoldsPreparedArrowFiles() throws IOException {
        Path cache = temp.resolve("hf/datasets");
        Path prepared = cache.resolve("allenai___ai2_arc/ARC-Easy/0.0.0/210d026faf9955653af8916fad021475a3f00453");
        write(prepared.resolve("dataset_info.json"), "{}");
        DatasetFiles.arrow(prepared.resolve("ai2_arc-test.arrow"), List.<Object[]>of(new Object[] {"Q?", 1L, List.of("a", "b")}),
                false);
        DatasetFiles.arrow(prepared.resolve("ai2_arc-train-00000-of-00002.arrow"), List.<Object[]>of(new Object[] {"T0", 0L,
                List.of("c")}), false);
        DatasetFiles.arrow(prepared.resolve("ai2_arc-train-00001-of-00002.arrow"), List.<Object[]>of(new Object[] {"T1", 0L,
                List.of("d")}), false);
        DatasetLocator.Found found = DatasetLocator.locate(request("allenai/ai2_arc", Optional.of("ARC-Easy"),
                Map.of(), Map.of("HF_HOME", temp.resolve("hf").toString())));
        assertEquals(List.of(prepared.resolve("ai2_arc-test.arrow")), found.splits().get("test"));
        assertEquals(2, found.splits().get("train").size());
        List<Map<String, Object>> docs = DocumentReader.read(found.splits().get("train"), Map.of());
        assertEquals(List.of(Map.of("question", "T0", "label", 0L, "choices", List.of("c")),
                Map.of("question", "T1", "label", 0L, "choices", List.of("d"))), docs);
        DatasetLocator.Found byVariable = DatasetLocator.locate(request("allenai/ai2_arc", Optional.of("ARC-Easy"),
                Map.of(), Map.of("HF_DATASETS_CACHE", cache.toString())));
        assertEquals(found.splits(), byVariable.splits());
    }

    @Test
    void theHubCachesSnapshotIsReadAsAFolder() throws IOException {
        Path repository = temp.resolve("xdg/huggingface/hub/datasets--openai--gsm8k");
        Path snapshot = repository.resolve("snapshots/e53f048856ff4f594e959d75785d2c2d37b678ee");
        write(repository.resolve("refs/main"), "e53f048856ff4f594e959d75785d2c2d37b678ee");
        write(snapshot.resolve("README.md"), """
                ---
                configs:
                - config_name: main
                  data_files:
                  - split: train
                    path: main/train-*
                  - split: test
                    path: main/test-*
                ---
                """);
        Path test = snapshot.resolve("main/test-00000-of-00001.parquet");
        DatasetFiles.parquet(test, ParquetDocumentsTest.SCHEMA, ParquetDocumentsTest.rows(),
                CompressionCodecName.SNAPPY, false);
        DatasetLocator.Found found = DatasetLocator.locate(request("openai/gsm8k", Optional.of("main"), Map.of(),
                Map.of("XDG_CACHE_HOME", temp.resolve("xdg").toString())));
        assertEquals(List.of(test), found.splits().get("test"));
        assertEquals(ParquetDocumentsTest.expected(), DocumentReader.read(found.splits().get("test"), Map.of()));
    }

    @Test
    void aDatasetThatIsNowhereSaysWhereItLookedAndHowToPlaceIt() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> DatasetLocator.locate(
                request("allenai/ai2_arc", Optional.of("ARC-Easy"), Map.of(),
                        Map.of("HF_HOME", temp.resolve("hf").toString()))));
        assertEquals("lm-eval task 't': dataset allenai/ai2_arc (ARC-Easy) is not on disk; tried "
                + temp.resolve("tasks/allenai/ai2_arc") + ", " + temp.resolve("cwd/allenai/ai2_arc") + ", "
                + temp.resolve("hf/datasets/allenai___ai2_arc/ARC-Easy") + ", "
                + temp.resolve("hf/datasets/allenai--ai2_arc/ARC-Easy") + ", "
                + temp.resolve("hf/datasets/ai2_arc/ARC-Easy") + ", "
                + temp.resolve("hf/hub/datasets--allenai--ai2_arc/snapshots") + ". evomerge reads datasets offline:"
                + " download it once into the Hugging Face cache (huggingface-cli download allenai/ai2_arc"
                + " --repo-type dataset), or point dataset_path at a local file or folder (JSON, JSONL, CSV,"
                + " Parquet, Arrow)", e.getMessage());
    }
}
