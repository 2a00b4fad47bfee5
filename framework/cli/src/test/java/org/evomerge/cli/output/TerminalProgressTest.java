package org.evomerge.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.evomerge.api.context.ProgressReporter;
import org.junit.jupiter.api.Test;

class TerminalProgressTest {

    /** An evolution does far less than one evaluation a second: "0 evaluations/s" said nothing. */
    @Test
    void ratesAreGivenPerSecondMinuteOrHourWhicheverShowsThem() {
        assertEquals("12.5/s", TerminalProgress.rate(12.5, "evaluations"));
        assertEquals("1.00/s", TerminalProgress.rate(1, "evaluations"));
        assertEquals("2.40/min", TerminalProgress.rate(0.04, "evaluations"));
        assertEquals("1.00/min", TerminalProgress.rate(1 / 60.0, "evaluations"));
        assertEquals("30.0/h", TerminalProgress.rate(30 / 3600.0, "evaluations"));
        assertEquals("0.50/h", TerminalProgress.rate(0.5 / 3600, "evaluations"));
        assertEquals("150/s", TerminalProgress.rate(150, "evaluations"));
    }

    @Test
    void theUnitIsPrintedOnce() {
        assertEquals("3/8 evaluations", TerminalProgress.amounts(3, 8, "evaluations"));
        assertEquals("3 evaluations", TerminalProgress.amounts(3, 0, "evaluations"));
        assertEquals(TerminalProgress.format(1500, "bytes") + "/" + TerminalProgress.format(3000, "bytes"),
                TerminalProgress.amounts(1500, 3000, "bytes"));

        StringWriter text = new StringWriter();
        ProgressReporter.Progress bar = new TerminalProgress(new PrintWriter(text)).start("evolving", 8, "evaluations");
        bar.status("gen 1 best -0.5");
        bar.advance(8);
        bar.close();
        String last = text.toString().substring(text.toString().lastIndexOf('\r') + 1).strip();
        assertTrue(last.startsWith("evolving [") && last.contains("] 8/8 evaluations, "), last);
        assertEquals(1, last.split("evaluations", -1).length - 1, last);
        assertTrue(last.matches(".*, [0-9.]+/(s|min|h) gen 1 best -0\\.5.*"), last);
    }
}
