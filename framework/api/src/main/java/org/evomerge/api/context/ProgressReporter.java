package org.evomerge.api.context;

import org.evomerge.api.Stable;

/**
 * Where long work reports how far it got. The host draws a progress bar on a terminal and stays quiet in pipes or
 * with {@code --quiet}; extensions only report.
 */
@Stable(since = "0.1.0")
public interface ProgressReporter {

    /**
     * Starts a unit of work.
     *
     * @param label short name shown to the user
     * @param total amount of work in {@code unit}, or a negative number when unknown
     * @param unit  what is counted ("tensors", "bytes", "evaluations")
     */
    Progress start(String label, long total, String unit);

    /** A reporter that shows nothing. */
    ProgressReporter SILENT = (label, total, unit) -> new Progress() {
        @Override
        public void advance(long amount) {
        }

        @Override
        public void close() {
        }
    };

    /** One unit of work in progress; thread-safe. */
    interface Progress extends AutoCloseable {
        /** Adds {@code amount} to the work done. */
        void advance(long amount);

        /** Replaces the status text shown after the bar (e.g. "best 0.81"). */
        default void status(String text) {
        }

        /** Marks the work as finished. */
        @Override
        void close();
    }
}
