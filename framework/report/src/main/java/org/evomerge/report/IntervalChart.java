package org.evomerge.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.util.List;
import org.evomerge.statistics.Interval;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * One estimate per named item (a model, a strategy) with its 95% interval as a whisker, drawn as a PNG: the plot of
 * a table whose cells are "mean [lower, upper]". An undefined interval (one seed) is drawn as the point alone.
 */
public final class IntervalChart {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private IntervalChart() {
    }

    /**
     * @param title     the chart's title
     * @param valueAxis the label of the value axis
     * @param names     one per estimate, in display order
     * @param estimates the same size as {@code names}
     * @return PNG bytes
     */
    public static byte[] png(String title, String valueAxis, List<String> names, List<Interval> estimates) {
        if (names.size() != estimates.size() || names.isEmpty()) {
            throw new IllegalArgumentException("an interval chart needs one estimate per name, got " + names.size()
                    + " names and " + estimates.size() + " estimates");
        }
        YIntervalSeries series = new YIntervalSeries("mean and 95% interval");
        double low = 0;
        double high = 1;
        for (int i = 0; i < estimates.size(); i++) {
            Interval e = estimates.get(i);
            double lower = e.defined() ? e.lower() : e.estimate();
            double upper = e.defined() ? e.upper() : e.estimate();
            series.add(i, e.estimate(), lower, upper);
            low = Math.min(low, lower);
            high = Math.max(high, upper);
        }
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        data.addSeries(series);
        SymbolAxis domain = new SymbolAxis(null, names.toArray(String[]::new));
        domain.setVerticalTickLabels(names.stream().mapToInt(String::length).sum() > 80);
        domain.setGridBandsVisible(false);
        NumberAxis range = new NumberAxis(valueAxis);
        range.setRange(low - 0.02 * (high - low), high + 0.02 * (high - low));
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDefaultLinesVisible(false);
        renderer.setDrawXError(false);
        renderer.setErrorPaint(new Color(0x2471A3));
        renderer.setErrorStroke(new BasicStroke(2f));
        renderer.setCapLength(10);
        renderer.setSeriesPaint(0, new Color(0xC0392B));
        renderer.setSeriesShape(0, new Ellipse2D.Double(-5, -5, 10, 10));
        XYPlot plot = new XYPlot(data, domain, range, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setOutlineVisible(false);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        return RunCharts.png(chart, RunCharts.WIDTH, RunCharts.HEIGHT);
    }
}
