package org.evomerge.cli.output;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.evomerge.api.context.ProgressReporter;

/**
 * A progress bar on the terminal's standard error: one line redrawn in place with the work done, the total, the
 * rate and the time left. Redraws at most ten times a second; used only when standard output is a terminal and
 * {@code --quiet} is not given.
 */
public final class TerminalProgress implements ProgressReporter {

    private final PrintWriter err;

    public TerminalProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public Progress start(String label, long total, String unit) {
        long started = System.nanoTime();
        AtomicLong done = new AtomicLong();
        AtomicLong lastDraw = new AtomicLong();
        return new Progress() {
            private volatile String status = "";

            @Override
            public void advance(long amount) {
                long now = System.nanoTime();
                long value = done.addAndGet(amount);
                long previous = lastDraw.get();
                if ((now - previous > 100_000_000L || (total > 0 && value >= total)) && lastDraw.compareAndSet(previous, now)) {
                    draw(value, now);
                }
            }

            @Override
            public void status(String text) {
                status = text;
            }

            @Override
            public void close() {
                draw(done.get(), System.nanoTime());
                synchronized (err) {
                    err.println();
                    err.flush();
                }
            }

            private void draw(long value, long now) {
                double seconds = Math.max(1e-9, (now - started) / 1e9);
                double rate = value / seconds;
                StringBuilder line = new StringBuilder("\r").append(label).append(' ');
                if (total > 0) {
                    int width = 30;
                    int filled = (int) Math.min(width, width * value / total);
                    line.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ")
                            .append(format(value, unit)).append('/').append(format(total, unit));
                    if (rate > 0 && value < total) {
                        line.append(" ETA ").append(duration((total - value) / rate));
                    }
                } else {
                    line.append(format(value, unit));
                }
                line.append(' ').append(format((long) rate, unit)).append("/s ").append(status);
                synchronized (err) {
                    err.print(line);
                    err.print("\u001B[K");
                    err.flush();
                }
            }
        };
    }

    static String format(long value, String unit) {
        return unit.equals("bytes") ? ByteSize.format(value) : value + " " + unit;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
