package org.evomerge.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The scheduler that merging, the pre-pass and kinship share: results in task order, the memory budget, the first
 * failure rethrown as thrown with the rest cancelled, and an interrupted scheduling thread.
 */
class TensorSchedulerTest {

    private static <T> TensorScheduler.Task<T> task(long bytes, Supplier<T> work) {
        return new TensorScheduler.Task<>() {
            @Override
            public long workingBytes() {
                return bytes;
            }

            @Override
            public T run() {
                return work.get();
            }
        };
    }

    @Test
    void resultsComeBackInTaskOrderWhateverFinishesFirst() {
        List<TensorScheduler.Task<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int index = i;
            tasks.add(task(0, () -> {
                sleep(8 - index);
                return index;
            }));
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), new TensorScheduler("test", 4, 1 << 20).run(tasks));
    }

    @Test
    void tasksRunTogetherOnlyWhileTheirBytesFitTheBudget() {
        long budget = 10 << 20;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<TensorScheduler.Task<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tasks.add(task(4 << 20, () -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                sleep(5);
                running.decrementAndGet();
                return null;
            }));
        }
        new TensorScheduler("test", 4, budget).run(tasks);
        assertTrue(most.get() <= 2, "at most two 4 MiB tasks in a 10 MiB budget, saw " + most.get());
    }

    @Test
    void aTaskLargerThanTheBudgetRunsAloneAndIsToldSo() {
        TensorScheduler scheduler = new TensorScheduler("test", 4, 1 << 20);
        assertTrue(scheduler.runsAlone(2 << 20));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger alone = new AtomicInteger();
        List<TensorScheduler.Task<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            boolean large = i % 3 == 2;
            tasks.add(new TensorScheduler.Task<>() {
                @Override
                public long workingBytes() {
                    return large ? 2 << 20 : 1 << 10;
                }

                @Override
                public void startsAlone() {
                    assertEquals(0, running.get(), "nothing else in flight");
                    alone.incrementAndGet();
                }

                @Override
                public Integer run() {
                    int now = running.incrementAndGet();
                    sleep(3);
                    running.decrementAndGet();
                    return now;
                }
            });
        }
        List<Integer> concurrency = scheduler.run(tasks);
        assertEquals(2, alone.get());
        assertEquals(1, concurrency.get(2));
        assertEquals(1, concurrency.get(5));
    }

    @Test
    void theFirstFailureIsRethrownAsThrownAndTheOtherTasksAreCancelled() throws InterruptedException {
        CountDownLatch cancelled = new CountDownLatch(1);
        UncheckedIOException failure = new UncheckedIOException("disk full", new IOException("disk full"));
        List<TensorScheduler.Task<Void>> tasks = List.of(
                task(0, () -> {
                    sleep(20);
                    throw failure;
                }),
                task(0, () -> {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        cancelled.countDown();
                    }
                    return null;
                }));
        UncheckedIOException thrown = assertThrows(UncheckedIOException.class,
                () -> new TensorScheduler("test", 2, TensorScheduler.UNBOUNDED).run(tasks));
        assertSame(failure, thrown);
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the task still running was interrupted");
    }

    @Test
    void anInterruptedSchedulingThreadStopsTheRunAndKeepsItsInterruptFlag() {
        Thread.currentThread().interrupt();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new TensorScheduler("merge", 1, 1 << 20).run(List.of(task(0, () -> 1))));
        assertEquals("merge interrupted", e.getMessage());
        assertTrue(Thread.interrupted());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
