package io.rlhf4j.starter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EngineCheckTest {
  @Test
  void theStarterLoadsTheNativesItDeclares() {
    EngineCheck.Report report = EngineCheck.check();

    assertThat(report.engine()).isEqualTo("PyTorch");
    // The libtorch that answered is the one the POM pins, not one found elsewhere on the machine.
    assertThat(report.version()).isEqualTo(System.getProperty("pytorch.native.version"));
    assertThat(report.sum()).isEqualTo(6f);
  }
}
