package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertConverged;
import static io.velociraptor.examples.e2e.Converged.assertDeletedCleanly;
import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.DispatchEvent;
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
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.Wave;
import io.velociraptor.lxc.RuntimeKind;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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
 * requests through nginx all along: the swarm rolls in waves, no request fails, and the swarm
 * never runs more procs nor fewer in service than the policy allows, counted at every event of
 * the dispatcher and sampled from Supervisor and the pool ({@link RolloutMonitor}). Each
 * scenario has its own 6-proc swarm over the three hosts and deletes it at the end; the world
 * (and the builds in its store) is shared by the class.
 */
class RolloutScenariosIT {
  static final int SIZE = 6;
  /** max_parallel 2 over 6: three waves of +2 -2, at most 6 + 2 procs, 6 (100%) in service. */
  static final int MAX_PROCS = 8;
  static final int MIN_IN_SERVICE = 6;
  static E2eWorld world;

  @BeforeAll
  static void startWorld() {
    assumeTrue(E2eWorld.isRoot(), "the e2e dispatch tests run procs as nobody and need root (CI runs as root)");
    world = E2eWorld.start(RuntimeKind.PLAIN);
  }

  @AfterAll
  static void stopWorld() {
    if (world != null) {
      world.close();
    }
  }

  static String page(String version) {
    return "prebuilt and ready: " + version + "\n";
  }

  static ImmutableUpdatePolicy.Builder maxParallel2() {
    return UpdatePolicy.builder().maxParallel(ProcCount.of(2));
  }

  @Test
  void sixProcsRollInThreeWavesOfTwoWithNoFailedRequestNeverOverEightProcsNorUnderSixInService() {
    Swarm v1 = world.swarm("roll", SIZE).build();
    Swarm v2 = world.swarm("roll", SIZE).version(Version.of("v2")).update(maxParallel2().build()).build();
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(v1), world);
      assertConverged(world, d, v1, "v1, 6 procs in one wave");
      assertThat(v2.updatePolicy().minInServiceFor(SIZE)).as("the default min_in_service, 100%").isEqualTo(MIN_IN_SERVICE);
      RolloutPlan rollout = d.planRollout(v2);
      assertThat(rollout.waves()).extracting(w -> w.plan().starts().size() + "+" + w.plan().stops().size() + "-")
          .as(rollout.render()).containsExactly("2+2-", "2+2-", "2+2-");
    }
    RolloutMonitor monitor = new RolloutMonitor(world, v2.id(), "v2");
    DispatchResult r;
    Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 500_000, Duration.ofMinutes(5));
    try (monitor; hammer; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      r = underLoad(hammer, () -> d.dispatch(v2));
    }
    assertSucceeded(r, world);
    assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
    assertThat(hammer.bodies().keySet()).as("the client saw the roll").containsExactlyInAnyOrder(page("v1"), page("v2"));
    assertWithinPolicy(monitor);
    assertThat(monitor.waves()).extracting(w -> w.wave() + "/" + w.waves()).containsExactly("1/3", "2/3", "3/3");
    assertThat(steps(r, "wave")).extracting(s -> s.target().orElse("") + " " + s.outcome().wire())
        .containsExactly("1/3 ok", "2/3 ok", "3/3 ok");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, v2, "rolled to v2");
      assertThat(world.throughNginx().body()).isEqualTo(page("v2"));
      assertDeletedCleanly(world, d, v2);
    }
  }

  @Test
  void aRollWithMinHealthySecondsAndDrainSecondsPausesInEachWaveAndNoRequestFails() {
    Swarm v1 = world.swarm("slow", SIZE).build();
    Swarm v2 = world.swarm("slow", SIZE).version(Version.of("v2"))
        .update(maxParallel2().minHealthySeconds(1).drainSeconds(1).build()).build();
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(v1), world);
    }
    RolloutMonitor monitor = new RolloutMonitor(world, v2.id(), "v2");
    DispatchResult r;
    Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 500_000, Duration.ofMinutes(5));
    try (monitor; hammer; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
      r = underLoad(hammer, () -> d.dispatch(v2));
    }
    assertSucceeded(r, world);
    assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
    assertThat(hammer.bodies().keySet()).containsExactlyInAnyOrder(page("v1"), page("v2"));
    assertWithinPolicy(monitor);
    // per wave: its new procs stayed healthy 1 s before routing, its old ones drained 1 s before stopping
    List<String> pauses = world.store.status(r.run().id()).orElseThrow().steps().stream()
        .filter(s -> Set.of("min-healthy", "drain", "wave").contains(s.name()))
        .map(s -> s.name() + " " + s.target().orElse("") + " " + s.outcome().wire()).toList();
    assertThat(pauses).containsExactly(
        "min-healthy 1/3 ok", "drain 1/3 ok", "wave 1/3 ok",
        "min-healthy 2/3 ok", "drain 2/3 ok", "wave 2/3 ok",
        "min-healthy 3/3 ok", "drain 3/3 ok", "wave 3/3 ok");
    try (Dispatcher d = world.dispatcher()) {
      assertConverged(world, d, v2, "rolled to v2 with pauses");
      assertDeletedCleanly(world, d, v2);
    }
  }

  @Test
  void aWaveWhoseUptestFailsOnOneHostFailsTheRunThereKeepsWhatEarlierWavesRoutedAndTheNextDispatchConverges() {
    Swarm v2 = world.swarm("wfai", SIZE).version(Version.of("v2")).build();
    Swarm v3 = world.swarm("wfai", SIZE).version(Version.of("v3")).update(maxParallel2().build()).build();
    int failing;
    Set<String> earlierStarts = new TreeSet<>();
    Set<String> failingStarts = new TreeSet<>();
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(v2), world);
      RolloutPlan rollout = d.planRollout(v3);
      // v3's uptest fails on h3 only: the run fails in the first wave that starts a proc there
      Wave first = rollout.waves().stream()
          .filter(w -> w.plan().starts().stream().anyMatch(s -> s.host().equals(HostName.of("h3"))))
          .findFirst().orElseThrow();
      failing = first.number();
      assertThat(failing).as("a wave before the failing one: " + rollout.render()).isGreaterThan(1);
      for (Wave w : rollout.waves().subList(0, failing)) {
        for (var s : w.plan().starts()) {
          (w.number() < failing ? earlierStarts : failingStarts).add(s.host() + "/" + s.name().format());
        }
      }
    }
    String total = "/3";
    RolloutMonitor monitor = new RolloutMonitor(world, v3.id(), "v3");
    RolloutMonitor recovery = null;
    DispatchResult failed;
    DispatchResult again;
    Set<String> afterFailure;
    Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 500_000, Duration.ofMinutes(5));
    try (hammer) {
      try (monitor; Dispatcher d = world.dispatcherBuilder().listener(monitor).build()) {
        failed = d.dispatch(v3);
      }
      afterFailure = world.programs(v3.id(), s -> true);
      // what runs now: the earlier waves' v3 procs and the v2 procs not yet replaced, all routed
      assertThat(failed.succeeded()).isFalse();
      assertThat(failed.run().state()).isEqualTo(RunState.FAILED);
      assertThat(failed.run().failureReason().orElseThrow()).contains("not_on_h3");
      assertThat(afterFailure).as("the earlier waves' new procs serve on").containsAll(earlierStarts)
          .as("the failed wave's new procs are torn down").doesNotContainAnyElementsOf(failingStarts).hasSize(SIZE);
      assertThat(world.programs(v3.id(), s -> s == ProcState.RUNNING)).isEqualTo(afterFailure);
      assertThat(world.poolMembers()).as("the pool holds every proc that runs").isEqualTo(world.runningMembers(v3.id()));
      assertThat(versions(afterFailure)).containsEntry("v3", earlierStarts.size()).containsEntry("v2", SIZE - earlierStarts.size());
      assertThat(world.procDirs()).isEqualTo(world.allOurPrograms());
      assertThat(world.store.portLocks()).isEmpty();
      assertThat(world.store.activeRun(v3.id())).isEmpty();

      recovery = new RolloutMonitor(world, v2.id(), "v2");
      Swarm v2Rolled = world.swarm("wfai", SIZE).version(Version.of("v2")).update(maxParallel2().build()).build();
      RolloutMonitor rec = recovery;
      try (rec; Dispatcher d = world.dispatcherBuilder().listener(rec).build()) {
        again = underLoad(hammer, () -> d.dispatch(v2Rolled));
      }
      assertSucceeded(again, world);
      try (Dispatcher d = world.dispatcher()) {
        assertConverged(world, d, v2Rolled, "v2 dispatched again after the failed wave");
      }
    }
    assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
    assertThat(hammer.bodies().keySet()).as("the earlier waves' v3 procs served")
        .containsExactlyInAnyOrder(page("v2"), page("v3"));
    assertThat(monitor.waves()).extracting(w -> w.wave() + "/" + w.waves())
        .containsExactlyElementsOf(IntStream.rangeClosed(1, failing).mapToObj(i -> i + total).toList());
    List<String> waveSteps = steps(failed, "wave").stream().map(s -> s.target().orElse("") + " " + s.outcome().wire()).toList();
    assertThat(waveSteps).containsExactlyElementsOf(IntStream.rangeClosed(1, failing)
        .mapToObj(i -> i + total + (i < failing ? " ok" : " failed")).toList());
    assertThat(world.events).filteredOn(e -> e.runId().equals(failed.run().id()) && e instanceof DispatchEvent.UptestFailed)
        .singleElement().satisfies(e -> assertThat(((DispatchEvent.UptestFailed) e).host()).isEqualTo(HostName.of("h3")));
    assertWithinPolicy(monitor);
    assertThat(recovery.eventMaxProcs()).as(recovery.eventLog()).isLessThanOrEqualTo(MAX_PROCS);
    assertThat(recovery.eventMinInService()).as(recovery.eventLog()).isGreaterThanOrEqualTo(MIN_IN_SERVICE);
    assertThat(recovery.sampleMaxProcs()).isLessThanOrEqualTo(MAX_PROCS);
    assertThat(recovery.sampleMinInService()).as(recovery.sampleLow()).isGreaterThanOrEqualTo(MIN_IN_SERVICE);
    try (Dispatcher d = world.dispatcher()) {
      assertDeletedCleanly(world, d, world.store.swarm(v2.id()).orElseThrow());
    }
  }

  /**
   * Runs the action while the client requests through nginx, then lets it make a few more
   * requests; fails if the client stopped at its bounds before the action ended (it would not
   * have seen the whole action).
   */
  static <T> T underLoad(Hammer hammer, Supplier<T> action) {
    await("the client's first answer", () -> hammer.ok() > 0 || !hammer.isRunning());
    T result = action.get();
    assertThat(hammer.isRunning()).as("the client still runs when the dispatch ends").isTrue();
    int atEnd = hammer.ok();
    await("a few more requests after the dispatch", () -> hammer.ok() > atEnd + 20 || !hammer.isRunning());
    return result;
  }

  /** The counts at every event and in every sample: within max procs and min in service, and reaching them. */
  static void assertWithinPolicy(RolloutMonitor m) {
    assertThat(m.eventMaxProcs()).as("most procs at an event:\n%s", m.eventLog()).isEqualTo(MAX_PROCS);
    assertThat(m.eventMinInService()).as("fewest in service at an event:\n%s", m.eventLog()).isEqualTo(MIN_IN_SERVICE);
    assertThat(m.sampleErrors()).as("sampling errors").isEmpty();
    assertThat(m.samples()).as("samples").isPositive();
    assertThat(m.mixedSamples()).as("samples taken while old and new procs ran together, of %d", m.samples()).isPositive();
    assertThat(m.sampleMaxProcs()).as("most procs in a sample").isLessThanOrEqualTo(MAX_PROCS);
    assertThat(m.sampleMinInService()).as("fewest in service in a sample: %s", m.sampleLow())
        .isGreaterThanOrEqualTo(MIN_IN_SERVICE);
  }

  static List<RunStep> steps(DispatchResult r, String name) {
    return world.store.status(r.run().id()).orElseThrow().steps().stream().filter(s -> s.name().equals(name)).toList();
  }

  static java.util.Map<String, Integer> versions(Set<String> programs) {
    return programs.stream().map(p -> ((ProcName.Ours) ProcName.parse(p.substring(p.indexOf('/') + 1))).versionName())
        .collect(Collectors.toMap(v -> v, v -> 1, Integer::sum, java.util.TreeMap::new));
  }

  static void await(String what, java.util.function.BooleanSupplier condition) {
    DispatchScenariosIT.await(what, condition);
  }
}
