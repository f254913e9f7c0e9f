package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetBuilder;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.SwarmId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vr simulate`: a rollout wave by wave with injected faults, as text and JSON, its exit codes and bad input. */
class SimulateTest {
  @TempDir
  Path dir;

  /** 4 procs of release aaaa..., two on each of h1 and h2, rolled to bbbb... one a wave. */
  private static final String SWARM = "app: shop\nversion: '2'\nconfig: prod\nproc: web\nsquad: main\nsize: 4\n"
      + "release_hash: bbbbbbbbbbbb\nupdate:\n  max_parallel: 1\n  min_healthy_seconds: 10\n";

  private Path snapshot() throws Exception {
    String id = SwarmId.derivedFrom("shop-prod-web").value();
    FleetBuilder fleet = FleetBuilder.fleet().host("h1").range("h1", 5000, 5020).host("h2").range("h2", 5000, 5020)
        .squad("main", "h1", "h2");
    for (String h : List.of("h1", "h2")) {
      for (int port = 5000; port < 5002; port++) {
        fleet.proc(h, "shop-1-prod-aaaaaaaaaaaa-web-" + port + "-" + id, ProcState.RUNNING);
      }
    }
    FleetSnapshot snap = fleet.build();
    Path file = dir.resolve("fleet.json");
    Files.writeString(file, VrJson.writeJson(snap));
    return file;
  }

  private Path swarm(String extra) throws Exception {
    return Files.writeString(dir.resolve("swarm.yaml"), SWARM + extra);
  }

  @Test
  void aCleanRolloutPrintsEveryWaveWithItsEtaAndExitsZero() throws Exception {
    InProcess.Result r = InProcess.run("simulate", swarm("").toString(), "--snapshot", snapshot().toString(),
        "--step-seconds", "start=2,uptest=1,route=1,stop=1");
    assertThat(r.exit()).as(r.toString()).isZero();
    // each wave: start 2 + uptest 1 + healthy 10 + stop 1 (the swarm has no pool: nothing is routed)
    assertThat(r.out()).contains("wave 1/4: +1 -1, in service 4").contains("wave 4/4")
        .contains("done after 14 s (start 2 + uptest 1 + healthy 10 + stop 1), ETA 14 s")
        .contains("ETA 56 s").contains("Outcome: succeeded.");
  }

  @Test
  void anUptestFaultFailsTheRunAndExitsOne() throws Exception {
    InProcess.Result r = InProcess.run("simulate", swarm("").toString(), "--snapshot", snapshot().toString(),
        "--fail", "uptest@h2");
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("fails: uptests fail on h2").contains("wave 3/4: +1 -1: not run")
        .contains("Outcome: failed.");
  }

  @Test
  void withOnFailureRevertTheJsonCarriesTheRevertAndTheFleetAfter() throws Exception {
    InProcess.Result r = InProcess.run("--json", "simulate", swarm("  on_failure: revert\n").toString(),
        "--snapshot", snapshot().toString(), "--lose-host", "h1@wave3");
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    Map<?, ?> sim = VrJson.readJson(r.out(), Map.class);
    assertThat(sim.get("outcome")).isEqualTo("reverted");
    assertThat((List<?>) sim.get("waves")).hasSize(4);
    Map<?, ?> revert = (Map<?, ?>) sim.get("revert");
    assertThat(((Map<?, ?>) ((Map<?, ?>) revert.get("rollout")).get("plan")).get("release_hash")).isEqualTo("aaaaaaaaaaaa");
    assertThat(sim.keySet().stream().map(String::valueOf).toList()).contains("eta_seconds", "fleet_after", "serving", "previous");
    // the fleet after reads as a snapshot: `vr plan --snapshot` takes it
    VrJson.readJson(VrJson.writeJson(sim.get("fleet_after")), FleetSnapshot.class);
  }

  @Test
  void aCanaryPausesAndIsPromotedOrWithRevertCanaryReverted() throws Exception {
    Path swarm = swarm("  canary: 1\n");
    InProcess.Result promoted = InProcess.run("simulate", swarm.toString(), "--snapshot", snapshot().toString());
    assertThat(promoted.exit()).as(promoted.toString()).isZero();
    assertThat(promoted.out()).contains("wave 1/4 (canary): +1 -0, in service 5")
        .contains("`vr promote shop-prod-web`").contains("simulated as promoted");

    InProcess.Result reverted = InProcess.run("simulate", swarm.toString(), "--snapshot", snapshot().toString(),
        "--revert-canary");
    assertThat(reverted.exit()).as(reverted.toString()).isEqualTo(1);
    assertThat(reverted.out()).contains("revert wave 1/1: +0 -1").contains("Outcome: reverted.")
        .contains("4 of release aaaaaaaaaaaa");
  }

  @Test
  void badFaultsAndStepsAreRefusedNamingTheValueWithExitTwo() throws Exception {
    Path swarm = swarm("");
    Path snap = snapshot();
    InProcess.Result fail = InProcess.run("simulate", swarm.toString(), "--snapshot", snap.toString(), "--fail", "upptest@h2");
    assertThat(fail.exit()).isEqualTo(2);
    assertThat(fail.err()).contains("vr: error: invalid --fail \"upptest@h2\": \"upptest\" is not a fault vr can simulate");

    InProcess.Result host = InProcess.run("simulate", swarm.toString(), "--snapshot", snap.toString(), "--lose-host", "h9@wave2");
    assertThat(host.exit()).isEqualTo(2);
    assertThat(host.err()).contains("invalid --lose-host \"h9@wave2\": host h9 is not in the snapshot");

    InProcess.Result wave = InProcess.run("simulate", swarm.toString(), "--snapshot", snap.toString(), "--lose-host", "h1@wave9");
    assertThat(wave.exit()).isEqualTo(2);
    assertThat(wave.err()).contains("invalid --lose-host \"h1@wave9\": the rollout has 4 waves");

    InProcess.Result steps = InProcess.run("--json", "simulate", swarm.toString(), "--snapshot", snap.toString(),
        "--step-seconds", "start=2,upstest=1");
    assertThat(steps.exit()).isEqualTo(2);
    Map<?, ?> error = VrJson.readJson(steps.err().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(), Map.class);
    assertThat((String) error.get("error")).startsWith("invalid --step-seconds \"start=2,upstest=1\": \"upstest\" is not a step");

    InProcess.Result missing = InProcess.run("simulate", swarm.toString(), "--snapshot", dir.resolve("nope.json").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.json");
  }
}
