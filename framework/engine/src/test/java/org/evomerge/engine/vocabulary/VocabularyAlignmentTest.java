package org.evomerge.engine.vocabulary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.engine.recipe.TokenizerSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vocabulary alignment worked by hand on three tiny tokenizers (ALGORITHMS.md B.14, mergekit's tokenizer/build.py and
 * tokenizer/embed.py):
 *
 * <pre>
 * base: a0 b1 c2 &lt;s&gt;3(added)  pad4(added, beyond vocab_size 4)
 * m1:   a0 c1 d2 &lt;s&gt;3(added) &lt;x&gt;4(added)          vocab_size 5
 * m2:   a0 e1 d2                                 vocab_size 3
 * union: a0 b1 c2 &lt;s&gt;3 d4 e5 &lt;x&gt;6
 * </pre>
 *
 * Embedding rows hold 100·model + 10·row + column, so every output row says where it came from.
 */
class VocabularyAlignmentTest {

    @TempDir
    Path temp;

    private TokenizerVocabulary base;
    private TokenizerVocabulary m1;
    private TokenizerVocabulary m2;

    @BeforeEach
    void tokenizers() {
        base = TokenizerVocabulary.read(TokenizerFixtures.write(temp.resolve("base"), ordered("a", 0, "b", 1, "c", 2),
                ordered("<s>", 3, "pad", 4), List.of("a b", "b pad")));
        m1 = TokenizerVocabulary.read(TokenizerFixtures.write(temp.resolve("m1"), ordered("a", 0, "c", 1, "d", 2),
                ordered("<s>", 3, "<x>", 4), List.of()));
        m2 = TokenizerVocabulary.read(TokenizerFixtures.write(temp.resolve("m2"), ordered("a", 0, "e", 1, "d", 2),
                Map.of(), List.of()));
    }

    private static Map<String, Integer> ordered(Object... pairs) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return map;
    }

    private List<VocabularyAlignment.ModelVocabulary> models() {
        return List.of(new VocabularyAlignment.ModelVocabulary("base", Optional.of(base), 4),
                new VocabularyAlignment.ModelVocabulary("m1", Optional.of(m1), 5),
                new VocabularyAlignment.ModelVocabulary("m2", Optional.of(m2), 3));
    }

    private static TokenizerSettings settings(String yamlTokenizer) {
        MergeRecipe recipe = RecipeReader.parse("merge_method: linear\nmodels: [{model: base}]\n" + yamlTokenizer,
                Path.of("r.yml"));
        return recipe.tokenizer().orElseThrow();
    }

    /** Rows of 2 columns: 100·model + 10·row + column. */
    private static float[] matrix(int model, int rows) {
        float[] v = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            v[2 * r] = 100 * model + 10 * r;
            v[2 * r + 1] = 100 * model + 10 * r + 1;
        }
        return v;
    }

    private static float[] rowOf(float[] values, int row) {
        return new float[] {values[2 * row], values[2 * row + 1]};
    }

    private static float[] expected(int model, int row) {
        return new float[] {100 * model + 10 * row, 100 * model + 10 * row + 1};
    }

    @Test
    void unionOrdersTheBaseThenOtherTokensThenAddedTokensAndDropsTokensBeyondVocabSize() {
        VocabularyAlignment a = VocabularyAlignment.build(settings("tokenizer_source: union"), "base", models(),
                Optional.empty());
        assertEquals(ordered("a", 0, "b", 1, "c", 2, "<s>", 3, "d", 4, "e", 5, "<x>", 6), a.outputIds());
        assertEquals(7, a.rows());
        assertEquals(List.of(0, 1, 2, 3, -1, -1, -1), rows(a, "base"));
        assertEquals(List.of(0, -1, 1, 3, 2, -1, 4), rows(a, "m1"));
        assertEquals(List.of(0, -1, -1, -1, 2, 1, -1), rows(a, "m2"));
    }

    private static List<Integer> rows(VocabularyAlignment a, String model) {
        return java.util.stream.IntStream.range(0, 7).map(j -> a.rowOf(model, j)).boxed().toList();
    }

    @Test
    void missingRowsComeFromTheOnlyOwnerThenTheBaseThenTheMean() {
        VocabularyAlignment a = VocabularyAlignment.build(settings("tokenizer_source: union"), "base", models(),
                Optional.empty());
        List<float[]> out = a.align("model.embed_tokens.weight", List.of("m1", "m2", "base"),
                List.of(matrix(1, 5), matrix(2, 3), matrix(0, 4)), 2);
        float[] e1 = out.get(0);
        float[] e2 = out.get(1);
        float[] e0 = out.get(2);
        // a: everybody's own row 0
        assertArrayEquals(expected(1, 0), rowOf(e1, 0));
        assertArrayEquals(expected(2, 0), rowOf(e2, 0));
        assertArrayEquals(expected(0, 0), rowOf(e0, 0));
        // b: only the base has it -> its row 1 everywhere
        assertArrayEquals(expected(0, 1), rowOf(e1, 1));
        assertArrayEquals(expected(0, 1), rowOf(e2, 1));
        // c: base (row 2) and m1 (row 1); m2 lacks it and takes the base's row
        assertArrayEquals(expected(1, 1), rowOf(e1, 2));
        assertArrayEquals(expected(0, 2), rowOf(e2, 2));
        // <s>: base 3, m1 3; m2 takes the base's
        assertArrayEquals(expected(0, 3), rowOf(e2, 3));
        // d: m1 row 2 and m2 row 2, not the base: the base gets their mean
        assertArrayEquals(new float[] {(120 + 220) / 2f, (121 + 221) / 2f}, rowOf(e0, 4));
        assertArrayEquals(expected(1, 2), rowOf(e1, 4));
        // e: only m2 (row 1); <x>: only m1 (row 4)
        assertArrayEquals(expected(2, 1), rowOf(e0, 5));
        assertArrayEquals(expected(2, 1), rowOf(e1, 5));
        assertArrayEquals(expected(1, 4), rowOf(e2, 6));
        assertEquals(14, e0.length);
    }

    @Test
    void baseSourceKeepsTheStrippedBaseVocabularyAndAModelSourceItsOwn() {
        VocabularyAlignment b = VocabularyAlignment.build(settings("tokenizer_source: base"), "base", models(),
                Optional.empty());
        assertEquals(ordered("a", 0, "b", 1, "c", 2, "<s>", 3), b.outputIds());
        assertTrue(b.changesTokenizer(), "pad (id 4 >= vocab_size 4) was stripped");
        VocabularyAlignment m = VocabularyAlignment.build(settings("tokenizer_source: m2"), "base", models(),
                Optional.of(m2));
        assertEquals(ordered("a", 0, "e", 1, "d", 2), m.outputIds());
        assertFalse(m.changesTokenizer());
        List<float[]> out = m.align("lm_head.weight", List.of("base", "m1"), List.of(matrix(0, 4), matrix(1, 5)), 2);
        // e: nobody among the inputs has it -> zero; d: only m1 -> its row 2
        assertArrayEquals(new float[] {0, 0}, rowOf(out.get(0), 1));
        assertArrayEquals(expected(1, 2), rowOf(out.get(0), 2));
    }

    @Test
    void configuredTokensForceSourcesAndPaddingFillsWithTheMean() {
        VocabularyAlignment a = VocabularyAlignment.build(settings("""
                tokenizer:
                  source: base
                  pad_to_multiple_of: 4
                  tokens:
                    a: {source: m2, force: true}
                    b: {source: {kind: model_token, model: m1, token: c}}
                    "<new>": {source: {kind: zero}}
                """), "base", models(), Optional.empty());
        assertEquals(ordered("a", 0, "b", 1, "c", 2, "<s>", 3, "<new>", 4), a.outputIds());
        assertEquals(8, a.rows());
        List<float[]> out = a.align("model.embed_tokens.weight", List.of("base", "m1", "m2"),
                List.of(matrix(0, 4), matrix(1, 5), matrix(2, 3)), 2);
        for (float[] e : out) {
            assertArrayEquals(expected(2, 0), rowOf(e, 0), "forced: every model takes m2's a");
            assertArrayEquals(new float[] {0, 0}, rowOf(e, 4), "<new> is zero");
        }
        assertArrayEquals(expected(0, 1), rowOf(out.get(0), 1), "the base has b and is not forced");
        assertArrayEquals(expected(1, 1), rowOf(out.get(1), 1), "m1 lacks b: m1's row of c");
        // Padding rows 5..7: the mean of rows 0..4 of the same model.
        float[] e0 = out.get(0);
        float mean0 = (200 + 10 + 20 + 30 + 0) / 5f;
        float mean1 = (201 + 11 + 21 + 31 + 0) / 5f;
        for (int r = 5; r < 8; r++) {
            assertArrayEquals(new float[] {mean0, mean1}, rowOf(e0, r), 1e-4f);
        }
    }

    @Test
    void aConfiguredSourceMustHaveTheTokenAndBeAnInput() {
        VocabularyAlignment a = VocabularyAlignment.build(settings("""
                tokenizer:
                  source: union
                  tokens: {b: {source: m2}}
                """), "base", models(), Optional.empty());
        EvomergeException e = assertThrows(EvomergeException.class, () -> a.align("t", List.of("base", "m1", "m2"),
                List.of(matrix(0, 4), matrix(1, 5), matrix(2, 3)), 2));
        assertTrue(e.getMessage().contains("'m2' does not have token 'b'"), e.getMessage());
        VocabularyAlignment c = VocabularyAlignment.build(settings("""
                tokenizer:
                  tokens: {b: {source: m2}}
                """), "base", models(), Optional.empty());
        e = assertThrows(EvomergeException.class, () -> c.align("t", List.of("base", "m1"),
                List.of(matrix(0, 4), matrix(1, 5)), 2));
        assertTrue(e.getMessage().contains("not an input of tensor t"), e.getMessage());
    }

    @Test
    void tokenizerFilesAreRewrittenWithNewTokensAndWithoutTheStrippedOnesOrSlowFiles() throws Exception {
        VocabularyAlignment a = VocabularyAlignment.build(settings("tokenizer_source: union"), "base", models(),
                Optional.empty());
        Path out = Files.createDirectories(temp.resolve("out"));
        List<Path> files = AlignedTokenizerFiles.write(a, out);
        List<String> names = files.stream().map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(List.of("special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"), names);
        JsonNode json = new ObjectMapper().readTree(out.resolve("tokenizer.json").toFile());
        assertFalse(json.path("model").path("vocab").has("pad"));
        assertEquals(1, json.path("model").path("merges").size(), "'b pad' merge removed");
        List<String> added = new java.util.ArrayList<>();
        json.path("added_tokens").forEach(t -> added.add(t.path("content").asText() + "@" + t.path("id").asInt()));
        assertEquals(List.of("<s>@3", "d@4", "e@5", "<x>@6"), added);
        JsonNode config = new ObjectMapper().readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("<x>", config.path("added_tokens_decoder").path("6").path("content").asText());
        assertTrue(config.path("added_tokens_decoder").path("6").path("special").asBoolean());
        assertFalse(config.path("added_tokens_decoder").has("4") && config.path("added_tokens_decoder").path("4")
                .path("content").asText().equals("pad"));
        // Re-read: the written tokenizer has exactly the output vocabulary.
        assertEquals(a.outputIds(), TokenizerVocabulary.read(out).ids());
    }

    @Test
    void recipesRejectMalformedTokenizerSettings() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> settings("""
                tokenizer_source: union
                tokenizer: {source: base}
                """));
        assertTrue(e.getMessage().contains("at most one of 'tokenizer_source' and 'tokenizer'"), e.getMessage());
        e = assertThrows(EvomergeException.class, () -> settings("tokenizer: {tokens: {x: {source: {kind: weird}}}}"));
        assertTrue(e.getMessage().contains("'tokenizer.tokens.x.source.kind' must be model_token or zero"),
                e.getMessage());
        e = assertThrows(EvomergeException.class, () -> settings("tokenizer: {pad_to_multiple_of: -1}"));
        assertTrue(e.getMessage().contains("pad_to_multiple_of"), e.getMessage());
        // mergekit pads only when the value is true-ish (merge.py, tokenizer/embed.py): 0 pads nothing.
        assertEquals(OptionalInt.empty(), settings("tokenizer: {pad_to_multiple_of: 0}").padToMultipleOf());
        assertEquals(TokenizerSettings.Source.UNION, settings("tokenizer: {}").source());
        assertEquals(OptionalInt.of(64), settings("tokenizer: {source: base, pad_to_multiple_of: 64}").padToMultipleOf());
    }
}
