package io.velociraptor.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.FleetBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlanAgainstSnapshotTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

  @Test
  void aNewReleaseReplacingEveryProcOneForOneIsAccepted() {
    assertThat(PlanAgainstSnapshot.review(PlanAgainstSnapshot.sampleFleet(), print)).isTrue();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("4 replace procs").contains("accepted:");
  }

  @Test
  void aPlanStoppingMoreThanHalfTheProcsWithoutReplacementIsRefused() {
    FleetBuilder b = FleetBuilder.fleet().host("web1").host("web2").squad("prod", "web1", "web2");
    for (int port = 5000; port < 5005; port++) {
      for (String h : new String[] {"web1", "web2"}) {
        b.proc(h, "shop-1.0-prod-aaaaaaaaaaaa-web-" + port + "-shopwebz", ProcState.RUNNING);
      }
    }
    FleetSnapshot ten = b.build();
    assertThat(PlanAgainstSnapshot.review(ten, print)).isFalse();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("REFUSED: 6 of 10 procs would stop without a replacement");
  }
}
