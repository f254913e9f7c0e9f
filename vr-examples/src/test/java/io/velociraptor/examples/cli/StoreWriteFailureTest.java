package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.store.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store write that fails (a full disk, a file where the store keeps a directory) is one line
 * naming the file and the cause; the stack trace is for --debug.
 */
class StoreWriteFailureTest {
  @TempDir Path tmp;
  private Path config;
  private Path store;
  private Swarm swarm;

  @BeforeEach
  void storeASwarmOnAHostThatIsDown() throws Exception {
    // nothing listens at the host's supervisord port: the host is unreachable
    config = CliConfigFixture.in(tmp).deadSupervisorPort().portRange("5000-5010").write();
    Path file = tmp.resolve("swarm.yaml");
    Files.writeString(file, "app: app1\nversion: \"1\"\nconfig: prod\nproc: web\nsquad: s\nsize: 1\n");
    swarm = SwarmFile.read(file, Optional.empty()).swarm();
    store = tmp.resolve("store");
    try (FileStore s = FileStore.open(store)) {
      s.putSwarm(swarm);
      String sha = "1".repeat(64);
      s.putBuild(Build.builder().app(AppName.of("app1")).version(Version.of("1")).status(BuildStatus.SUCCESS)
          .artifact(tmp.resolve(sha + ".tar.gz").toString()).sha256(sha).putProcfileTypes("web", "./serve").build());
    }
  }

  @Test
  void aRunThatFailsOnTheStoreSaysWhyInItsSummaryWithoutAStackTrace() throws Exception {
    Files.writeString(store.resolve("releases"), "a file where the store keeps a directory");

    InProcess.Result r = InProcess.run("--config", config.toString(), "dispatch", tmp.resolve("swarm.yaml").toString());

    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.CHANGES);
    assertThat(r.err()).as(r.toString()).doesNotContain("\tat ").doesNotContain("WARN");
    assertThat(r.out().lines().filter(l -> l.startsWith("run ")).toList()).as(r.toString()).singleElement()
        .asString().contains("failed").contains(store.resolve("releases").toString()).containsIgnoringCase("not a directory")
        .doesNotContain("Exception");
  }

  @Test
  void aStoreThatFailsUnderACommandIsOneErrorLineNamingTheFileAndTheCause() throws Exception {
    Files.writeString(store.resolve("runs"), "a file where the store keeps a directory");

    InProcess.Result r = InProcess.run("--config", config.toString(), "swarm", "delete", swarm.name());

    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    List<String> lines = r.err().lines().toList();
    assertThat(lines).as(r.toString()).hasSize(2);
    assertThat(lines.get(0)).startsWith("vr: error: ").contains(store.resolve("runs").toString())
        .contains("not a directory").doesNotContain("Exception");
    assertThat(lines.get(1)).startsWith("hint: ");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void withDebugTheStackTraceIsPrinted() throws Exception {
    Files.writeString(store.resolve("runs"), "a file where the store keeps a directory");
    InProcess.Result r = InProcess.run("--debug", "--config", config.toString(), "swarm", "delete", swarm.name());
    assertThat(r.err()).as(r.toString()).contains("\tat ");
  }

  @Test
  void aFullDiskUnderTheEventLogIsOneWarningAndTheDispatchGoesOn() throws Exception {
    Files.createSymbolicLink(store.resolve("events.jsonl"), Path.of("/dev/full")); // every write: ENOSPC

    InProcess.Result r = InProcess.run("--config", config.toString(), "swarm", "delete", swarm.name());

    List<String> lines = r.err().lines().toList();
    assertThat(lines).as(r.toString()).hasSize(1);
    assertThat(lines.get(0)).startsWith("vr: warning: cannot append to " + store.resolve("events.jsonl"))
        .contains("No space left on device");
    assertThat(r.out()).as(r.toString()).contains("run ");
  }
}
