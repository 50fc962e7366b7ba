package io.rlhf4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
  @TempDir Path dir;

  @Test
  void ticksAreRoundNumbersCoveringTheRange() {
    assertThat(LineChart.ticks(0.13, 0.97))
        .containsExactly(0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0);
    assertThat(LineChart.ticks(-3, 17)).containsExactly(-5.0, 0.0, 5.0, 10.0, 15.0, 20.0);
  }

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
      for (int y = 60; y < image.getHeight(); y++) { // below the legend row
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        green += g > r + 60 && g > b + 60 ? 1 : 0; // palette green is (44, 160, 44)
        red += r > g + 80 && r > b + 80 ? 1 : 0; // palette red is (214, 39, 40)
      }
    }
    assertThat(green).as("pixels of the solid diagonal").isGreaterThan(300);
    // The dashed series has a NaN in the middle: only its end markers are drawn, no line.
    assertThat(red).as("pixels of the broken series").isBetween(1, 100);
  }
}
