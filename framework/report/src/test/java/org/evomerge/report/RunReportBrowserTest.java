package org.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report page in a real browser: headless Chromium (Debian's {@code chromium}; CI installs it in
 * {@code .ci/run}). Skipped only when the browser is absent.
 */
class RunReportBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path temp;

    @BeforeAll
    static void needsChromium() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (apt-get install chromium)");
    }

    private record Browser(int exitCode, String out, String err) {
    }

    private Browser chromium(Path page, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(temp, "profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
        command.addAll(List.of(extra));
        command.add(page.toUri().toString());
        Path out = temp.resolve("chromium.out");
        Path err = temp.resolve("chromium.err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + Files.readString(err));
        }
        return new Browser(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The page's own console messages (Chromium logs them as CONSOLE lines); browser start-up noise is not. */
    private static List<String> consoleLines(String err) {
        return err.lines().filter(l -> l.contains(":CONSOLE")).toList();
    }

    @Test
    void theComparisonPageRendersWithoutErrors() throws Exception {
        Path page = temp.resolve("runs/comparison.html");
        RunComparison.of(RunComparisonTest.runs(temp.resolve("runs"))).write(page);
        Browser dom = chromium(page, "--window-size=1100,1600", "--dump-dom");
        assertEquals(0, dom.exitCode(), dom.err());
        assertTrue(dom.out().contains("<body data-images=\"loaded\" data-image-count=\"1\">"),
                "the chart did not decode: " + dom.out().lines().filter(l -> l.contains("<body")).toList());
        String root = dom.out().lines().filter(l -> l.startsWith("<html")).findFirst().orElseThrow();
        assertFalse(root.contains("data-errors"), "the page reported errors: " + root);
        assertEquals(List.of(), consoleLines(dom.err()));
    }

    @Test
    void theReportRendersWithoutErrorsAndShowsEveryPlot() throws Exception {
        Path dir = new SyntheticRun(5, 6).write(temp.resolve("run"), true, true, true);
        RunReport.Written written = RunReport.write(dir);

        // One browser start for both: the DOM after the load event on stdout, and a screenshot.
        Path shot = temp.resolve("report.png");
        Browser dom = chromium(written.html(), "--window-size=1100,2400", "--screenshot=" + shot, "--dump-dom");
        assertEquals(0, dom.exitCode(), dom.err());
        assertTrue(dom.out().contains("<body data-images=\"loaded\" data-image-count=\"3\">"),
                "images not all decoded: " + dom.out().lines().filter(l -> l.contains("<body")).toList());
        String root = dom.out().lines().filter(l -> l.startsWith("<html")).findFirst().orElseThrow();
        assertFalse(root.contains("data-errors"), "the page reported errors: " + root);
        assertEquals(List.of(), consoleLines(dom.err()));
        for (String figure : List.of("id=\"fitness\"", "id=\"kinship\"", "id=\"lineage\"")) {
            assertTrue(dom.out().contains(figure), figure);
        }

        BufferedImage image = ImageIO.read(shot.toFile());
        assertEquals(1100, image.getWidth());
        // The plots' own colours on screen: the best-fitness red and the heatmap's dark red.
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y) & 0xFFFFFF);
            }
        }
        assertTrue(colours.contains(0xC0392B), "no best-fitness curve on screen");
        assertTrue(colours.contains(0x8B0000), "no kinship heatmap on screen");
    }

    @Test
    void theMarkersCatchABrokenImageAndAScriptError() throws Exception {
        // Guards the check above: a page with a corrupt image and a failing script must not pass it.
        Path dir = new SyntheticRun(2, 3).write(temp.resolve("run"), false, true, false);
        String html = Files.readString(RunReport.write(dir).html());
        Path broken = temp.resolve("broken.html");
        Files.writeString(broken, html.replaceFirst("base64,iVBOR", "base64,XXXXiVBOR")
                .replace("<body data-images=\"pending\">",
                        "<body data-images=\"pending\"><script>notDefined();</script>"));
        Browser dom = chromium(broken, "--dump-dom");
        assertTrue(dom.out().contains("data-images=\"broken\""), dom.out().lines().limit(3).toList().toString());
        assertTrue(dom.out().contains("notDefined is not defined"));
        assertFalse(consoleLines(dom.err()).isEmpty());
    }
}
