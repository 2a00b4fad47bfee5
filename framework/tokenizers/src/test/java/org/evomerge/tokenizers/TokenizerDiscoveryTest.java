package org.evomerge.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerDiscoveryTest {

    static final HuggingFaceTokenizers TOKENIZERS = new HuggingFaceTokenizers();

    @AfterAll
    static void closeTokenizers() {
        TOKENIZERS.close();
    }

    @TempDir
    Path temp;

    private static Model model(Optional<Path> location, List<Path> sideFiles) {
        return new InMemoryModel("test", location, ModelConfig.of(Map.of("model_type", "llama")),
                InMemoryTensors.of(List.of()), sideFiles, () -> { });
    }

    private Path copyFixture(String kind, Path into) throws Exception {
        Files.createDirectories(into);
        Path source = ReferenceEncodingsTest.FIXTURES.resolve(kind);
        Files.copy(source.resolve("tokenizer.json"), into.resolve("tokenizer.json"));
        Files.copy(source.resolve("tokenizer_config.json"), into.resolve("tokenizer_config.json"));
        return into;
    }

    @Test
    void findsTheTokenizerAmongSideFiles() throws Exception {
        Path folder = copyFixture("sentencepiece-bpe", temp.resolve("side"));
        Model inMemory = model(Optional.empty(), List.of(folder.resolve("tokenizer_config.json"),
                folder.resolve("tokenizer.json")));
        Tokenizer tokenizer = TOKENIZERS.forModel(inMemory).orElseThrow();
        assertEquals(1, tokenizer.bosTokenId().orElseThrow());
    }

    @Test
    void findsTheTokenizerInTheModelFolderOrNextToASingleFile() throws Exception {
        Path folder = copyFixture("wordpiece", temp.resolve("folder"));
        assertTrue(TOKENIZERS.forModel(model(Optional.of(folder), List.of())).isPresent());
        Path gguf = Files.writeString(folder.resolve("model.gguf"), "x");
        Tokenizer next = TOKENIZERS.forModel(model(Optional.of(gguf), List.of())).orElseThrow();
        assertArrayEquals(new int[] {2, 3}, next.encode("", true));
    }

    @Test
    void aModelWithoutTokenizerFilesHasNone() {
        assertTrue(TOKENIZERS.forModel(model(Optional.of(temp), List.of())).isEmpty());
        assertTrue(TOKENIZERS.forModel(model(Optional.empty(), List.of())).isEmpty());
    }

    @Test
    void aBrokenTokenizerFileIsAnInputErrorNamingTheFile() throws Exception {
        Path broken = Files.writeString(temp.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Nonsense\"}}");
        EvomergeException e = assertThrows(EvomergeException.class, () -> TOKENIZERS.load(broken));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith(broken.toAbsolutePath().toString()), e.getMessage());
        Path notJson = Files.writeString(temp.resolve("other.json"), "{not json");
        EvomergeException e2 = assertThrows(EvomergeException.class, () -> TOKENIZERS.load(notJson));
        assertTrue(e2.getMessage().contains("not valid JSON"), e2.getMessage());
    }

    @Test
    void specialTokenIdsFallBackToGenerationConfig() throws Exception {
        Path folder = copyFixture("wordpiece", temp.resolve("gen"));
        Files.delete(folder.resolve("tokenizer_config.json"));
        Files.writeString(folder.resolve("generation_config.json"), "{\"bos_token_id\": 2, \"eos_token_id\": [3, 0]}");
        Tokenizer tokenizer = TOKENIZERS.forModel(model(Optional.of(folder), List.of())).orElseThrow();
        assertEquals(2, tokenizer.bosTokenId().orElseThrow());
        assertEquals(3, tokenizer.eosTokenId().orElseThrow());
    }
}
