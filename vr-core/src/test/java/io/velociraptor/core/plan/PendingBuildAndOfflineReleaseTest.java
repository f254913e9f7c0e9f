package io.velociraptor.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.FleetBuilder;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Planning before the build exists, and resolving a release from the snapshot alone. */
class PendingBuildAndOfflineReleaseTest {
  private static final String ID = "abcdefgh";

  private static Swarm swarm(String version, Map<String, String> env) {
    return Swarm.builder().id(SwarmId.of(ID)).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).size(2).version(Version.of(version))
        .env(Env.of(env)).build();
  }

  private static Build build(String version) {
    String sha = "ab".repeat(32);
    return Build.builder().app(AppName.of("shop")).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/artifacts/" + sha + ".tar.gz").sha256(sha).compileLog("/logs/compile.log").build();
  }

  private static FleetSnapshot runningAt(ReleaseHash hash, Build... builds) {
    return FleetBuilder.fleet().host("h1").squad("main", "h1")
        .proc("h1", "shop-v1-prod-" + hash + "-web-5000-" + ID, ProcState.RUNNING)
        .proc("h1", "shop-v1-prod-" + hash + "-web-5001-" + ID, ProcState.RUNNING)
        .build().toBuilder().addBuilds(builds).build();
  }

  @Test
  void aSwarmWhoseBuildIsPendingReplacesEveryProcAndSaysSo() {
    ReleaseHash current = Release.of(swarm("v1", Map.of()), build("v1")).hash();
    SwarmPlan plan = Planner.plan(DesiredSwarm.pendingBuild(swarm("v1", Map.of())), runningAt(current));

    assertThat(plan.buildPending()).isTrue();
    assertThat(plan.releaseHash()).isEqualTo(DesiredSwarm.PENDING_RELEASE);
    assertThat(plan.starts()).hasSize(2).allSatisfy(s -> assertThat(s.replaces()).isPresent());
    assertThat(plan.stops()).hasSize(2);
    assertThat(plan.render()).contains("build of version v1 pending: a dispatch builds it first");
    assertThat(VrJson.writeJson(plan)).contains("\"build_pending\" : true");
  }

  @Test
  void aPlanWithItsBuildWritesNoPendingFlag() {
    SwarmPlan plan = Planner.plan(DesiredSwarm.of(swarm("v1", Map.of()), ReleaseHash.of("0123456789ab")),
        FleetBuilder.fleet().host("h1").squad("main", "h1").build());
    assertThat(plan.buildPending()).isFalse();
    assertThat(VrJson.writeJson(plan)).doesNotContain("build_pending");
    assertThat(plan.render()).doesNotContain("pending");
    assertThat(VrJson.readJson(VrJson.writeJson(plan), SwarmPlan.class)).isEqualTo(plan);
  }

  @Test
  void aPendingBuildCannotBeGivenARealReleaseHash() {
    assertThatThrownBy(() -> new DesiredSwarm(swarm("v1", Map.of()), ReleaseHash.of("0123456789ab"), true))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("0123456789ab")
        .hasMessageContaining("pending");
  }

  @Test
  void aConfigChangePlansOfflineFromTheBuildTheSnapshotCarries() {
    Swarm before = swarm("v1", Map.of("COLOR", "green"));
    ReleaseHash current = Release.of(before, build("v1")).hash();
    FleetSnapshot snapshot = runningAt(current, build("v1"));

    // unchanged: the snapshot's build resolves the running release, so nothing to do
    assertThat(Planner.plan(DesiredSwarm.resolve(before, snapshot), snapshot).isNoop()).isTrue();

    // env changed: a new release from the same build replaces both procs, as a dispatch would
    Swarm after = before.toBuilder().env(Env.of(Map.of("COLOR", "blue"))).build();
    DesiredSwarm desired = DesiredSwarm.resolve(after, snapshot);
    assertThat(desired.buildPending()).isFalse();
    assertThat(desired.releaseHash()).isEqualTo(Release.of(after, build("v1")).hash()).isNotEqualTo(current);
    SwarmPlan plan = Planner.plan(desired, snapshot);
    assertThat(plan.starts()).hasSize(2).allSatisfy(s -> assertThat(s.name().toString()).contains(desired.releaseHash().toString()));
    assertThat(plan.stops()).hasSize(2);
  }

  @Test
  void aVersionTheSnapshotHasNoBuildForIsPending() {
    FleetSnapshot snapshot = runningAt(ReleaseHash.of("0123456789ab"), build("v1"));
    assertThat(DesiredSwarm.resolve(swarm("v2", Map.of()), snapshot).buildPending()).isTrue();
  }

  @Test
  void aSnapshotsBuildsAreSortedAndEachListedOnce() {
    FleetSnapshot twoBuilds = runningAt(ReleaseHash.of("0123456789ab"), build("v2"), build("v1"));
    assertThat(twoBuilds.builds()).extracting(b -> b.version().toString()).containsExactly("v1", "v2");
    assertThat(twoBuilds.build(AppName.of("shop"), Version.of("v2"))).contains(build("v2"));
    assertThatThrownBy(() -> runningAt(ReleaseHash.of("0123456789ab"), build("v1"), build("v1")))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("shop v1").hasMessageContaining("listed twice");
    assertThat(VrJson.readJson(VrJson.writeJson(twoBuilds), FleetSnapshot.class)).isEqualTo(twoBuilds);
  }

  @Test
  void aSnapshotWrittenBeforeBuildsWereCarriedReadsAsHavingNone() {
    FleetSnapshot old = VrJson.readJson("{\"hosts\": [], \"squads\": [], \"port_locks\": [], \"pools\": []}", FleetSnapshot.class);
    assertThat(old.builds()).isEmpty();
  }
}
