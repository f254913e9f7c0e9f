package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertConverged;
import static io.velociraptor.examples.e2e.Converged.assertDeletedCleanly;
import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchException;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ImmutableUpdatePolicy;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.Wave;
import io.velociraptor.lxc.RuntimeKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rollouts under an update policy on the real components of {@link E2eWorld} (three private
 * supervisords, one over SSH, the plain runtime, a private nginx), each under a client that
 * requests through nginx all along ({@link Load}): the swarm rolls in waves, no request fails,
 * and the swarm never runs more procs nor fewer in service than the policy allows, counted at
 * every event of the dispatcher and sampled from Supervisor and the pool ({@link RolloutMonitor}).
 *
 * <p>One 6-proc swarm over the three hosts is shared by the scenarios, to keep the class short:
 * each starts from what the swarm runs (v1 or v2, converged; v1 if it runs neither) and rolls it
 * to the other or to the failing v3, so the scenarios do not depend on their order. The world
 * (and the builds in its store) is shared too; the swarm is deleted at the end.
 */
class RolloutScenariosIT {
  static final int SIZE = 6;
  /** max_parallel 2 over 6: three waves of +2 -2, so at most 6 + 2 procs; 6 (the default 100%) in service. */
  static final int MAX_PROCS = 8;
  static final int MIN_IN_SERVICE = 6;
  static final String TAG = "roll";
  static E2eWorld world;
  static SwarmId id;

  @BeforeAll
  static void startWorld() {
    assumeTrue(E2eWorld.isRoot(), "the e2e dispatch tests run procs as nobody and need root (CI runs as root)");
    world = E2eWorld.start(RuntimeKind.PLAIN);
    id = world.swarmId(TAG);
  }

  @AfterAll
  static void stopWorld() {
    if (world == null) {
      return;
    }
    try (Dispatcher d = world.dispatcher()) {
      Optional<Swarm> stored = world.store.swarm(id);
      if (stored.isPresent() && world.store.activeRun(id).isEmpty()) {
        assertDeletedCleanly(world, d, stored.get());
      }
    } finally {
      world.close();
    }
  }

  @Test
  void sixProcsRollInThreeWavesOfTwoWithNoFailedRequestNeverOverEightProcsNorUnderSixInService() {
    String from = startingVersion();
    String to = other(from);
    Swarm target = swarm(to, maxParallel2().build());
    assertThat(target.updatePolicy().minInServiceFor(SIZE)).as("the default min_in_service, 100%").isEqualTo(MIN_IN_SERVICE);
    try (Dispatcher d = world.dispatcher()) {
      RolloutPlan rollout = d.planRollout(target);
      assertThat(rollout.waves()).extracting(w -> "+" + w.plan().starts().size() + " -" + w.plan().stops().size())
          .as(rollout.render()).containsExactly("+2 -2", "+2 -2", "+2 -2");
    }
    RolloutMonitor monitor = new RolloutMonitor(world, id, to);
    DispatchResult r;
    Load load = new Load();
    try (load; monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      r = load.during(() -> d.dispatch(target));
    }
    assertSucceeded(r, world);
    load.assertNoFailedRequest(from, to);
    assertWithinPolicy(monitor, MAX_PROCS, true);
    assertThat(monitor.waves()).extracting(w -> w.wave() + "/" + w.waves()).containsExactly("1/3", "2/3", "3/3");
    assertThat(steps(r, "wave")).extracting(s -> s.target().orElse("") + " " + s.outcome().wire())
        .containsExactly("1/3 ok", "2/3 ok", "3/3 ok");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, target, "rolled to " + to);
      assertThat(world.throughNginx().body()).isEqualTo(page(to));
    }
  }

  @Test
  void aRollWithMinHealthySecondsAndDrainSecondsPausesInEachWaveAndNoRequestFails() {
    String from = startingVersion();
    String to = other(from);
    Swarm target = swarm(to, maxParallel2().minHealthySeconds(1).drainSeconds(1).build());
    RolloutMonitor monitor = new RolloutMonitor(world, id, to);
    DispatchResult r;
    Load load = new Load();
    try (load; monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      r = load.during(() -> d.dispatch(target));
    }
    assertSucceeded(r, world);
    load.assertNoFailedRequest(from, to);
    assertWithinPolicy(monitor, MAX_PROCS, true);
    // per wave: its new procs stayed healthy 1 s before routing, its old ones drained 1 s before stopping
    List<String> pauses = world.store.status(r.run().id()).orElseThrow().steps().stream()
        .filter(s -> Set.of("min-healthy", "drain", "wave").contains(s.name()))
        .map(s -> s.name() + " " + s.target().orElse("") + " " + s.outcome().wire()).toList();
    assertThat(pauses).containsExactly(
        "min-healthy 1/3 ok", "drain 1/3 ok", "wave 1/3 ok",
        "min-healthy 2/3 ok", "drain 2/3 ok", "wave 2/3 ok",
        "min-healthy 3/3 ok", "drain 3/3 ok", "wave 3/3 ok");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, target, "rolled to " + to + " with pauses");
    }
  }

  @Test
  void aWaveWhoseUptestFailsOnOneHostFailsTheRunThereKeepsWhatEarlierWavesRoutedAndTheNextDispatchConverges() {
    String from = startingVersion();
    Swarm v3 = swarm("v3", maxParallel2().build());
    FailingWave plan = failingWave(v3);
    RolloutMonitor monitor = new RolloutMonitor(world, id, "v3");
    RolloutMonitor recovery;
    Swarm back = swarm(from, maxParallel2().build());
    DispatchResult failed;
    DispatchResult again;
    Load load = new Load();
    try (load) {
      try (monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
        failed = load.during(() -> d.dispatch(v3));
      }
      assertFailedIn(failed, plan);
      assertThat(world.store.activeRun(id)).isEmpty();
      assertThat(world.store.portLocks()).isEmpty();
      recovery = new RolloutMonitor(world, id, from);
      try (RolloutMonitor m = recovery; Dispatcher d = world.dispatcherBuilder().listener(m).build()) {
        again = load.during(() -> d.dispatch(back));
      }
    }
    assertSucceeded(again, world);
    load.assertNoFailedRequest(from, "v3");
    assertWithinPolicy(monitor, MAX_PROCS, true);
    assertWithinPolicy(recovery, MAX_PROCS, false);
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, back, from + " dispatched again after the failed wave");
    }
  }

  @Test
  void aCanaryPausesBesideTheOldProcsRefusesADispatchIsPromotedAndASecondCanaryIsReverted() {
    String from = startingVersion();
    String to = other(from);
    UpdatePolicy policy = maxParallel2().canary(1).build();
    Swarm canary = swarm(to, policy);
    int peak;
    try (Dispatcher d = world.dispatcher()) {
      RolloutPlan rollout = d.planRollout(canary);
      assertThat(rollout.waves().get(0).canary()).as(rollout.render()).isTrue();
      peak = rollout.waves().stream().mapToInt(Wave::peakProcs).max().orElseThrow();
    }
    RolloutMonitor promoted = new RolloutMonitor(world, id, to);
    RolloutMonitor reverted;
    DispatchResult paused;
    DispatchResult done;
    DispatchResult back;
    int promotePeak;
    Load load = new Load();
    try (load) {
      try (promoted; Dispatcher d = world.dispatcherBuilder().listener(promoted).build()) {
        paused = load.during(() -> d.dispatch(canary));
        assertThat(paused.paused()).as("run %s: %s", paused.run().id(), paused.run().failureReason()).isTrue();
        assertThat(paused.run().state()).isEqualTo(RunState.CANARY);
        assertThat(world.store.activeRun(id)).map(SwarmRun::id).contains(paused.run().id());
        assertServing(Map.of(from, SIZE, to, 1), "paused in canary");
        assertThat(promoted.waves()).extracting(w -> w.wave() + "/" + w.waves())
            .containsExactly("1/" + promoted.waves().get(0).waves());
        assertThat(world.events).filteredOn(e -> e.runId().equals(paused.run().id()) && e instanceof DispatchEvent.RunPaused)
            .hasSize(1);
        // a dispatch of the paused swarm is refused, naming the run, and changes nothing
        assertThatThrownBy(() -> d.dispatch(swarm(to, policy))).isInstanceOf(DispatchException.Busy.class)
            .hasMessageContaining(paused.run().id()).hasMessageContaining("promote")
            .satisfies(e -> assertThat(((DispatchException.Busy) e).holder()).contains(paused.run().id()));
        assertServing(Map.of(from, SIZE, to, 1), "after the refused dispatch");
        // the promote rolls out the rest as a rollout of the same policy without the canary would
        promotePeak = d.planRollout(swarm(to, maxParallel2().build())).waves().stream().mapToInt(Wave::peakProcs)
            .max().orElseThrow();
        done = load.during(() -> d.promote(id));
      }
      assertSucceeded(done, world);
      try (Dispatcher d = world.dispatcher()) {
        assertConverged(world, d, canary, "promoted to " + to);
      }

      // a second canary, of the version before, is reverted: the canary goes, the 6 procs of `to` stay
      reverted = new RolloutMonitor(world, id, from);
      try (RolloutMonitor m = reverted; Dispatcher d = world.dispatcherBuilder().listener(m).build()) {
        DispatchResult paused2 = load.during(() -> d.dispatch(swarm(from, policy)));
        assertThat(paused2.paused()).as("run %s: %s", paused2.run().id(), paused2.run().failureReason()).isTrue();
        assertServing(Map.of(to, SIZE, from, 1), "second canary paused");
        back = load.during(() -> d.revert(id));
      }
    }
    load.assertNoFailedRequest(from, to);
    assertThat(done.run().id()).as("the promote goes on with the paused run").isEqualTo(paused.run().id());
    assertThat(promoted.waves().size()).as("waves of the canary and of the rest").isGreaterThan(2);
    assertWithinPolicy(promoted, Math.max(peak, promotePeak), true);
    assertThat(promoted.eventMaxProcs()).as("6 old, a canary and a wave of 2").isLessThanOrEqualTo(SIZE + 1 + 2);
    assertSucceeded(back, world);
    assertThat(back.run().state()).isEqualTo(RunState.REVERTED);
    assertWithinPolicy(reverted, SIZE + 1, false);
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, canary, "the canary of " + from + " reverted");
    }
  }

  @Test
  void aFailingWaveWithAutoRevertEndsWithThePreviousReleaseServingAtFullSize() {
    String from = startingVersion();
    Swarm v3 = swarm("v3", maxParallel2().autoRevert(true).build());
    FailingWave plan = failingWave(v3);
    RolloutMonitor monitor = new RolloutMonitor(world, id, "v3");
    DispatchResult failed;
    Load load = new Load();
    try (load; monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      failed = load.during(() -> d.dispatch(v3));
    }
    load.assertNoFailedRequest(from, "v3");
    assertThat(failed.run().state()).isEqualTo(RunState.FAILED);
    assertThat(failed.run().failureReason().orElseThrow()).contains("not_on_h3").contains("on_failure revert");
    assertThat(steps(failed, "wave")).extracting(s -> s.target().orElse("") + " " + s.outcome().wire())
        .containsExactlyElementsOf(plan.waveSteps());
    DispatchResult revert = failed.revert().orElseThrow(() -> new AssertionError("no revert run: " + failed.run()));
    assertSucceeded(revert, world);
    assertThat(revert.run().id()).isNotEqualTo(failed.run().id());
    assertThat(revert.run().history()).extracting(SwarmRun.Transition::message)
        .anySatisfy(m -> assertThat(m).contains("auto-revert after run " + failed.run().id()));
    // the failed run's and the revert's waves together stayed within the policy
    assertWithinPolicy(monitor, MAX_PROCS, true);
    assertServing(Map.of(from, SIZE), "after the auto-revert");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, swarm(from, maxParallel2().build()), "auto-reverted to " + from);
    }
  }

  @Test
  void aRollbackGoesBackToThePreviousReleaseInWavesReusingItsBuildWithNoFailedRequest() {
    String from = startingVersion();
    String to = other(from);
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(swarm(to, maxParallel2().build())), world);
    }
    RolloutMonitor monitor = new RolloutMonitor(world, id, from);
    DispatchResult r;
    Load load = new Load();
    try (load; monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      r = load.during(() -> d.rollback(id, Optional.empty()));
    }
    assertSucceeded(r, world);
    load.assertNoFailedRequest(from, to);
    assertWithinPolicy(monitor, MAX_PROCS, true);
    assertThat(r.run().history()).extracting(SwarmRun.Transition::message)
        .anySatisfy(m -> assertThat(m).startsWith("rollback to release"));
    assertThat(steps(r, "build")).as("a rollback never builds").isEmpty();
    assertThat(steps(r, "wave")).hasSize(3);
    assertServing(Map.of(from, SIZE), "after the rollback");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, swarm(from, maxParallel2().build()), "rolled back to " + from);
    }
  }

  @Test
  void aRollingRestartReplacesEveryProcOnFreshPortsInWavesWithNoFailedRequest() {
    String from = startingVersion();
    Swarm policy = swarm(from, maxParallel2().build());
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(policy), world); // stores the policy; nothing to start
    }
    Set<String> before = world.programs(id, st -> true);
    RolloutMonitor monitor = new RolloutMonitor(world, id, from);
    DispatchResult r;
    Load load = new Load();
    try (load; monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      r = load.during(() -> d.restart(id));
    }
    assertSucceeded(r, world);
    load.assertNoFailedRequest(from);
    assertWithinPolicy(monitor, MAX_PROCS, false);
    assertThat(steps(r, "build")).as("a restart never builds").isEmpty();
    assertThat(steps(r, "wave")).hasSize(3);
    Set<String> after = world.programs(id, st -> true);
    assertThat(after).as("every proc replaced").hasSize(SIZE).doesNotContainAnyElementsOf(before);
    assertServing(Map.of(from, SIZE), "after the restart");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, policy, "restarted at " + from);
    }
  }

  // ---- the shared swarm ------------------------------------------------------------------------

  static Swarm swarm(String version, UpdatePolicy policy) {
    return world.swarm(TAG, SIZE).version(Version.of(version)).update(policy).build();
  }

  static ImmutableUpdatePolicy.Builder maxParallel2() {
    return UpdatePolicy.builder().maxParallel(ProcCount.of(2));
  }

  static String other(String version) {
    return version.equals("v1") ? "v2" : "v1";
  }

  static String page(String version) {
    return "prebuilt and ready: " + version + "\n";
  }

  /**
   * Makes the shared swarm run v1 or v2, converged, and returns which: what it runs if that is
   * one of them (a dispatch that finds nothing to do), else v1 in one wave. A canary a failed
   * scenario left paused is reverted first.
   */
  static String startingVersion() {
    try (Dispatcher d = world.dispatcher()) {
      if (world.store.activeRun(id).filter(r -> r.state().isPaused()).isPresent()) {
        assertSucceeded(d.revert(id), world);
      }
      String version = world.store.swarm(id).map(s -> s.version().value()).filter(v -> v.equals("v1") || v.equals("v2"))
          .orElse("v1");
      Swarm swarm = world.swarm(TAG, SIZE).version(Version.of(version)).build();
      assertSucceeded(d.dispatch(swarm), world);
      assertConverged(world, d, swarm, "the shared swarm at " + version);
      return version;
    }
  }

  /** The swarm's procs now, by version, each running and in the pool, and nothing else in the pool. */
  static void assertServing(Map<String, Integer> byVersion, String context) {
    Set<String> all = world.programs(id, s -> true);
    assertThat(world.programs(id, s -> s == ProcState.RUNNING)).as(context + ": running").isEqualTo(all);
    assertThat(versions(all)).as(context + ": procs by version").isEqualTo(new TreeMap<>(byVersion));
    assertThat(world.poolMembers()).as(context + ": the pool holds every proc, running").isEqualTo(world.runningMembers(id));
    assertThat(world.procDirs()).as(context + ": proc directories").isEqualTo(world.allOurPrograms());
  }

  // ---- a wave that fails -----------------------------------------------------------------------

  /**
   * The rollout of v3 (whose uptest fails on h3) as planned: the first wave that starts a proc on
   * h3 fails; the waves before it start procs that pass. Starts are host:port (the plan names
   * a release whose build does not exist yet by a placeholder hash).
   */
  record FailingWave(int failing, int waves, Set<String> earlierStarts, Set<String> failingStarts) {
    List<String> waveSteps() {
      return IntStream.rangeClosed(1, failing).mapToObj(i -> i + "/" + waves + (i < failing ? " ok" : " failed")).toList();
    }
  }

  static FailingWave failingWave(Swarm v3) {
    try (Dispatcher d = world.dispatcher()) {
      RolloutPlan rollout = d.planRollout(v3);
      Wave first = rollout.waves().stream()
          .filter(w -> w.plan().starts().stream().anyMatch(s -> s.host().equals(HostName.of("h3"))))
          .findFirst().orElseThrow(() -> new AssertionError("no start on h3: " + rollout.render()));
      assertThat(first.number()).as("a wave before the failing one: " + rollout.render()).isGreaterThan(1);
      Set<String> earlier = new TreeSet<>();
      Set<String> failing = new TreeSet<>();
      for (Wave w : rollout.waves().subList(0, first.number())) {
        for (var s : w.plan().starts()) {
          (w.number() < first.number() ? earlier : failing).add(s.host() + ":" + s.port().value());
        }
      }
      return new FailingWave(first.number(), rollout.waves().size(), earlier, failing);
    }
  }

  /** The run failed in the planned wave; what earlier waves routed serves on beside the old procs. */
  static void assertFailedIn(DispatchResult failed, FailingWave plan) {
    assertThat(failed.succeeded()).isFalse();
    assertThat(failed.run().state()).isEqualTo(RunState.FAILED);
    assertThat(failed.run().failureReason().orElseThrow()).contains("not_on_h3");
    assertThat(steps(failed, "wave")).extracting(s -> s.target().orElse("") + " " + s.outcome().wire())
        .containsExactlyElementsOf(plan.waveSteps());
    assertThat(world.events).filteredOn(e -> e.runId().equals(failed.run().id()) && e instanceof DispatchEvent.UptestFailed)
        .singleElement().satisfies(e -> assertThat(((DispatchEvent.UptestFailed) e).host()).isEqualTo(HostName.of("h3")));
    Set<String> now = world.programs(id, s -> true).stream().map(RolloutScenariosIT::hostPort)
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(now).as("the earlier waves' new procs serve on").containsAll(plan.earlierStarts())
        .as("the failed wave's new procs are torn down").doesNotContainAnyElementsOf(plan.failingStarts());
    int kept = plan.earlierStarts().size();
    String old = versions(world.programs(id, s -> true)).keySet().stream().filter(v -> !v.equals("v3")).findFirst().orElseThrow();
    assertServing(Map.of("v3", kept, old, SIZE - kept), "after wave " + plan.failing() + " failed");
  }

  // ---- load and counts -------------------------------------------------------------------------

  /**
   * A client requesting through nginx from before the first action to a few requests after the
   * last; {@link #assertNoFailedRequest} checks it ran all along, failed no request and saw the
   * pages of exactly the given versions.
   */
  static final class Load implements AutoCloseable {
    final Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 1_000_000, Duration.ofMinutes(8));
    private boolean coveredEveryAction = true;

    Load() {
      DispatchScenariosIT.await("the client's first answer", () -> hammer.ok() > 0 || !hammer.isRunning());
    }

    <T> T during(Supplier<T> action) {
      T result = action.get();
      coveredEveryAction &= hammer.isRunning();
      return result;
    }

    /** Lets the client make a few more requests after the last action, then stops it. */
    @Override
    public void close() {
      int atEnd = hammer.ok();
      DispatchScenariosIT.await("a few more requests", () -> hammer.ok() > atEnd + 20 || !hammer.isRunning());
      coveredEveryAction &= hammer.isRunning();
      hammer.close();
    }

    void assertNoFailedRequest(String... versions) {
      assertThat(coveredEveryAction).as("the client ran until after the last action").isTrue();
      assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
      assertThat(hammer.bodies().keySet()).as("pages served")
          .containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(versions).map(RolloutScenariosIT::page).toList());
    }
  }

  /**
   * The counts at every event and in every sample stay within {@code maxProcs} and
   * {@link #MIN_IN_SERVICE}; the event counts reach both (the rollout did surge, and did go down to
   * the floor), and with {@code mixed} the sampler saw old and new procs together.
   */
  static void assertWithinPolicy(RolloutMonitor m, int maxProcs, boolean mixed) {
    assertThat(m.eventMaxProcs()).as("most procs at an event:\n%s", m.eventLog()).isEqualTo(maxProcs);
    assertThat(m.eventMinInService()).as("fewest in service at an event:\n%s", m.eventLog()).isEqualTo(MIN_IN_SERVICE);
    assertThat(m.sampleErrors()).as("sampling errors").isEmpty();
    assertThat(m.samples()).as("samples").isPositive();
    if (mixed) {
      assertThat(m.mixedSamples()).as("samples taken while old and new procs ran together, of %d", m.samples()).isPositive();
    }
    assertThat(m.sampleMaxProcs()).as("most procs in a sample").isLessThanOrEqualTo(maxProcs);
    assertThat(m.sampleMinInService()).as("fewest in service in a sample: %s", m.sampleLow())
        .isGreaterThanOrEqualTo(MIN_IN_SERVICE);
  }

  static List<RunStep> steps(DispatchResult r, String name) {
    return world.store.status(r.run().id()).orElseThrow().steps().stream().filter(s -> s.name().equals(name)).toList();
  }

  static Map<String, Integer> versions(Set<String> programs) {
    return programs.stream().map(p -> ((ProcName.Ours) ProcName.parse(p.substring(p.indexOf('/') + 1))).versionName())
        .collect(Collectors.toMap(v -> v, v -> 1, Integer::sum, TreeMap::new));
  }

  static String hostPort(String hostAndProgram) {
    ProcName p = ProcName.parse(hostAndProgram.substring(hostAndProgram.indexOf('/') + 1));
    return hostAndProgram.substring(0, hostAndProgram.indexOf('/')) + ":" + p.port().orElseThrow().value();
  }
}
