package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReleaseHistoryTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final SwarmRun.Owner OWNER = new SwarmRun.Owner("vm", "boot-1", 42, Optional.of(T0));
  private static final SwarmId ID = SwarmId.of("shopweb2");

  private final Map<ReleaseHash, Release> releases = new HashMap<>();
  private final List<SwarmRun> runs = new ArrayList<>();

  /** A run of the swarm at that version and env, ended in that state, n minutes after T0. */
  private SwarmRun run(int n, String version, Env env, RunState end) {
    Swarm swarm = DispatchWorld.swarm().version(Version.of(version)).env(env).build();
    Release release = Release.of(swarm, DispatchWorld.build(version));
    releases.put(release.hash(), release);
    Instant at = T0.plusSeconds(60L * n);
    SwarmRun r = SwarmRun.begin(String.format("shopweb2-%06d", n), ID, "t" + n, OWNER, at)
        .withTarget(swarm, Optional.of(release.hash()), at);
    if (end != RunState.PENDING) {
      r = r.withState(end, end == RunState.DONE ? "done" : "uptests failed", at.plusSeconds(5));
    }
    runs.add(r);
    return r;
  }

  private ReleaseHistory history() {
    return ReleaseHistory.of(ID, runs, h -> Optional.ofNullable(releases.get(h)));
  }

  @Test
  void listsOneRecordPerRunNewestFirstWithSucceededFlagsAndTheCurrentRelease() {
    SwarmRun v1 = run(1, "v1", Env.empty(), RunState.DONE);
    SwarmRun v2 = run(2, "v2", Env.empty(), RunState.DONE);
    SwarmRun v3 = run(3, "v2", Env.of(Map.of("MODE", "broken")), RunState.FAILED);
    ReleaseHistory h = history();
    assertThat(h.records()).extracting(ReleaseRecord::runId).containsExactly(v3.id(), v2.id(), v1.id());
    assertThat(h.records()).extracting(ReleaseRecord::succeeded).containsExactly(false, true, true);
    assertThat(h.records()).extracting(r -> r.version().value()).containsExactly("v2", "v2", "v1");
    assertThat(h.current().map(ReleaseRecord::runId)).contains(v2.id());
    assertThat(h.records()).extracting(ReleaseRecord::current).containsExactly(false, true, false);
    assertThat(h.previous().map(ReleaseRecord::runId)).contains(v1.id());
    assertThat(h.records().get(0).finishedAt()).contains(T0.plusSeconds(185));
  }

  @Test
  void theConfigDigestChangesWithTheEnvButNotWithTheBuildAndShowsNoValue() {
    run(1, "v1", Env.of(Map.of("TOKEN", "s3cret")), RunState.DONE);
    run(2, "v2", Env.of(Map.of("TOKEN", "s3cret")), RunState.DONE);
    run(3, "v2", Env.of(Map.of("TOKEN", "other")), RunState.DONE);
    List<ReleaseRecord> r = history().records();
    assertThat(r.get(1).configDigest()).isEqualTo(r.get(2).configDigest()); // same config, other build
    assertThat(r.get(0).configDigest()).isNotEqualTo(r.get(1).configDigest());
    assertThat(r.get(0).configDigest().orElseThrow()).hasSize(8).matches("[0-9a-f]{8}").doesNotContain("other");
    assertThat(r.get(0).release()).isNotEqualTo(r.get(1).release());
  }

  @Test
  void aReleaseRolledOutAgainIsListedPerRunAndPreviousSkipsTheCurrentRelease() {
    run(1, "v1", Env.empty(), RunState.DONE);
    SwarmRun v2 = run(2, "v2", Env.empty(), RunState.DONE);
    run(3, "v1", Env.empty(), RunState.DONE); // a rollback to v1
    ReleaseHistory h = history();
    assertThat(h.records()).hasSize(3);
    assertThat(h.current().orElseThrow().version().value()).isEqualTo("v1");
    assertThat(h.previous().map(ReleaseRecord::runId)).contains(v2.id());
    assertThat(h.lastSucceeded(5)).extracting(r -> r.version().value()).containsExactly("v1", "v2");
    assertThat(h.lastSucceeded(1)).extracting(r -> r.version().value()).containsExactly("v1");
  }

  @Test
  void runsWithoutAReleaseAreSkippedAndACollectedReleaseHasNoDigest() {
    SwarmRun v1 = run(1, "v1", Env.empty(), RunState.DONE);
    runs.add(SwarmRun.begin("shopweb2-000002", ID, "t2", OWNER, T0.plusSeconds(120))
        .withState(RunState.FAILED, "build failed", T0.plusSeconds(121))); // no target recorded
    releases.clear();
    ReleaseHistory h = history();
    assertThat(h.records()).extracting(ReleaseRecord::runId).containsExactly(v1.id());
    assertThat(h.records().get(0).configDigest()).isEmpty();
    assertThat(h.records().get(0).buildHash()).isEmpty();
    assertThat(h.previous()).isEmpty();
  }

  @Test
  void aLiveRunIsListedButIsNeitherCurrentNorARollbackTarget() {
    SwarmRun v1 = run(1, "v1", Env.empty(), RunState.DONE);
    run(2, "v2", Env.empty(), RunState.PENDING);
    ReleaseHistory h = history();
    assertThat(h.records()).hasSize(2);
    assertThat(h.current().map(ReleaseRecord::runId)).contains(v1.id());
    assertThat(h.previous()).isEmpty();
  }

  @Test
  void keepingFewerThanOneReleaseIsRefused() {
    assertThatThrownBy(() -> history().lastSucceeded(0)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("releases to keep").hasMessageContaining("0");
  }
}
