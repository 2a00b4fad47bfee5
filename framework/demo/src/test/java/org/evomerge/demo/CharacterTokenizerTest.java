package org.evomerge.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our Java-side encoding against Hugging Face's Rust tokenizer loading the tokenizer.json we write. */
class CharacterTokenizerTest {

    private final CharacterTokenizer tokenizer = new CharacterTokenizer(SyntheticTasks.alphabet());

    @Test
    void huggingFaceTokenizersGiveTheSameIdsAsOurEncoding(@TempDir Path dir) throws IOException {
        List<Path> files = tokenizer.writeSideFiles(dir, 64);
        assertEquals(List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        SyntheticTasks tasks = SyntheticTasks.generate(3);
        List<String> samples = new java.util.ArrayList<>(List.of("#12+7=", "luzo", "0 1 2", "ka lu mi", " #+= "));
        tasks.arithmetic().dev().forEach(i -> samples.add(i.prompt() + i.answer()));
        tasks.composed().test().forEach(i -> samples.add(i.prompt() + i.answer()));
        samples.addAll(tasks.corpus().dev());
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
            for (String text : samples) {
                int[] ours = tokenizer.encode(text);
                Encoding withSpecials = hf.encode(text, true, false);
                int[] expected = new int[ours.length + 1];
                expected[0] = CharacterTokenizer.BOS;
                System.arraycopy(ours, 0, expected, 1, ours.length);
                assertArrayEquals(expected, Arrays.stream(withSpecials.getIds()).mapToInt(Math::toIntExact).toArray(),
                        text);
                Encoding plain = hf.encode(text, false, false);
                assertArrayEquals(ours, Arrays.stream(plain.getIds()).mapToInt(Math::toIntExact).toArray(), text);
                long[] withEos = Arrays.copyOf(plain.getIds(), plain.getIds().length + 1);
                withEos[withEos.length - 1] = CharacterTokenizer.EOS;
                assertEquals(text, hf.decode(withEos, true), "decoding " + text);
                assertEquals(text, tokenizer.decode(Arrays.stream(withEos).mapToInt(Math::toIntExact).toArray()));
            }
        }
        assertEquals(Files.readString(files.getFirst()), Files.readString(dir.resolve("tokenizer.json")));
    }

    @Test
    void charactersOutsideTheAlphabetAreAnInputError() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> tokenizer.encode("12*3"));
        assertEquals("character '*' is not in the demo tokenizer's alphabet", e.getMessage());
    }
}
