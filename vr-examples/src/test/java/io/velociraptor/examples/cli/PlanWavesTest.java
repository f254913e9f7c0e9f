package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetBuilder;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.SwarmId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vr plan` of a swarm with an update policy shows the rollout's waves; without one, the single diff as before. */
class PlanWavesTest {
  @TempDir
  Path dir;

  private static final String SWARM = "app: shop\nversion: '2'\nconfig: prod\nproc: web\nsquad: main\nsize: 4\n"
      + "release_hash: bbbbbbbbbbbb\n";

  private Path snapshot() throws Exception {
    String id = SwarmId.derivedFrom("shop-prod-web").value();
    FleetBuilder fleet = FleetBuilder.fleet().host("h1").range("h1", 5000, 5020).squad("main", "h1");
    for (int port = 5000; port < 5004; port++) {
      fleet.proc("h1", "shop-1-prod-aaaaaaaaaaaa-web-" + port + "-" + id, ProcState.RUNNING);
    }
    FleetSnapshot snap = fleet.build();
    Path file = dir.resolve("fleet.json");
    Files.writeString(file, VrJson.writeJson(snap));
    return file;
  }

  @Test
  void aSwarmWithAnUpdatePolicyPlansInWaves() throws Exception {
    Path swarm = Files.writeString(dir.resolve("swarm.yaml"), SWARM + "update:\n  max_parallel: 1\n");
    InProcess.Result r = InProcess.run("plan", "--snapshot", snapshot().toString(), swarm.toString());
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("wave 1/4").contains("wave 4/4");

    InProcess.Result json = InProcess.run("--json", "plan", "--snapshot", snapshot().toString(), swarm.toString());
    Map<?, ?> rollout = VrJson.readJson(json.out(), Map.class);
    assertThat((java.util.List<?>) rollout.get("waves")).hasSize(4);
    assertThat(((Map<?, ?>) rollout.get("plan")).get("release_hash")).isEqualTo("bbbbbbbbbbbb");
  }

  @Test
  void aSwarmWithoutOneShowsTheSingleDiffAsBefore() throws Exception {
    Path swarm = Files.writeString(dir.resolve("swarm.yaml"), SWARM);
    InProcess.Result r = InProcess.run("--json", "plan", "--snapshot", snapshot().toString(), swarm.toString());
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    @SuppressWarnings("unchecked")
    Map<String, Object> plan = VrJson.readJson(r.out(), Map.class);
    assertThat(plan).containsKey("starts").doesNotContainKey("waves");
  }
}
