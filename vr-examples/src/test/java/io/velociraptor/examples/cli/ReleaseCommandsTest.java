package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.RunOwners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vr releases`, `vr rollback` and `vr gc` against a store that holds a swarm's v1 and v2 runs. */
class ReleaseCommandsTest {
  @TempDir Path tmp;
  private Path config;
  private Swarm swarm;
  private String v1Run;
  private String v2Run;
  private Release v1;
  private Release v2;

  private static Build build(String version, String digit) {
    String sha = digit.repeat(64);
    return Build.builder().app(AppName.of("app1")).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/nowhere/" + sha + ".tar.gz").sha256(sha).putProcfileTypes("web", "./serve").build();
  }

  /** Records a done run that rolled {@code target} out on {@code build}. */
  private static String doneRun(FileStore s, Swarm target, Build build) {
    Release r = Release.of(target, build);
    s.putBuild(build);
    s.putRelease(r);
    SwarmRun run = ((BeginRun.Started) s.tryBeginRun(target.id(), "t", RunOwners.current())).run();
    s.recordTarget(run.id(), target, Optional.of(r.hash()));
    s.transition(run.id(), RunState.DONE, "done");
    return run.id();
  }

  @BeforeEach
  void seed() throws Exception {
    config = CliConfigFixture.in(tmp).localApp().deadSupervisorPort().portRange("5000-5010").write();
    Path file = tmp.resolve("swarm.yaml");
    Files.writeString(file, "app: app1\nversion: v1\nconfig: prod\nproc: web\nsquad: s\nsize: 1\n");
    swarm = SwarmFile.read(file, Optional.empty()).swarm();
    try (FileStore s = FileStore.open(tmp.resolve("store"))) {
      v1Run = doneRun(s, swarm, build("v1", "1"));
      Swarm atV2 = swarm.withVersion(Version.of("v2"));
      v2Run = doneRun(s, atV2, build("v2", "2"));
      s.putSwarm(atV2);
      v1 = Release.of(swarm, build("v1", "1"));
      v2 = Release.of(atV2, build("v2", "2"));
    }
  }

  @Test
  void releasesListsOneLinePerRunNewestFirstAndMarksTheCurrentOne() {
    InProcess.Result r = InProcess.run("--config", config.toString(), "releases", swarm.name());
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.OK);
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).contains("RELEASE").contains("VERSION").contains("CONFIG").contains("RUN").contains("STATE");
    assertThat(lines.get(1)).startsWith("*").contains(v2.hash().value()).contains("v2").contains(v2Run).contains("done");
    assertThat(lines.get(2)).doesNotStartWith("*").contains(v1.hash().value()).contains(v1Run);
  }

  @Test
  void releasesJsonCarriesHashVersionDigestRunAndOutcome() {
    InProcess.Result r = InProcess.run("--config", config.toString(), "--json", "releases", swarm.id().value());
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.OK);
    List<?> rows = VrJson.readJson(r.out(), List.class);
    assertThat(rows).hasSize(2);
    Map<?, ?> newest = (Map<?, ?>) rows.get(0);
    assertThat(newest.get("release")).isEqualTo(v2.hash().value());
    assertThat(newest.get("version")).isEqualTo("v2");
    assertThat(newest.get("run_id")).isEqualTo(v2Run);
    assertThat(newest.get("succeeded")).isEqualTo(true);
    assertThat(newest.get("current")).isEqualTo(true);
    assertThat((String) newest.get("config_digest")).matches("[0-9a-f]{8}");
  }

  @Test
  void rollbackDispatchesThePreviousReleaseOnItsStoredBuildAndSaysSoInTheRun() throws Exception {
    InProcess.Result r = InProcess.run("--config", config.toString(), "rollback", swarm.name());
    assertThat(r.out()).as(r.toString()).contains("rollback to release " + v1.hash().value()).contains(v1Run);
    try (FileStore s = FileStore.open(tmp.resolve("store"))) {
      List<SwarmRun> runs = s.history(swarm.id());
      SwarmRun back = runs.get(runs.size() - 1);
      assertThat(back.release()).as(r.toString()).contains(v1.hash()); // v1's own build: nothing was built
      assertThat(back.swarm().orElseThrow().version()).isEqualTo(Version.of("v1"));
      assertThat(back.history()).extracting(SwarmRun.Transition::message)
          .anyMatch(m -> m.contains("rollback to release " + v1.hash().value()) && m.contains(v1Run));
    }
  }

  @Test
  void rollbackToAnUnknownTargetIsInvalidInputNamingItAndListingTheReleases() {
    InProcess.Result r = InProcess.run("--config", config.toString(), "rollback", swarm.name(), "--to", "nosuch");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.INVALID);
    assertThat(r.err()).contains("nosuch").contains(v1.hash().value()).contains(v2Run);
  }

  @Test
  void rollbackBeyondACollectedBuildIsRefused() {
    InProcess.Result gc = InProcess.run("--config", config.toString(), "gc", "--keep", "1");
    assertThat(gc.exit()).as(gc.toString()).isEqualTo(VrMain.OK);
    assertThat(gc.out()).contains("removed 1 build(s): app1 v1").contains("kept 1 build(s)");
    InProcess.Result r = InProcess.run("--config", config.toString(), "rollback", swarm.name());
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    assertThat(r.err()).contains("garbage-collected").contains("never rebuilds");
  }

  @Test
  void gcDryRunSaysWhatItWouldRemoveAndKeepsIt() throws Exception {
    InProcess.Result r = InProcess.run("--config", config.toString(), "gc", "--keep", "1", "--dry-run");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.OK);
    assertThat(r.out()).contains("would remove 1 build(s): app1 v1");
    InProcess.Result json = InProcess.run("--config", config.toString(), "--json", "gc", "--dry-run");
    Map<?, ?> report = VrJson.readJson(json.out(), Map.class);
    assertThat(report.get("keep_releases")).isEqualTo(5);
    assertThat((List<?>) report.get("deleted_builds")).isEmpty();
    try (FileStore s = FileStore.open(tmp.resolve("store"))) {
      assertThat(s.build(AppName.of("app1"), Version.of("v1"))).isPresent();
    }
    InProcess.Result bad = InProcess.run("--config", config.toString(), "gc", "--keep", "0");
    assertThat(bad.exit()).isEqualTo(VrMain.INVALID);
    assertThat(bad.err()).contains("--keep").contains("0");
  }
}
