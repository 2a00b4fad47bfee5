package org.evomerge.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.evomerge.demo.SyntheticTasks.Item;
import org.junit.jupiter.api.Test;

class SyntheticTasksTest {

    @Test
    void zorbicWritesOneSyllablePerDigit() {
        assertEquals("ka", SyntheticTasks.zorbic(0));
        assertEquals("luzo", SyntheticTasks.zorbic(19));
        assertEquals("rikatu", SyntheticTasks.zorbic(507));
    }

    @Test
    void answersAreRightAndSplitsAreDisjoint() {
        SyntheticTasks tasks = SyntheticTasks.generate(5);
        for (Item item : tasks.arithmetic().train()) {
            String[] operands = item.prompt().replace("=", "").split("\\+");
            assertEquals(Integer.parseInt(operands[0]) + Integer.parseInt(operands[1]),
                    Integer.parseInt(item.answer()));
        }
        for (Item item : tasks.composed().test()) {
            // the working steps: the sum in digits (the arithmetic skill), then in Zorbic (the language skill)
            String[] operands = item.prompt().substring(1).replace("=", "").split("\\+");
            int sum = Integer.parseInt(operands[0]) + Integer.parseInt(operands[1]);
            assertEquals(sum + "=" + SyntheticTasks.zorbic(sum), item.answer());
        }
        for (Item item : tasks.reversal().train()) {
            String word = item.prompt().substring(0, item.prompt().length() - 1);
            assertTrue(word.matches("[a-z]{3,7}"), word);
            assertEquals(new StringBuilder(word).reverse().toString(), item.answer());
        }
        for (SyntheticTasks.Splits s : List.of(tasks.arithmetic(), tasks.language(), tasks.composed())) {
            Set<String> train = new HashSet<>(s.train().stream().map(Item::prompt).toList());
            assertTrue(s.dev().stream().noneMatch(i -> train.contains(i.prompt())));
            assertTrue(s.test().stream().noneMatch(i -> train.contains(i.prompt())));
            assertTrue(s.dev().stream().noneMatch(i -> s.test().contains(i)));
            assertTrue(s.dev().size() >= 100 && s.test().size() >= 100, "at least 100 held-out items");
        }
        // The composed task's held-out sums are the arithmetic task's held-out problems.
        assertEquals(tasks.arithmetic().test().stream().map(i -> "#" + i.prompt()).toList(),
                tasks.composed().test().stream().map(Item::prompt).toList());
    }

    @Test
    void theSeedDecidesEverything() {
        SyntheticTasks a = SyntheticTasks.generate(11);
        SyntheticTasks b = SyntheticTasks.generate(11);
        SyntheticTasks c = SyntheticTasks.generate(12);
        assertEquals(a.arithmetic(), b.arithmetic());
        assertEquals(a.language(), b.language());
        assertEquals(a.corpus(), b.corpus());
        assertNotEquals(a.arithmetic().dev(), c.arithmetic().dev());
    }
}
