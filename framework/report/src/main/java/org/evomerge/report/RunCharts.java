package org.evomerge.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.evomerge.runfolder.HistoryRow;
import org.evomerge.runfolder.JournalRecord;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.annotations.XYDrawableAnnotation;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The plots of a run report, drawn with JFreeChart and encoded as PNG: fitness over generations, a heatmap of a
 * kinship matrix and the lineage of the best candidate; and the comparison's best-so-far fitness of several runs.
 * Needs only headless AWT ({@link RunReport} switches it on).
 */
final class RunCharts {

    static final int WIDTH = 900;
    static final int HEIGHT = 500;

    /** Ancestors drawn at most; older ones are left out (the page says so). */
    static final int LINEAGE_LIMIT = 120;

    private static final Color BEST = new Color(0xC0392B);
    private static final Color MEAN = new Color(0x2471A3);
    private static final Color WORST = new Color(0x7F8C8D);
    /** Distinct line colours for up to ten runs on one chart (then repeated). */
    private static final Color[] SERIES = {new Color(0xC0392B), new Color(0x2471A3), new Color(0x229954),
        new Color(0xD68910), new Color(0x7D3C98), new Color(0x2E4053), new Color(0xE84393), new Color(0x17A589),
        new Color(0x7E5109), new Color(0x95A5A6)};

    private RunCharts() {
    }

    /** Best, mean and (when recorded) worst fitness of the primary objective per generation. */
    static JFreeChart fitness(List<HistoryRow> rows, String objective) {
        XYSeries best = new XYSeries("best");
        XYSeries mean = new XYSeries("mean");
        XYSeries worst = new XYSeries("worst");
        for (HistoryRow r : rows) {
            add(best, r.generation(), r.best());
            add(mean, r.generation(), r.mean());
            add(worst, r.generation(), r.worst());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(best);
        data.addSeries(mean);
        if (worst.getItemCount() > 0) {
            data.addSeries(worst);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Fitness per generation", "generation",
                objective.isEmpty() ? "fitness (primary objective)" : "fitness: " + objective, data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, BEST);
        renderer.setSeriesPaint(1, MEAN);
        renderer.setSeriesPaint(2, WORST);
        for (int s = 0; s < 3; s++) {
            renderer.setSeriesStroke(s, new BasicStroke(s == 0 ? 2.5f : 1.5f));
            renderer.setSeriesShape(s, new Ellipse2D.Double(-3, -3, 6, 6));
        }
        plot.setRenderer(renderer);
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    /**
     * Each run's best-so-far primary fitness against the evaluations it spent, one step line per run: the budget
     * comparison of {@link RunComparison}. The reference run is drawn thicker.
     */
    static JFreeChart bestSoFar(RunComparison comparison) {
        XYSeriesCollection data = new XYSeriesCollection();
        Set<String> objectives = new TreeSet<>();
        List<Boolean> thick = new ArrayList<>();
        for (RunComparison.Row row : comparison.rows()) {
            XYSeries series = new XYSeries(row.name(), false, true);
            for (RunComparison.Point p : row.curve()) {
                series.add(p.evaluations(), p.best());
            }
            data.addSeries(series);
            thick.add(row.reference());
            if (!row.objective().isEmpty()) {
                objectives.add(row.objective());
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Best fitness so far against evaluations", "evaluations",
                objectives.size() == 1 ? "best fitness so far: " + objectives.iterator().next()
                        : "best fitness so far (primary objective)", data, PlotOrientation.VERTICAL, true, false,
                false);
        XYPlot plot = style(chart);
        XYStepRenderer renderer = new XYStepRenderer();
        for (int s = 0; s < thick.size(); s++) {
            Color colour = SERIES[s % SERIES.length];
            renderer.setSeriesPaint(s, colour);
            renderer.setSeriesStroke(s, new BasicStroke(thick.get(s) ? 3.5f : 2f));
            RunComparison.Row row = comparison.rows().get(s);
            if (!row.curve().isEmpty()) {
                // A run that stopped early, or whose line lies under another's, still shows where it ended.
                RunComparison.Point end = row.curve().getLast();
                plot.addAnnotation(new XYDrawableAnnotation(end.evaluations(), end.best(), 9, 9, (g, area) -> {
                    g.setPaint(colour);
                    g.fill(new Ellipse2D.Double(area.getX(), area.getY(), area.getWidth(), area.getHeight()));
                }), false);
                int start = 1;
                for (RunComparison.Stage stage : row.stages()) {
                    if (start > 1 && stage.evaluations() > 0) {
                        ValueMarker marker = new ValueMarker(start - 0.5, colour, new BasicStroke(1f,
                                BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
                        marker.setLabel(row.name() + ": stage " + stage.number() + " " + stage.name());
                        marker.setLabelPaint(colour);
                        marker.setLabelBackgroundColor(Color.WHITE);
                        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                        marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                        marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                        plot.addDomainMarker(marker);
                    }
                    start += stage.evaluations();
                }
            }
        }
        plot.setRenderer(renderer);
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    private static void add(XYSeries series, int x, double y) {
        if (Double.isFinite(y)) {
            series.add(x, y);
        }
    }

    /** The matrix as coloured cells with their values; undefined (NaN) cells are grey. */
    static JFreeChart kinship(JournalRecord.Kinship snapshot) {
        int k = snapshot.ids().size();
        double[][] matrix = snapshot.values();
        double[] xs = new double[k * k];
        double[] ys = new double[k * k];
        double[] zs = new double[k * k];
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                int at = i * k + j;
                xs[at] = j;
                ys[at] = i;
                zs[at] = matrix[i][j];
                if (Double.isFinite(zs[at])) {
                    low = Math.min(low, zs[at]);
                    high = Math.max(high, zs[at]);
                }
            }
        }
        if (!(low < high)) {
            low = Double.isFinite(low) ? low - 0.5 : 0;
            high = low + 1;
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("kinship", new double[][] {xs, ys, zs});
        String[] labels = snapshot.ids().toArray(String[]::new);
        SymbolAxis x = new SymbolAxis("candidate", labels);
        SymbolAxis y = new SymbolAxis("candidate", labels);
        y.setInverted(true);
        if (k > 6) {
            x.setVerticalTickLabels(true);
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        HeatScale scale = new HeatScale(low, high);
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        if (k <= 16) {
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, k <= 8 ? 13 : 10);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    double v = matrix[i][j];
                    XYTextAnnotation text = new XYTextAnnotation(Double.isFinite(v)
                            ? String.format(Locale.ROOT, "%.3f", v) : "n/a", j, i);
                    text.setFont(font);
                    text.setPaint(scale.textOn(v));
                    plot.addAnnotation(text);
                }
            }
        }
        JFreeChart chart = new JFreeChart("Kinship (" + snapshot.metric() + "), generation " + snapshot.generation(),
                JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis(snapshot.metric());
        legendAxis.setRange(low, high);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 8, 4, 8);
        legend.setStripWidth(16);
        chart.addSubtitle(legend);
        style(chart);
        return chart;
    }

    /** Pale yellow (low) to dark red (high); grey for undefined values. */
    private record HeatScale(double lower, double upper) implements PaintScale {
        private static final Color LOW = new Color(0xFFF5C0);
        private static final Color HIGH = new Color(0x8B0000);

        @Override
        public double getLowerBound() {
            return lower;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            if (!Double.isFinite(value)) {
                return Color.LIGHT_GRAY;
            }
            double t = Math.max(0, Math.min(1, (value - lower) / (upper - lower)));
            return new Color(mix(LOW.getRed(), HIGH.getRed(), t), mix(LOW.getGreen(), HIGH.getGreen(), t),
                    mix(LOW.getBlue(), HIGH.getBlue(), t));
        }

        Color textOn(double value) {
            return Double.isFinite(value) && (value - lower) / (upper - lower) > 0.55 ? Color.WHITE : Color.BLACK;
        }

        private static int mix(int a, int b, double t) {
            return (int) Math.round(a + (b - a) * t);
        }
    }

    /** What the lineage plot shows: the ancestors it drew and whether older ones were left out. */
    record Lineage(JFreeChart chart, List<String> ancestors, boolean truncated) {
    }

    /**
     * The best candidate and its ancestors (through {@code parents}), placed by generation from left to right, with
     * an edge from each parent to its child. Parents the journal never evaluated (seed models) sit one generation
     * before their first child.
     */
    static Lineage lineage(List<JournalRecord.Evaluation> evaluations, String bestId) {
        Map<String, JournalRecord.Evaluation> byId = new HashMap<>();
        for (JournalRecord.Evaluation e : evaluations) {
            byId.putIfAbsent(e.id(), e);
        }
        // Breadth-first from the best candidate: the nearest ancestors are kept when the limit cuts.
        Map<String, Integer> generation = new LinkedHashMap<>();
        Map<String, List<String>> parents = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add(bestId);
        seen.add(bestId);
        JournalRecord.Evaluation best = byId.get(bestId);
        generation.put(bestId, best == null ? 0 : best.generation());
        boolean truncated = false;
        while (!queue.isEmpty()) {
            String id = queue.poll();
            JournalRecord.Evaluation e = byId.get(id);
            List<String> ps = e == null ? List.of() : e.parents();
            List<String> kept = new ArrayList<>();
            for (String p : ps) {
                if (!seen.contains(p)) {
                    if (seen.size() >= LINEAGE_LIMIT) {
                        truncated = true;
                        continue;
                    }
                    seen.add(p);
                    JournalRecord.Evaluation pe = byId.get(p);
                    generation.put(p, pe != null ? pe.generation() : generation.get(id) - 1);
                    queue.add(p);
                }
                kept.add(p);
            }
            parents.put(id, kept);
        }
        TreeMap<Integer, List<String>> columns = new TreeMap<>();
        generation.forEach((id, g) -> columns.computeIfAbsent(g, x -> new ArrayList<>()).add(id));
        Map<String, double[]> position = new HashMap<>();
        int tallest = 1;
        for (Map.Entry<Integer, List<String>> column : columns.entrySet()) {
            List<String> ids = column.getValue();
            ids.sort(Comparator.naturalOrder());
            tallest = Math.max(tallest, ids.size());
            for (int i = 0; i < ids.size(); i++) {
                position.put(ids.get(i), new double[] {column.getKey(), i - (ids.size() - 1) / 2.0});
            }
        }
        XYSeries ancestors = new XYSeries("ancestor");
        XYSeries winner = new XYSeries("best");
        for (Map.Entry<String, double[]> p : position.entrySet()) {
            (p.getKey().equals(bestId) ? winner : ancestors).add(p.getValue()[0], p.getValue()[1]);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(ancestors);
        data.addSeries(winner);
        JFreeChart chart = ChartFactory.createScatterPlot("Lineage of " + bestId, "generation", "", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        renderer.setSeriesPaint(0, MEAN);
        renderer.setSeriesPaint(1, BEST);
        renderer.setSeriesShape(0, new Ellipse2D.Double(-6, -6, 12, 12));
        renderer.setSeriesShape(1, new Ellipse2D.Double(-9, -9, 18, 18));
        plot.setRenderer(renderer);
        for (Map.Entry<String, List<String>> child : parents.entrySet()) {
            double[] c = position.get(child.getKey());
            for (String p : child.getValue()) {
                double[] from = position.get(p);
                if (from != null) {
                    plot.addAnnotation(new XYLineAnnotation(from[0], from[1], c[0], c[1], new BasicStroke(1.2f),
                            new Color(0x566573)));
                }
            }
        }
        boolean labels = position.size() <= 60;
        if (labels) {
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, position.size() <= 20 ? 12 : 9);
            for (Map.Entry<String, double[]> p : position.entrySet()) {
                JournalRecord.Evaluation e = byId.get(p.getKey());
                String text = p.getKey() + (e != null && Double.isFinite(e.fitness().primary())
                        ? String.format(Locale.ROOT, " (%.4g)", e.fitness().primary()) : "");
                XYTextAnnotation label = new XYTextAnnotation(text, p.getValue()[0], p.getValue()[1] + 0.22);
                label.setFont(font);
                label.setTextAnchor(TextAnchor.BOTTOM_CENTER);
                plot.addAnnotation(label);
            }
        }
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        int first = columns.isEmpty() ? 0 : columns.firstKey();
        int last = columns.isEmpty() ? 0 : columns.lastKey();
        x.setRange(first - 0.6, last + 0.6);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(-tallest / 2.0 - 0.3, tallest / 2.0 + 0.3);
        y.setVisible(false);
        plot.setRangeGridlinesVisible(false);
        return new Lineage(chart, List.copyOf(position.keySet()), truncated);
    }

    /** Applies the report's look (white, anti-aliased, light grid, no outline) and returns the chart's plot. */
    private static XYPlot style(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setOutlineVisible(false);
        return plot;
    }

    /** The chart as PNG bytes. */
    static byte[] png(JFreeChart chart, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
