package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.RunOwners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vr restart SWARM` and `vr scale SWARM N` in-process, on a one-host fleet whose host is down (no
 * supervisord): what they refuse, and that they dispatch the stored swarm, by name or id.
 */
class RestartScaleCliTest {
  @TempDir Path tmp;
  private Path config;
  private Path store;
  private Swarm swarm;

  @BeforeEach
  void storeASwarmOnAHostThatIsDown() throws Exception {
    config = CliConfigFixture.in(tmp).deadSupervisorPort().portRange("5000-5010").write();
    Path file = tmp.resolve("swarm.yaml");
    Files.writeString(file, "app: app1\nversion: \"1\"\nconfig: prod\nproc: web\nsquad: s\nsize: 1\n"
        + "update:\n  canary: 1\n");
    swarm = SwarmFile.read(file, Optional.empty()).swarm();
    store = tmp.resolve("store");
    try (FileStore s = FileStore.open(store)) {
      s.putSwarm(swarm);
      String sha = "1".repeat(64);
      s.putBuild(Build.builder().app(AppName.of("app1")).version(Version.of("1")).status(BuildStatus.SUCCESS)
          .artifact(tmp.resolve(sha + ".tar.gz").toString()).sha256(sha).putProcfileTypes("web", "./serve").build());
    }
  }

  private InProcess.Result vr(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = config.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return InProcess.run(all);
  }

  private void recordASuccessfulRun() {
    try (FileStore s = FileStore.open(store)) {
      var run = ((BeginRun.Started) s.tryBeginRun(swarm.id(), "trace", RunOwners.current())).run();
      s.transition(run.id(), RunState.DONE, "dispatched");
    }
  }

  @Test
  void restartOfASwarmThatIsNotStoredIsInvalidInputNamingIt() {
    InProcess.Result r = vr("restart", "nosuch-prod-web");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.INVALID);
    assertThat(r.err()).contains("nosuch-prod-web").contains("not a stored swarm");
  }

  @Test
  void restartOfASwarmNeverDispatchedSuccessfullyIsRefusedNamingIt() {
    InProcess.Result r = vr("restart", swarm.name());
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.INVALID);
    assertThat(r.err()).contains(swarm.name()).contains("no successful release");
  }

  @Test
  void restartByIdDispatchesTheStoredSwarmAndSaysItIsARestart() {
    recordASuccessfulRun();
    InProcess.Result r = vr("restart", swarm.id().value());
    assertThat(r.out()).as(r.toString()).contains("restart: ");
    assertThat(r.out().lines().filter(l -> l.startsWith("run ")).toList()).as(r.toString()).hasSize(1);
    try (FileStore s = FileStore.open(store)) {
      assertThat(s.history(swarm.id())).hasSize(2);
      assertThat(s.history(swarm.id()).get(1).history().get(s.history(swarm.id()).get(1).history().size() - 1).message())
          .startsWith("restart: ");
    }
  }

  @Test
  void scaleRefusesASizeThatIsNoNumberOutOfRangeOrBelowTheCanaryNamingIt() {
    for (String bad : new String[] {"abc", "-1", "10001", "0"}) {
      InProcess.Result r = vr("scale", swarm.name(), bad);
      assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.INVALID);
      assertThat(r.err()).as(r.toString()).contains(bad.equals("0") ? "update.canary" : bad);
    }
    try (FileStore s = FileStore.open(store)) {
      assertThat(s.history(swarm.id())).isEmpty();
    }
  }

  @Test
  void scaleStoresTheNewSizeOnceTheDispatchSucceeds() {
    InProcess.Result r = vr("scale", swarm.name(), "3");
    assertThat(r.out().lines().filter(l -> l.startsWith("run ")).toList()).as(r.toString()).hasSize(1);
    try (FileStore s = FileStore.open(store)) {
      assertThat(s.history(swarm.id())).hasSize(1);
      assertThat(s.history(swarm.id()).get(0).swarm().map(Swarm::size)).contains(3);
    }
  }

  @Test
  void aRestartOfASwarmWithALiveRunIsRefusedAndTheJsonErrorNamesTheRunInItsOwnMember() {
    recordASuccessfulRun();
    try (FileStore s = FileStore.open(store)) {
      // another vr holds the swarm (this test's process, as the owner)
      String holder = ((BeginRun.Started) s.tryBeginRun(swarm.id(), "trace", RunOwners.current())).run().id();
      try {
        InProcess.Result r = vr("--json", "restart", swarm.name());
        java.util.Map<?, ?> error = JsonErrorsTest.jsonError(new CliConfigFixture.Result(r.exit(), r.out(), r.err()));
        assertThat(r.exit()).isEqualTo(VrMain.ERROR);
        assertThat(error.get("run")).as(r.toString()).isEqualTo(holder);
        assertThat((String) error.get("error")).contains(holder);
      } finally {
        s.transition(holder, RunState.FAILED, "the test let the swarm go");
      }
    }
  }
}
