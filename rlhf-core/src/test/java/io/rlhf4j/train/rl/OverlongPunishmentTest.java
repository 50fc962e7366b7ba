package io.rlhf4j.train.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OverlongPunishmentTest {
  @Test
  void zeroThenARampToMinusThePenaltyAtTheCap() {
    // L_max = 20, L_cache = 4: free up to 16; L = 18 gives (16 − 18) / 4 = −0.5; 20 gives −1.
    OverlongPunishment p = new OverlongPunishment(20, 4, 1.0);
    assertThat(p.of(3)).isZero();
    assertThat(p.of(16)).isZero();
    assertThat(p.of(17)).isCloseTo(-0.25, within(1e-12));
    assertThat(p.of(18)).isCloseTo(-0.5, within(1e-12));
    assertThat(p.of(20)).isCloseTo(-1, within(1e-12));
    assertThat(p.of(25)).isCloseTo(-1, within(1e-12));
    assertThat(new OverlongPunishment(20, 4, 0.5).of(18)).isCloseTo(-0.25, within(1e-12));
    assertThat(new OverlongPunishment(20, 0, 1).of(20)).isZero();
  }

  @Test
  void tiedGroupsAreThoseWithoutSpread() {
    double[] scores = {1, 1, 1, 0, 1, 1, 0.5, 0.5 + 1e-12};
    assertThat(GroupStats.tied(scores, 0, 3)).isTrue();
    assertThat(GroupStats.tied(scores, 3, 3)).isFalse();
    assertThat(GroupStats.tied(scores, 6, 2)).isTrue();
  }
}
