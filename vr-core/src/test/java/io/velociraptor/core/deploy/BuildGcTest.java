package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.Artifact;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import io.velociraptor.core.store.FileSystemArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildGcTest {
  private static final AppName SHOP = AppName.of("shop");
  private final DispatchWorld world = new DispatchWorld();
  /** What each host was told to keep. */
  private final Map<String, Set<String>> prunedTo = new TreeMap<>();
  private final List<String> runs = new ArrayList<>();
  private final Map<String, String> shaOf = new TreeMap<>();
  @TempDir
  Path dir;
  private FileSystemArtifactStore artifacts;
  private Dispatcher d;

  @BeforeEach
  void open() throws IOException {
    artifacts = FileSystemArtifactStore.of(dir.resolve("artifacts"));
    ContainerRuntime runtime = new Recording(world.runtime);
    d = Dispatcher.builder().store(world.store).fleet(world.fleet).observer(world.hosts).procs(world.hosts)
        .runtime(runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer).artifacts(artifacts)
        .build();
  }

  @AfterEach
  void close() {
    d.close();
    world.close();
  }

  /** Stores a build of {@code version} whose tarball is in the artifact store. */
  private Build build(String version, String bytes) throws IOException {
    Path tarball = dir.resolve(version + ".tar.gz");
    Files.writeString(tarball, bytes);
    Artifact a = artifacts.put(tarball);
    Build b = Build.builder().app(SHOP).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact(a.location().toString()).sha256(a.sha256()).putProcfileTypes("web", "./serve").build();
    world.store.putBuild(b);
    shaOf.put(version, a.sha256());
    return b;
  }

  /** Dispatches v1 to v7 in turn, each on its own build. */
  private void sevenReleases() throws IOException {
    for (int i = 1; i <= 7; i++) {
      build("v" + i, "tarball " + i);
      DispatchResult r = d.dispatch(DispatchWorld.swarm().version(Version.of("v" + i)).build());
      assertThat(r.succeeded()).as(r.run().failureReason().orElse("")).isTrue();
      runs.add(r.run().id());
    }
  }

  @Test
  void keepsTheBuildsOfTheLastKReleasesAndDeletesTheRestWithTheirArtifactsAndReleases() throws IOException {
    sevenReleases();
    Build unreleased = build("v9", "built ahead of its dispatch");
    GcReport report = d.gc(5, false);
    assertThat(report.deletedBuilds()).containsExactly("shop v1", "shop v2");
    assertThat(report.keptBuilds()).containsExactly("shop v3", "shop v4", "shop v5", "shop v6", "shop v7", "shop v9");
    assertThat(world.store.builds(SHOP)).extracting(b -> b.version().value())
        .containsExactly("v3", "v4", "v5", "v6", "v7", "v9");
    assertThat(report.deletedArtifacts()).containsExactlyInAnyOrder(shaOf.get("v1"), shaOf.get("v2"));
    assertThat(artifacts.find(shaOf.get("v1"))).isEmpty();
    assertThat(artifacts.find(shaOf.get("v3"))).isPresent();
    assertThat(artifacts.find(unreleased.sha256().orElseThrow())).isPresent();
    assertThat(report.deletedReleases()).hasSize(2);
    assertThat(world.store.releases()).hasSize(5);
    // every reachable host was told to keep exactly the kept builds' tarballs
    Set<String> kept = new TreeSet<>(List.of(shaOf.get("v3"), shaOf.get("v4"), shaOf.get("v5"), shaOf.get("v6"),
        shaOf.get("v7"), shaOf.get("v9")));
    assertThat(prunedTo).containsOnlyKeys("h1", "h2", "h3").allSatisfy((h, keep) -> assertThat(keep).isEqualTo(kept));
    // the history still lists the collected releases, without their config digest
    assertThat(d.releases(DispatchWorld.swarm().build().id()).records()).hasSize(7)
        .last().satisfies(r -> assertThat(r.configDigest()).isEmpty());
  }

  @Test
  void aRollbackWithinTheKeptReleasesWorksAfterGcWhileOneBeyondIsRefusedNamingTheGc() throws IOException {
    sevenReleases();
    d.gc(5, false);
    Swarm swarm = DispatchWorld.swarm().build();
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.of(runs.get(1)))).isInstanceOf(RollbackRefusedException.class)
        .hasMessageContaining("garbage-collected").hasMessageContaining("vr gc").hasMessageContaining("v2");
    DispatchResult back = d.rollback(swarm.id(), Optional.of(runs.get(2)));
    assertThat(back.succeeded()).as(back.run().failureReason().orElse("")).isTrue();
    assertThat(world.store.swarm(swarm.id()).orElseThrow().version()).isEqualTo(Version.of("v3"));
    assertThat(world.running()).hasSize(3).allMatch(p -> p.contains("-v3-"));
  }

  @Test
  void aDryRunSaysWhatItWouldRemoveAndRemovesNothing() throws IOException {
    sevenReleases();
    GcReport report = d.gc(5, true);
    assertThat(report.dryRun()).isTrue();
    assertThat(report.deletedBuilds()).containsExactly("shop v1", "shop v2");
    assertThat(report.deletedArtifacts()).hasSize(2);
    assertThat(world.store.builds(SHOP)).hasSize(7); // v1..v7 (replacing the world's own v1 and v2)
    assertThat(artifacts.find(shaOf.get("v1"))).isPresent();
    assertThat(world.store.releases()).hasSize(7);
  }

  @Test
  void aSecondGcFindsNothingMoreToRemove() throws IOException {
    sevenReleases();
    d.gc(5, false);
    assertThat(d.gc(5, false).isNoop()).isTrue();
  }

  @Test
  void theStoredSwarmsBuildStaysEvenWhenKIsOne() throws IOException {
    sevenReleases();
    GcReport report = d.gc(1, false);
    assertThat(report.keptBuilds()).containsExactly("shop v7");
    assertThatThrownBy(() -> d.gc(0, false)).isInstanceOf(InvalidValueException.class).hasMessageContaining("0");
  }

  @Test
  void aRunStillResolvingItsBuildHoldsTheCollectionUpAndADryRunSaysSo() throws IOException {
    sevenReleases();
    Swarm swarm = DispatchWorld.swarm().build();
    io.velociraptor.core.spi.BeginRun begun = world.store.tryBeginRun(swarm.id(), "t",
        io.velociraptor.core.store.RunOwners.current());
    String runId = ((io.velociraptor.core.spi.BeginRun.Started) begun).run().id();
    assertThatThrownBy(() -> d.gc(5, false)).isInstanceOf(io.velociraptor.core.VrException.class)
        .hasMessageContaining(runId).hasMessageContaining("resolving its build");
    assertThat(world.store.builds(SHOP)).hasSize(7);
    assertThat(d.gc(5, true).warnings()).anyMatch(w -> w.contains(runId));
  }

  /** The in-memory runtime, recording what each host was told to keep. */
  private final class Recording implements ContainerRuntime {
    private final ContainerRuntime inner;

    Recording(ContainerRuntime inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public void setup(CommandRunner host, ProcData proc) {
      inner.setup(host, proc);
    }

    @Override
    public List<String> runCommand(ProcData proc) {
      return inner.runCommand(proc);
    }

    @Override
    public List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
      return inner.uptest(host, proc, perTest);
    }

    @Override
    public void teardown(CommandRunner host, ProcName proc) {
      inner.teardown(host, proc);
    }

    @Override
    public List<ProcName> procDirs(CommandRunner host) {
      return inner.procDirs(host);
    }

    @Override
    public List<String> pruneBuilds(CommandRunner host, Set<String> keepSha256, boolean dryRun) {
      prunedTo.put(host.host(), new TreeSet<>(keepSha256));
      return List.of();
    }
  }
}
