package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.SwarmFileFormat;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.SwarmPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A custom deploy tool's core: read a swarm file and a saved fleet snapshot, plan, review. */
class PlanAgainstSnapshotTest {
  private static String resource(String name) throws IOException {
    try (InputStream in = PlanAgainstSnapshotTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void plansANewVersionAgainstTheSnapshotAsTheCliWould() throws IOException {
    FleetSnapshot fleet = VrJson.readJson(resource("fleet.json"), FleetSnapshot.class);
    SwarmFileFormat.Parsed file = SwarmFileFormat.parse(resource("shop-web.yaml"), name -> Optional.empty());

    // the file gives no id: the library derives the one the vr tool would
    assertThat(file.idGiven()).isFalse();
    assertThat(file.swarm().id()).isEqualTo(SwarmId.derivedFrom(file.swarm().name()));

    SwarmPlan plan = Planner.plan(DesiredSwarm.of(file.swarm(), file.releaseHash().orElseThrow()), fleet);
    // 2 procs of 1.0 run on web1; version 2.0 of size 3 replaces both and adds one, never on the
    // unreachable web2, and never on port 5000, which a foreign program holds
    assertThat(plan.starts()).hasSize(3).allSatisfy(s -> {
      assertThat(s.host().toString()).isEqualTo("web1");
      assertThat(s.port().value()).isNotEqualTo(5000);
    });
    assertThat(plan.stops()).hasSize(2);
    assertThat(plan.render()).contains("shop-2.0-prod");
  }
}
