package org.evomerge.engine.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Runs per-tensor tasks on a run's threads under a memory budget: a task starts only when the bytes it holds while it
 * runs fit beside those of the tasks in flight, so peak memory stays near the budget whatever the model size. A task
 * that needs more than the whole budget waits until nothing else runs, then runs alone. Merging, the magnitude
 * pre-pass and kinship all run their tensors through it.
 *
 * <p>Tasks are admitted in the order given and their results come back in that order; a task must not depend on what
 * ran before it on its thread (per-tensor randomness is forked by the tensor's name), so results never depend on the
 * thread count. The first failure, checked in task order after each admission and again at the end, is rethrown as
 * the task threw it (tasks name their tensor in their errors); the other tasks are then cancelled (their threads
 * interrupted). An interrupt of the scheduling thread stops the run with an {@link IllegalStateException}.
 *
 * <p>Each call runs on its own daemon threads, shut down when it returns: nothing stays alive between runs.
 */
public final class TensorScheduler {

    /** A budget that never holds a task back: only the thread count limits what runs at once. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    /** One tensor's work. */
    public interface Task<T> {

        /** Bytes the task holds while it runs (its float arrays and buffers). */
        long workingBytes();

        /** Does the work, on a worker thread. */
        T run();

        /**
         * Called on the scheduling thread when this task has the whole budget (nothing else is in flight), just
         * before it starts: the moment to drop what earlier tasks left pooled.
         */
        default void startsAlone() {
        }
    }

    private final String activity;
    private final int threads;
    private final int permits;

    /**
     * @param activity    what the tasks do, for thread names and the interrupt message ({@code "merge"})
     * @param threads     tasks at once (at least 1)
     * @param budgetBytes bytes that tasks in flight may hold together, or {@link #UNBOUNDED}
     */
    public TensorScheduler(String activity, int threads, long budgetBytes) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.activity = activity;
        this.threads = threads;
        // Semaphore permits are KiB so that budgets beyond 2 GiB fit in an int.
        this.permits = (int) Math.min(Integer.MAX_VALUE, budgetBytes / 1024 + 1);
    }

    /** Whether a task holding {@code workingBytes} takes the whole budget, and so runs alone. */
    public boolean runsAlone(long workingBytes) {
        return cost(workingBytes) == permits;
    }

    private int cost(long workingBytes) {
        return (int) Math.min(permits, workingBytes / 1024 + 1);
    }

    /**
     * Runs every task and returns their results in task order.
     *
     * @throws RuntimeException the first failure in task order, as thrown
     * @throws Error            likewise
     */
    public <T> List<T> run(List<? extends Task<? extends T>> tasks) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        Semaphore budget = new Semaphore(permits);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, tasks.size()), runnable -> {
            Thread thread = new Thread(runnable, "evomerge-" + activity);
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<? extends T>> results = new ArrayList<>();
            for (Task<? extends T> task : tasks) {
                int cost = cost(task.workingBytes());
                try {
                    budget.acquire(cost);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(activity + " interrupted", e);
                }
                if (cost == permits) {
                    task.startsAlone();
                }
                results.add(pool.submit(() -> {
                    try {
                        return task.run();
                    } finally {
                        budget.release(cost);
                    }
                }));
                failFast(results);
            }
            List<T> out = new ArrayList<>(results.size());
            for (Future<? extends T> result : results) {
                out.add(await(result));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Rethrows the first failure of a finished task, so a broken run stops early. */
    private <T> void failFast(List<Future<? extends T>> results) {
        for (Future<? extends T> f : results) {
            if (f.isDone()) {
                await(f);
            }
        }
    }

    private <T> T await(Future<? extends T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(activity + " interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
