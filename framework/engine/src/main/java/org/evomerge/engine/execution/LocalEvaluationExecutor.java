package org.evomerge.engine.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationTask;

/**
 * The default executor ({@code local}): a fixed pool of daemon threads in the coordinator's JVM, each scoring one
 * candidate at a time with the run's {@link CandidateEvaluator}. The time budget is checked just before each task
 * starts.
 */
public final class LocalEvaluationExecutor implements EvaluationExecutor {

    /** The id of the built-in executor in run files ({@code execution.executor: local}). */
    public static final String ID = "local";

    private final CandidateEvaluator evaluator;
    private final ExecutorService pool;

    /** @param workers evaluations at once */
    public LocalEvaluationExecutor(CandidateEvaluator evaluator, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        this.evaluator = evaluator;
        // Not the engine's TensorScheduler: evaluations are not tensors. They hold no budgeted memory, live as long as
        // the run (one pool serves every generation), and a failed one must not cancel the others, whose results
        // are already being journaled.
        this.pool = Executors.newFixedThreadPool(workers, runnable -> {
            Thread t = new Thread(runnable, "evomerge-evaluation");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void evaluate(List<EvaluationTask> tasks, Listener listener) {
        List<Future<?>> running = new ArrayList<>();
        for (EvaluationTask task : tasks) {
            running.add(pool.submit(() -> {
                if (!listener.mayStart(task)) {
                    return;
                }
                long t0 = System.nanoTime();
                Map<String, EvaluationResult> results = evaluator.evaluate(task);
                listener.finished(task, results, (System.nanoTime() - t0) / 1e9);
            }));
        }
        RuntimeException failure = null;
        // Wait for every task, so no evaluation is still running (and journaling) when the caller moves on.
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("evaluation interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
