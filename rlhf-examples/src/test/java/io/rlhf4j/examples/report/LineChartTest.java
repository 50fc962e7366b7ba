package io.rlhf4j.examples.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
  @TempDir Path dir;

  @Test
  void drawsEachSeriesInItsColourAndWritesAReadablePng() throws Exception {
    LineChart chart =
        new LineChart("t", "x", "y")
            .line("up", new double[] {0, 1, 2}, new double[] {0, 1, 2}, LineChart.PALETTE[2])
            .dashed(
                "gap",
                new double[] {0, 1, 2},
                new double[] {2, Double.NaN, 0},
                LineChart.PALETTE[3]);
    Path png = dir.resolve("c.png");
    chart.writePng(png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(760);
    assertThat(image.getHeight()).isEqualTo(400);
    int green = 0;
    int red = 0;
    for (int x = 0; x < image.getWidth(); x++) {
      for (int y = 0; y < image.getHeight() - 60; y++) { // above the legend
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        green += g > r + 60 && g > b + 60 ? 1 : 0; // palette green is (44, 160, 44)
        red += r > g + 80 && r > b + 80 ? 1 : 0; // palette red is (214, 39, 40)
      }
    }
    assertThat(green).as("pixels of the solid diagonal").isGreaterThan(300);
    // The dashed series has a NaN in the middle: only its two end markers are drawn, no line.
    assertThat(red).as("pixels of the broken series").isBetween(1, 100);
  }
}
