package io.rlhf4j.examples.report;

import static com.google.common.base.Preconditions.checkArgument;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart written as PNG by XChart (a small, maintained plotting library that renders headless
 * through Java2D): titled axes, a legend, solid or dashed series, and labelled reference lines. NaN
 * points break a line; every point has a small marker, so a point between two gaps still shows.
 */
public final class LineChart {
  /** Colours of the usual plotting palette, in series order. */
  public static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
    new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)
  };

  private static final int WIDTH = 760;
  private static final int HEIGHT = 400;

  private record Series(String name, double[] x, double[] y, Color color, boolean dashed) {}

  private record Rule(boolean horizontal, double at, String label) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private final List<Rule> rules = new ArrayList<>();

  /** A chart with a title and axis labels. */
  public LineChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** Adds a solid series. */
  public LineChart line(String name, double[] x, double[] y, Color color) {
    return add(name, x, y, color, false);
  }

  /** Adds a dashed series. */
  public LineChart dashed(String name, double[] x, double[] y, Color color) {
    return add(name, x, y, color, true);
  }

  private LineChart add(String name, double[] x, double[] y, Color color, boolean dashed) {
    checkArgument(
        x.length == y.length, "%s: %s x values but %s y values", name, x.length, y.length);
    series.add(new Series(name, x.clone(), y.clone(), color, dashed));
    return this;
  }

  /** A labelled horizontal reference line at {@code y}. */
  public LineChart horizontal(double y, String label) {
    rules.add(new Rule(true, y, label));
    return this;
  }

  /** A labelled vertical reference line at {@code x}. */
  public LineChart vertical(double x, String label) {
    rules.add(new Rule(false, x, label));
    return this;
  }

  /** Renders and writes a PNG atomically (temporary file, then rename). */
  public void writePng(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
    try {
      if (!ImageIO.write(render(), "png", temp.toFile())) {
        throw new IOException("no PNG writer in this JDK");
      }
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The chart as an image. */
  public BufferedImage render() {
    return BitmapEncoder.getBufferedImage(chart());
  }

  private XYChart chart() {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    Styler styler = chart.getStyler();
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setPlotBorderVisible(false);
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    styler.setLegendBorderColor(Color.WHITE);
    styler.setChartTitleBoxVisible(false);
    styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    styler.setMarkerSize(4);
    // XChart's default tick format prints every digit of a narrow range (.001418531447035).
    chart.getStyler().setYAxisDecimalPattern("#,##0.####");
    for (Series s : series) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < s.x().length; i++) {
        xs.add(s.x()[i]);
        // XChart leaves a gap at a null, where a NaN would poison the axis range.
        ys.add(Double.isFinite(s.y()[i]) ? s.y()[i] : null);
      }
      XYSeries xy = chart.addSeries(s.name(), xs, ys);
      xy.setLineColor(s.color());
      xy.setMarkerColor(s.color());
      xy.setMarker(SeriesMarkers.CIRCLE);
      xy.setLineStyle(s.dashed() ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
    }
    double[] xRange = range(true);
    double[] yRange = range(false);
    int index = 0;
    for (Rule r : rules) {
      // A rule is a grey two-point series across the data, out of the legend (a rule may share
      // its label with a series, "round 2"), with its label written beside it.
      double[] range = r.horizontal() ? xRange : yRange;
      List<Double> at = List.of(r.at(), r.at());
      List<Double> span = List.of(range[0], range[1]);
      String key = "rule " + index++;
      XYSeries rule =
          r.horizontal() ? chart.addSeries(key, span, at) : chart.addSeries(key, at, span);
      rule.setShowInLegend(false);
      chart.addAnnotation(
          r.horizontal()
              ? new AnnotationText(r.label(), (range[0] + range[1]) / 2, r.at(), false)
              : new AnnotationText(r.label(), r.at(), range[1], false));
      rule.setLineColor(Color.GRAY);
      rule.setLineStyle(
          new BasicStroke(
              1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
      rule.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  private double[] range(boolean x) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double v : x ? s.x() : s.y()) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    for (Rule r : rules) {
      if (r.horizontal() != x) {
        lo = Math.min(lo, r.at());
        hi = Math.max(hi, r.at());
      }
    }
    return Double.isFinite(lo) ? new double[] {lo, hi} : new double[] {0, 1};
  }
}
