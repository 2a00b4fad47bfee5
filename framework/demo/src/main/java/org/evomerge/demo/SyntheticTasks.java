package org.evomerge.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo's deterministic synthetic world, a miniature of the seed papers' setting (English maths + Japanese
 * language → Japanese maths):
 * <ul>
 *   <li><b>arithmetic</b>: {@code "12+7="} → {@code "19"}, operands in {@code [0, MAX_OPERAND)};</li>
 *   <li><b>language</b>: numbers written in Zorbic, an invented language whose digits are syllables
 *       ({@code 0 ka, 1 lu, 2 mi, 3 no, 4 pe, 5 ri, 6 so, 7 tu, 8 ve, 9 zo}), asked with a {@code #}:
 *       {@code "#19="} → {@code "luzo"};</li>
 *   <li><b>composed</b>: a sum answered in Zorbic with its working step, the sum in digits first, which needs
 *       both skills, one after the other: {@code "#12+7="} → {@code "19=luzo"};</li>
 *   <li><b>reversal</b>: the distractor's skill, which no scored task asks for: {@code "abc="} → {@code "cba"},
 *       3 to 7 letters;</li>
 *   <li>a <b>corpus</b> of plain text the base model learns from: counting in digits and in Zorbic.</li>
 * </ul>
 * Everything is a pure function of the seed. The composed task's dev and test problems are the arithmetic task's
 * dev and test problems, so no model has seen their sums during training.
 *
 * @param arithmetic the arithmetic task
 * @param language   the Zorbic task
 * @param composed   sums answered in digits, then in Zorbic
 * @param reversal   letter strings reversed
 * @param corpus     the base model's plain-text corpus
 */
public record SyntheticTasks(Splits arithmetic, Splits language, Splits composed, Splits reversal, Corpus corpus) {

    /** Operands of the arithmetic task are in {@code [0, MAX_OPERAND)}. */
    public static final int MAX_OPERAND = 30;
    /** Numbers of the language task are in {@code [0, MAX_NUMBER)}. */
    public static final int MAX_NUMBER = 1000;

    /** Items of the distractor's task, string reversal. */
    public static final int REVERSAL_ITEMS = 1000;

    private static final String[] SYLLABLES = {"ka", "lu", "mi", "no", "pe", "ri", "so", "tu", "ve", "zo"};

    /** A prompt and its expected answer. */
    public record Item(String prompt, String answer) {
    }

    /** One task's splits. */
    public record Splits(List<Item> train, List<Item> dev, List<Item> test) {
    }

    /** Plain text lines. */
    public record Corpus(List<String> train, List<String> dev, List<String> test) {
    }

    /** The demo's data for {@code seed}. */
    public static SyntheticTasks generate(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> pairs = new ArrayList<>();
        for (int a = 0; a < MAX_OPERAND; a++) {
            for (int b = 0; b < MAX_OPERAND; b++) {
                pairs.add(new int[] {a, b});
            }
        }
        shuffle(pairs, random.split());
        int heldOut = pairs.size() / 8;
        List<Item> arithmeticItems = pairs.stream().map(p -> new Item(p[0] + "+" + p[1] + "=",
                Integer.toString(p[0] + p[1]))).toList();
        List<Item> composedItems = pairs.stream().map(p -> new Item("#" + p[0] + "+" + p[1] + "=",
                (p[0] + p[1]) + "=" + zorbic(p[0] + p[1]))).toList();
        Splits arithmetic = split(arithmeticItems, heldOut);
        Splits composed = split(composedItems, heldOut);

        List<Integer> numbers = new ArrayList<>();
        for (int n = 0; n < MAX_NUMBER; n++) {
            numbers.add(n);
        }
        shuffle(numbers, random.split());
        List<Item> languageItems = numbers.stream().map(n -> new Item("#" + n + "=", zorbic(n))).toList();
        Splits language = split(languageItems, MAX_NUMBER / 10);

        SplittableRandom text = random.split();
        Corpus corpus = new Corpus(corpusLines(text, 2000), corpusLines(text, 100), corpusLines(text, 100));
        SplittableRandom letters = random.split();
        List<Item> reversalItems = new ArrayList<>();
        for (int i = 0; i < REVERSAL_ITEMS; i++) {
            StringBuilder word = new StringBuilder();
            int length = 3 + letters.nextInt(5);
            for (int k = 0; k < length; k++) {
                word.append((char) ('a' + letters.nextInt(26)));
            }
            reversalItems.add(new Item(word + "=", new StringBuilder(word).reverse().toString()));
        }
        Splits reversal = split(reversalItems, REVERSAL_ITEMS / 10);
        return new SyntheticTasks(arithmetic, language, composed, reversal, corpus);
    }

    /** {@code n} in Zorbic: one syllable per decimal digit. */
    public static String zorbic(int n) {
        StringBuilder out = new StringBuilder();
        for (char c : Integer.toString(n).toCharArray()) {
            out.append(SYLLABLES[c - '0']);
        }
        return out.toString();
    }

    /** Counting runs in digits ({@code "7 8 9 10 11"}) and in Zorbic ({@code "tu ve zo luka"}). */
    private static List<String> corpusLines(SplittableRandom random, int count) {
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int start = random.nextInt(100);
            int length = 3 + random.nextInt(5);
            boolean words = random.nextBoolean();
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < length; k++) {
                if (k > 0) {
                    line.append(' ');
                }
                line.append(words ? zorbic(start + k) : Integer.toString(start + k));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    private static Splits split(List<Item> items, int heldOut) {
        return new Splits(items.subList(2 * heldOut, items.size()), items.subList(0, heldOut),
                items.subList(heldOut, 2 * heldOut));
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T swap = list.get(i);
            list.set(i, list.get(j));
            list.set(j, swap);
        }
    }

    /** Every character the data uses. */
    public static String alphabet() {
        return " #+=0123456789abcdefghijklmnopqrstuvwxyz";
    }
}
