package org.evomerge.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tokenizer kinds (byte-level BPE, SentencePiece-style BPE with byte fallback, Unigram with the Metaspace
 * pre-tokenizer, WordPiece) against ids from an independent implementation. The fixtures under
 * {@code src/test/resources/tokenizers/KIND/} are {@code tokenizer.json} and {@code tokenizer_config.json} files
 * written for these tests (merges and pieces learnt from a paragraph of English by small Python scripts), and
 * {@code expected-ids.json}, produced by Hugging Face's pure-JavaScript tokenizers ({@code @huggingface/tokenizers}
 * 0.2.0 from npm, run with Node.js 20: {@code new Tokenizer(json, config).encode(text, {add_special_tokens}).ids}).
 */
class ReferenceEncodingsTest {

    static final Path FIXTURES = Path.of("src/test/resources/tokenizers");
    static final HuggingFaceTokenizers TOKENIZERS = new HuggingFaceTokenizers();

    @AfterAll
    static void closeTokenizers() {
        TOKENIZERS.close();
    }

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> all = new ArrayList<>();
        for (String kind : List.of("byte-level-bpe", "sentencepiece-bpe", "unigram-metaspace", "wordpiece")) {
            JsonNode doc = new ObjectMapper().readTree(FIXTURES.resolve(kind).resolve("expected-ids.json").toFile());
            for (JsonNode c : doc.get("cases")) {
                all.add(Arguments.of(kind, c.get("text").asText(), ids(c.get("ids")),
                        ids(c.get("ids_with_special_tokens"))));
            }
        }
        return all.stream();
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void encodesAsTheReferenceImplementation(String kind, String text, int[] ids, int[] withSpecialTokens) {
        DjlTokenizer tokenizer = TOKENIZERS.load(FIXTURES.resolve(kind));
        assertArrayEquals(ids, tokenizer.encode(text, false), "without special tokens");
        assertArrayEquals(withSpecialTokens, tokenizer.encode(text, true), "with special tokens");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void byteLevelTokenizersDecodeBackToTheText(String kind, String text, int[] ids, int[] withSpecialTokens) {
        if (kind.equals("wordpiece") || kind.equals("unigram-metaspace")) {
            return; // lowercasing, lost whitespace or <unk> for unseen characters: no round trip to expect
        }
        DjlTokenizer tokenizer = TOKENIZERS.load(FIXTURES.resolve(kind));
        assertEquals(text, tokenizer.decode(ids, true));
        assertEquals(text, tokenizer.decode(withSpecialTokens, true), "special tokens skipped");
    }

    @Test
    void specialTokenIdsComeFromTheTokenizerConfig() {
        assertEquals(OptionalInt.of(1), TOKENIZERS.load(FIXTURES.resolve("sentencepiece-bpe")).bosTokenId());
        assertEquals(OptionalInt.of(2), TOKENIZERS.load(FIXTURES.resolve("sentencepiece-bpe")).eosTokenId());
        DjlTokenizer byteLevel = TOKENIZERS.load(FIXTURES.resolve("byte-level-bpe"));
        assertEquals(byteLevel.encode("<|endoftext|>", false)[0], byteLevel.eosTokenId().orElseThrow());
        assertEquals(byteLevel.eosTokenId(), byteLevel.bosTokenId());
        assertTrue(TOKENIZERS.load(FIXTURES.resolve("wordpiece")).eosTokenId().isEmpty(), "BERT declares no EOS");
    }

    @Test
    void longTextsAreNeverTruncated() {
        DjlTokenizer tokenizer = TOKENIZERS.load(FIXTURES.resolve("wordpiece"));
        String text = "the dog ".repeat(2000);
        int[] ids = tokenizer.encode(text, false);
        assertEquals(4000, ids.length, "DJL's default maximum length must not apply");
        assertEquals(4002, tokenizer.encode(text, true).length);
    }

    @Test
    void theSameFileIsLoadedOnce() {
        assertTrue(TOKENIZERS.load(FIXTURES.resolve("wordpiece"))
                == TOKENIZERS.load(FIXTURES.resolve("wordpiece").resolve("tokenizer.json")));
        assertFalse(TOKENIZERS.load(FIXTURES.resolve("wordpiece")).toString().isEmpty());
    }
}
