package io.rlhf4j.examples.demo;

import static com.google.common.base.Preconditions.checkArgument;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A small line chart rendered to PNG with the JDK's own 2D graphics (headless, no plotting
 * library): titled axes, "nice" ticks, a legend, solid or dashed series, and labelled reference
 * lines. NaN points break a line.
 */
public final class LineChart {
  /** Colours of the usual plotting palette, in series order. */
  public static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
    new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)
  };

  private static final int WIDTH = 760;
  private static final int HEIGHT = 400;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 58;
  private static final int BOTTOM = 50;

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
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      draw(g);
    } finally {
      g.dispose();
    }
    return image;
  }

  private void draw(Graphics2D g) {
    double[] xr = range(true);
    double[] yr = range(false);
    double[] xTicks = ticks(xr[0], xr[1]);
    double[] yTicks = ticks(yr[0], yr[1]);
    double x0 = xTicks[0];
    double x1 = xTicks[xTicks.length - 1];
    double y0 = yTicks[0];
    double y1 = yTicks[yTicks.length - 1];
    int pw = WIDTH - LEFT - RIGHT;
    int ph = HEIGHT - TOP - BOTTOM;
    Scale sx = v -> LEFT + (v - x0) / (x1 - x0) * pw;
    Scale sy = v -> TOP + ph - (v - y0) / (y1 - y0) * ph;

    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.setColor(Color.BLACK);
    g.drawString(title, LEFT, 22);
    // Grid and tick labels.
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    for (double t : yTicks) {
      int y = (int) Math.round(sy.at(t));
      g.setColor(new Color(0xe6e6e6));
      g.drawLine(LEFT, y, LEFT + pw, y);
      g.setColor(Color.DARK_GRAY);
      String s = label(t);
      g.drawString(s, LEFT - 6 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
    }
    for (double t : xTicks) {
      int x = (int) Math.round(sx.at(t));
      g.setColor(new Color(0xe6e6e6));
      g.drawLine(x, TOP, x, TOP + ph);
      g.setColor(Color.DARK_GRAY);
      String s = label(t);
      g.drawString(s, x - fm.stringWidth(s) / 2, TOP + ph + 16);
    }
    g.setColor(Color.GRAY);
    g.drawRect(LEFT, TOP, pw, ph);
    // Axis titles.
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    fm = g.getFontMetrics();
    g.drawString(xLabel, LEFT + (pw - fm.stringWidth(xLabel)) / 2, HEIGHT - 10);
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.drawString(yLabel, -(TOP + (ph + fm.stringWidth(yLabel)) / 2), 16);
    g.setTransform(saved);
    // Reference lines.
    g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 11));
    for (Rule r : rules) {
      g.setColor(Color.GRAY);
      g.setStroke(dash(1f));
      if (r.horizontal()) {
        int y = (int) Math.round(sy.at(r.at()));
        g.drawLine(LEFT, y, LEFT + pw, y);
        g.drawString(r.label(), LEFT + pw - g.getFontMetrics().stringWidth(r.label()) - 4, y - 4);
      } else {
        int x = (int) Math.round(sx.at(r.at()));
        g.drawLine(x, TOP, x, TOP + ph);
        g.drawString(r.label(), x + 4, TOP + 12);
      }
    }
    // Series, clipped to the plot area.
    g.setClip(LEFT, TOP, pw + 1, ph + 1);
    for (Series s : series) {
      g.setColor(s.color());
      g.setStroke(s.dashed() ? dash(2f) : new BasicStroke(2f));
      Path2D.Double path = new Path2D.Double();
      boolean pen = false;
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
          pen = false;
          continue;
        }
        double px = sx.at(s.x()[i]);
        double py = sy.at(s.y()[i]);
        if (pen) {
          path.lineTo(px, py);
        } else {
          path.moveTo(px, py);
          pen = true;
        }
        if (s.x().length <= 60) {
          g.fillOval((int) px - 2, (int) py - 2, 5, 5);
        }
      }
      g.draw(path);
    }
    g.setClip(null);
    // Legend, one row under the title.
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    fm = g.getFontMetrics();
    int lx = LEFT;
    for (Series s : series) {
      g.setColor(s.color());
      g.setStroke(s.dashed() ? dash(2f) : new BasicStroke(2f));
      g.drawLine(lx, 40, lx + 22, 40);
      g.setColor(Color.BLACK);
      g.drawString(s.name(), lx + 27, 44);
      lx += 27 + fm.stringWidth(s.name()) + 18;
    }
  }

  @FunctionalInterface
  private interface Scale {
    double at(double v);
  }

  private static BasicStroke dash(float width) {
    return new BasicStroke(
        width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f);
  }

  // The data range on one axis (reference lines included), widened when flat or empty.
  private double[] range(boolean xAxis) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        double v = xAxis ? s.x()[i] : s.y()[i];
        double other = xAxis ? s.y()[i] : s.x()[i];
        if (Double.isFinite(v) && Double.isFinite(other)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    for (Rule r : rules) {
      if (r.horizontal() != xAxis && Double.isFinite(r.at())) {
        lo = Math.min(lo, r.at());
        hi = Math.max(hi, r.at());
      }
    }
    if (lo > hi) {
      return new double[] {0, 1};
    }
    if (hi - lo < 1e-12) {
      double pad = Math.max(Math.abs(lo) * 0.1, 0.5);
      return new double[] {lo - pad, hi + pad};
    }
    return new double[] {lo, hi};
  }

  /** About five ticks at 1, 2 or 5 times a power of ten, covering [lo, hi]. */
  static double[] ticks(double lo, double hi) {
    double raw = (hi - lo) / 5;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = magnitude;
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * magnitude >= raw) {
        step = m * magnitude;
        break;
      }
    }
    double first = Math.floor(lo / step + 1e-9) * step;
    double last = Math.ceil(hi / step - 1e-9) * step;
    int n = (int) Math.round((last - first) / step) + 1;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = first + i * step;
    }
    return out;
  }

  private static String label(double v) {
    if (Math.abs(v) < 1e-12) {
      return "0";
    }
    String s = String.format("%.4g", v);
    if (s.contains("e")) {
      return s;
    }
    if (s.contains(".")) {
      s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return s;
  }
}
