package org.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.evomerge.statistics.Interval;
import org.junit.jupiter.api.Test;

class IntervalChartTest {

    @Test
    void drawsEveryEstimateWithItsWhiskerAsAPng() throws IOException {
        byte[] png = IntervalChart.png("combined test over 5 seeds", "exact match", List.of("base", "ties",
                "evolved"), List.of(new Interval(0.1, 0.05, 0.15), new Interval(0.4, 0.3, 0.5),
                new Interval(0.45, Double.NaN, Double.NaN)));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(RunCharts.WIDTH, image.getWidth());
        int whisker = 0;
        int point = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                whisker += rgb == 0x2471A3 ? 1 : 0;
                point += rgb == 0xC0392B ? 1 : 0;
            }
        }
        assertTrue(whisker > 100 && point > 100, "whisker pixels " + whisker + ", point pixels " + point);
        assertThrows(IllegalArgumentException.class, () -> IntervalChart.png("t", "v", List.of("a"), List.of()));
    }
}
