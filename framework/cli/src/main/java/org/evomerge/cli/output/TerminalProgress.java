package org.evomerge.cli.output;

import java.io.PrintWriter;
import java.util.Locale;
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
                    line.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
                }
                line.append(amounts(value, total, unit));
                if (value > 0) {
                    line.append(", ").append(rate(rate, unit));
                    if (total > 0 && value < total) {
                        line.append(", ETA ").append(duration((total - value) / rate));
                    }
                }
                line.append(' ').append(status);
                synchronized (err) {
                    err.print(line);
                    err.print("\u001B[K");
                    err.flush();
                }
            }
        };
    }

    /** {@code 3/8 evaluations}: the unit once; sizes in bytes each with their own unit. */
    static String amounts(long value, long total, String unit) {
        if (unit.equals("bytes")) {
            return total > 0 ? format(value, unit) + "/" + format(total, unit) : format(value, unit);
        }
        return (total > 0 ? value + "/" + total : Long.toString(value)) + " " + unit;
    }

    /**
     * {@code 2.40/min}: a count per second, minute or hour, whichever gives at least one (a slow evolution does less
     * than one evaluation a second); bytes per second.
     */
    static String rate(double perSecond, String unit) {
        if (unit.equals("bytes")) {
            return format((long) perSecond, unit) + "/s";
        }
        if (perSecond >= 1) {
            return significant(perSecond) + "/s";
        }
        if (perSecond * 60 >= 1) {
            return significant(perSecond * 60) + "/min";
        }
        return significant(perSecond * 3600) + "/h";
    }

    private static String significant(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String format(long value, String unit) {
        return unit.equals("bytes") ? ByteSize.format(value) : value + " " + unit;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
