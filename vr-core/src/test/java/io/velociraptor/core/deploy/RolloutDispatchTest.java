package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.core.testing.CrashInjector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The dispatcher executes a staged rollout wave by wave, within the policy's bounds, and converges after a failure or crash. */
class RolloutDispatchTest {
  private static Swarm v2(int size, UpdatePolicy update) {
    return DispatchWorld.swarm().size(size).version(Version.of("v2")).update(update).build();
  }

  private static Dispatcher dispatcher(DispatchWorld w, Consumer<Duration> pause) {
    return Dispatcher.builder().store(w.store).fleet(w.fleet).observer(w.hosts).procs(w.hosts).runtime(w.runtime)
        .runners(h -> w.runners.get(h.name())).balancer(w.balancer).listener(w.events::add).owner(RunOwners.current())
        .pause(pause).build();
  }

  private static DispatchWorld.Bounds roll(DispatchWorld world, Swarm target, List<Duration> pauses) {
    try (Dispatcher d = world.dispatcher()) {
      assertThat(d.dispatch(DispatchWorld.swarm().size(target.size()).build()).succeeded()).isTrue();
    }
    DispatchWorld.Bounds bounds = new DispatchWorld.Bounds();
    try (Dispatcher d = dispatcher(world, pauses::add)) {
      d.addListener(e -> bounds.sample(world));
      DispatchResult result = d.dispatch(target);
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("") + " " + world.events).isTrue();
      assertThat(d.plan(target).isNoop()).isTrue();
    }
    return bounds;
  }

  private static List<String> waveSteps(DispatchResult r) {
    return r.run().steps().stream().filter(s -> s.name().equals("wave")).map(s -> s.target().orElse("") + " " + s.outcome()).toList();
  }

  @Test
  void fourProcsRolledOneAtATimeNeverDropBelowFourInServiceNorExceedFiveProcs() {
    try (DispatchWorld world = new DispatchWorld()) {
      Set<String> v1;
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().size(4).build()).succeeded()).isTrue();
        v1 = world.running();
      }
      DispatchWorld.Bounds bounds = new DispatchWorld.Bounds();
      world.events.clear();
      Swarm target = v2(4, UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).build());
      try (Dispatcher d = dispatcher(world, p -> {})) {
        d.addListener(e -> bounds.sample(world));
        DispatchResult result = d.dispatch(target);
        assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
        assertThat(waveSteps(result)).containsExactly("1/4 OK", "2/4 OK", "3/4 OK", "4/4 OK");
        assertThat(result.run().steps().stream().filter(s -> s.name().equals("wave")).map(s -> s.detail().orElse("")))
            .containsExactly("+1 -1, 4 in service", "+1 -1, 4 in service", "+1 -1, 4 in service", "+1 -1, 4 in service");
        assertThat(d.plan(target).isNoop()).isTrue();
      }
      List<String> waves = world.events.stream()
          .filter(e -> e instanceof DispatchEvent.WaveStarted || e instanceof DispatchEvent.WaveDone)
          .map(DispatchEvent::describe).toList();
      assertThat(waves).containsExactly("wave 1/4: +1 -1, 4 in service", "wave 1/4 done: +1 -1, 4 in service",
          "wave 2/4: +1 -1, 4 in service", "wave 2/4 done: +1 -1, 4 in service",
          "wave 3/4: +1 -1, 4 in service", "wave 3/4 done: +1 -1, 4 in service",
          "wave 4/4: +1 -1, 4 in service", "wave 4/4 done: +1 -1, 4 in service");
      assertThat(bounds.minInService).isEqualTo(4);
      assertThat(bounds.maxProcs).isEqualTo(5);
      assertThat(world.running()).hasSize(4).doesNotContainAnyElementsOf(v1);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    }
  }

  @Test
  void twoAtATimeKeepsThreeInServiceAndWithinTheSurge() {
    try (DispatchWorld world = new DispatchWorld()) {
      DispatchWorld.Bounds bounds = roll(world, v2(4, UpdatePolicy.builder().maxParallel(ProcCount.of(2)).minInService(ProcCount.of(3))
          .maxSurge(ProcCount.of(1)).build()), new ArrayList<>());
      assertThat(bounds.minInService).isGreaterThanOrEqualTo(3);
      assertThat(bounds.maxProcs).isLessThanOrEqualTo(5);
      assertThat(world.running()).hasSize(4);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    }
  }

  @Test
  void aFailingUptestInWaveTwoKeepsWaveOnesProcsAndTheOldOnesAndTheNextDispatchConverges() {
    try (DispatchWorld world = new DispatchWorld()) {
      Set<String> v1;
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().size(4).build()).succeeded()).isTrue();
        v1 = world.running();
      }
      AtomicInteger v2Uptests = new AtomicInteger();
      world.runtime.uptestsPass(p -> !p.version().orElse("").equals("v2") || v2Uptests.incrementAndGet() == 1);
      Swarm target = v2(4, UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).build());
      Set<String> afterWaveOne;
      try (Dispatcher d = world.dispatcher()) {
        DispatchResult result = d.dispatch(target);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.run().failureReason().orElseThrow()).contains("uptests failed");
        assertThat(waveSteps(result)).containsExactly("1/4 OK", "2/4 FAILED");
        afterWaveOne = world.running();
        TreeSet<String> oldLeft = new TreeSet<>(afterWaveOne);
        oldLeft.retainAll(v1);
        assertThat(oldLeft).as("the old procs wave 2 did not replace keep serving").hasSize(3);
        assertThat(afterWaveOne).as("wave 1's new proc stays, wave 2's is torn down").hasSize(4);
        assertThat(world.ours()).isEqualTo(afterWaveOne);
        assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
        assertThat(new TreeSet<>(world.runtime.procDirs())).isEqualTo(world.ours());
        assertThat(world.store.portLocks()).isEmpty();
      }
      world.runtime.uptestsPass(p -> true);
      try (Dispatcher d = world.dispatcher()) {
        DispatchResult result = d.dispatch(target);
        assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
        assertThat(waveSteps(result)).as("wave 1 is not done again").hasSize(3);
        assertThat(world.running()).hasSize(4).doesNotContainAnyElementsOf(v1);
        TreeSet<String> waveOne = new TreeSet<>(afterWaveOne);
        waveOne.removeAll(v1);
        assertThat(world.running()).containsAll(waveOne);
        assertThat(d.plan(target).isNoop()).isTrue();
        assertThat(d.dispatch(target).plan().orElseThrow().isNoop()).isTrue();
      }
    }
  }

  @Test
  void minHealthySecondsAndDrainSecondsPauseEachWaveForThatLong() {
    try (DispatchWorld world = new DispatchWorld()) {
      List<Duration> pauses = new ArrayList<>();
      roll(world, v2(4, UpdatePolicy.builder().maxParallel(ProcCount.of(2)).minHealthySeconds(7).drainSeconds(3).build()),
          pauses);
      assertThat(pauses).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(3), Duration.ofSeconds(7),
          Duration.ofSeconds(3));
    }
  }

  @Test
  void aProcThatDiesDuringMinHealthyFailsTheWaveAndTheOldProcsKeepServing() {
    try (DispatchWorld world = new DispatchWorld()) {
      Set<String> v1;
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().size(4).build()).succeeded()).isTrue();
        v1 = world.running();
      }
      Consumer<Duration> crashOne = p -> {
        TreeSet<String> fresh = world.running();
        fresh.removeAll(v1);
        String[] hostAndName = fresh.first().split("/", 2);
        world.hosts.put(HostName.of(hostAndName[0]), hostAndName[1], ProcState.FATAL);
      };
      Swarm target = v2(4, UpdatePolicy.builder().maxParallel(ProcCount.of(2)).minHealthySeconds(10).build());
      try (Dispatcher d = dispatcher(world, crashOne)) {
        DispatchResult result = d.dispatch(target);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.run().failureReason().orElseThrow()).contains("min_healthy_seconds 10").contains("FATAL");
        assertThat(result.run().steps()).anyMatch(s -> s.name().equals("min-healthy") && s.outcome() == RunStep.Outcome.FAILED);
        assertThat(world.running()).isEqualTo(v1);
        assertThat(world.ours()).isEqualTo(v1);
        assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      }
      try (Dispatcher d = dispatcher(world, p -> {})) {
        assertThat(d.dispatch(target).succeeded()).isTrue();
        assertThat(world.running()).hasSize(4).doesNotContainAnyElementsOf(v1);
        assertThat(d.plan(target).isNoop()).isTrue();
      }
    }
  }

  private static final UpdatePolicy CANARY = UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1))
      .canary(1).build();

  private static long ofVersion(Set<String> procs, String version) {
    return procs.stream().filter(p -> p.contains("-" + version + "-")).count();
  }

  /** Dispatches v1 (3 procs), then v2 with one canary: returns the v1 procs; the run is paused. */
  private static Set<String> pausedWithOneCanary(DispatchWorld world, Swarm target) {
    try (Dispatcher d = world.dispatcher()) {
      assertThat(d.dispatch(DispatchWorld.swarm().build()).succeeded()).isTrue();
    }
    Set<String> v1 = world.running();
    try (Dispatcher d = world.dispatcher()) {
      DispatchResult result = d.dispatch(target);
      assertThat(result.paused()).as(result.run().failureReason().orElse("") + " " + world.events).isTrue();
      assertThat(result.succeeded()).isFalse();
      assertThat(result.run().state()).isEqualTo(RunState.CANARY);
    }
    return v1;
  }

  @Test
  void aCanaryWavePausesTheRunWithTheCanaryServingBesideTheOldAndRefusesAnotherDispatchNamingTheRun() {
    try (DispatchWorld world = new DispatchWorld()) {
      Swarm target = v2(3, CANARY);
      Set<String> v1 = pausedWithOneCanary(world, target);
      assertThat(world.running()).hasSize(4).containsAll(v1);
      assertThat(ofVersion(world.running(), "v2")).isEqualTo(1);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(world.store.portLocks()).as("a paused run holds no port locks").isEmpty();
      assertThat(world.store.swarm(target.id()).orElseThrow().version()).as("the stored swarm is still v1")
          .isEqualTo(Version.of("v1"));
      String runId = world.store.activeRun(target.id()).orElseThrow().id();
      assertThat(world.events).anyMatch(e -> e instanceof DispatchEvent.RunPaused p && p.message().contains("vr promote"));

      try (Dispatcher d = world.dispatcher()) {
        assertThatThrownBy(() -> d.dispatch(target)).isInstanceOf(DispatchException.Busy.class)
            .hasMessageContaining(runId).hasMessageContaining("paused").hasMessageContaining("vr promote")
            .hasMessageContaining("vr revert");
        assertThatThrownBy(() -> d.dispatch(DispatchWorld.swarm().version(Version.of("v3")).build()))
            .isInstanceOf(DispatchException.Busy.class).hasMessageContaining(runId);
      }
      assertThat(world.running()).hasSize(4);
    }
  }

  @Test
  void promoteContinuesThePausedRunToTheEndWithinThePolicyAndStoresTheNewSwarm() {
    try (DispatchWorld world = new DispatchWorld()) {
      Swarm target = v2(3, CANARY);
      Set<String> v1 = pausedWithOneCanary(world, target);
      TreeSet<String> canary = world.running();
      canary.removeAll(v1);
      String runId = world.store.activeRun(target.id()).orElseThrow().id();
      DispatchWorld.Bounds bounds = new DispatchWorld.Bounds();
      // another process promotes: a dispatcher of its own, with the store and hosts in common
      try (Dispatcher d = dispatcher(world, p -> {})) {
        d.addListener(e -> bounds.sample(world));
        DispatchResult result = d.promote(target.id());
        assertThat(result.succeeded()).as(result.run().failureReason().orElse("") + " " + world.events).isTrue();
        assertThat(result.run().id()).isEqualTo(runId);
        assertThat(result.run().history()).extracting(SwarmRun.Transition::state)
            .containsSubsequence(RunState.ROUTING, RunState.CANARY, RunState.PENDING, RunState.CLEANING, RunState.DONE);
        assertThat(result.run().history()).anyMatch(t -> t.message().startsWith("promoted"));
        assertThat(d.plan(target).isNoop()).isTrue();
      }
      assertThat(world.running()).hasSize(3).doesNotContainAnyElementsOf(v1).containsAll(canary);
      assertThat(bounds.minInService).isGreaterThanOrEqualTo(3);
      assertThat(bounds.maxProcs).isLessThanOrEqualTo(4);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(world.store.swarm(target.id())).contains(target);
      assertThat(world.store.activeRun(target.id())).isEmpty();
      try (Dispatcher d = world.dispatcher()) {
        assertThatThrownBy(() -> d.promote(target.id())).isInstanceOf(DispatchException.NotPaused.class)
            .hasMessageContaining("no paused run").hasMessageContaining(runId).hasMessageContaining("done");
      }
    }
  }

  @Test
  void revertRetiresTheCanariesOnlyAndEndsTheRunReverted() {
    try (DispatchWorld world = new DispatchWorld()) {
      Swarm target = v2(3, CANARY);
      Set<String> v1 = pausedWithOneCanary(world, target);
      String runId = world.store.activeRun(target.id()).orElseThrow().id();
      try (Dispatcher d = dispatcher(world, p -> {})) {
        DispatchResult result = d.revert(target.id());
        assertThat(result.succeeded()).as(result.run().failureReason().orElse("") + " " + world.events).isTrue();
        assertThat(result.run().id()).isEqualTo(runId);
        assertThat(result.run().state()).isEqualTo(RunState.REVERTED);
        assertThat(result.run().history().get(result.run().history().size() - 1).message()).startsWith("reverted");
        assertThat(d.plan(DispatchWorld.swarm().build()).isNoop()).as("v1 runs as before").isTrue();
        assertThatThrownBy(() -> d.revert(target.id())).isInstanceOf(DispatchException.NotPaused.class)
            .hasMessageContaining(runId).hasMessageContaining("reverted");
      }
      assertThat(world.running()).isEqualTo(v1);
      assertThat(world.ours()).isEqualTo(v1);
      assertThat(new TreeSet<>(world.runtime.procDirs())).isEqualTo(world.ours());
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(world.store.swarm(target.id()).orElseThrow().version()).isEqualTo(Version.of("v1"));
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().build()).plan().orElseThrow().isNoop()).isTrue();
      }
    }
  }

  @Test
  void promoteOrRevertOfASwarmWithNoPausedRunIsRefusedSayingWhatItsRunIsDoing() {
    try (DispatchWorld world = new DispatchWorld()) {
      Swarm v1 = DispatchWorld.swarm().build();
      try (Dispatcher d = world.dispatcher()) {
        assertThatThrownBy(() -> d.promote(v1.id())).isInstanceOf(DispatchException.NotPaused.class)
            .hasMessageContaining("no run at all");
        assertThat(d.dispatch(v1).succeeded()).isTrue();
        assertThatThrownBy(() -> d.revert(v1.id())).isInstanceOf(DispatchException.NotPaused.class)
            .hasMessageContaining("no paused run").hasMessageContaining("done");
      }
      assertThat(world.running()).hasSize(3);
    }
  }

  @Test
  void aFailedWaveWithAutoRevertDispatchesTheLastSuccessfulReleaseAgainAndTheRunsSaySo() {
    try (DispatchWorld world = new DispatchWorld()) {
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().size(4).build()).succeeded()).isTrue();
      }
      AtomicInteger v2Uptests = new AtomicInteger();
      world.runtime.uptestsPass(p -> !p.version().orElse("").equals("v2") || v2Uptests.incrementAndGet() == 1);
      UpdatePolicy policy = UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).autoRevert(true)
          .build();
      Swarm target = v2(4, policy);
      DispatchWorld.Bounds bounds = new DispatchWorld.Bounds();
      try (Dispatcher d = dispatcher(world, p -> {})) {
        d.addListener(e -> bounds.sample(world));
        DispatchResult result = d.dispatch(target);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.run().failureReason().orElseThrow()).contains("uptests failed")
            .contains("on_failure revert: dispatching release").contains("v1");
        DispatchResult back = result.revert().orElseThrow();
        assertThat(back.succeeded()).as(back.run().failureReason().orElse("") + " " + world.events).isTrue();
        assertThat(back.run().id()).isNotEqualTo(result.run().id());
        assertThat(back.run().history()).anyMatch(t -> t.message().contains("auto-revert after run " + result.run().id()));
        assertThat(back.run().swarm().orElseThrow().version()).isEqualTo(Version.of("v1"));
        assertThat(back.run().swarm().orElseThrow().update()).contains(policy);
        assertThat(back.revert()).isEmpty();
      }
      assertThat(world.running()).hasSize(4);
      assertThat(ofVersion(world.running(), "v1")).as("the previous release at full size").isEqualTo(4);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(bounds.minInService).isGreaterThanOrEqualTo(4);
      assertThat(world.store.swarm(target.id()).orElseThrow().version()).isEqualTo(Version.of("v1"));
    }
  }

  @Test
  void aPromotedCanaryWhoseNextWaveFailsIsAutoRevertedWithoutPausingForACanaryAgain() {
    try (DispatchWorld world = new DispatchWorld()) {
      UpdatePolicy policy = UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).canary(1)
          .autoRevert(true).build();
      Swarm target = v2(3, policy);
      AtomicInteger v2Uptests = new AtomicInteger();
      world.runtime.uptestsPass(p -> !p.version().orElse("").equals("v2") || v2Uptests.incrementAndGet() == 1);
      pausedWithOneCanary(world, target);
      try (Dispatcher d = world.dispatcher()) {
        DispatchResult result = d.promote(target.id());
        assertThat(result.succeeded()).isFalse();
        assertThat(result.run().failureReason().orElseThrow()).contains("on_failure revert");
        DispatchResult back = result.revert().orElseThrow();
        assertThat(back.paused()).as("an auto-revert does not wait for an operator").isFalse();
        assertThat(back.succeeded()).as(back.run().failureReason().orElse("") + " " + world.events).isTrue();
        assertThat(world.store.activeRun(target.id())).isEmpty();
      }
      assertThat(world.running()).hasSize(3);
      assertThat(ofVersion(world.running(), "v1")).isEqualTo(3);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    }
  }

  @Test
  void withoutAutoRevertAFailedWaveRevertsNothing() {
    try (DispatchWorld world = new DispatchWorld()) {
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().size(4).build()).succeeded()).isTrue();
      }
      AtomicInteger v2Uptests = new AtomicInteger();
      world.runtime.uptestsPass(p -> !p.version().orElse("").equals("v2") || v2Uptests.incrementAndGet() == 1);
      try (Dispatcher d = world.dispatcher()) {
        DispatchResult result = d.dispatch(v2(4, UpdatePolicy.builder().maxParallel(ProcCount.of(1))
            .maxSurge(ProcCount.of(1)).build()));
        assertThat(result.succeeded()).isFalse();
        assertThat(result.revert()).isEmpty();
        assertThat(result.run().failureReason().orElseThrow()).doesNotContain("revert");
      }
      assertThat(ofVersion(world.running(), "v2")).isEqualTo(1);
    }
  }

  @Test
  void waveEventsRoundTripThroughJsonWithTheirType() {
    DispatchEvent e = new DispatchEvent.WaveDone("r-1", java.time.Instant.parse("2026-12-02T17:00:00Z"), 2, 3,
        "+1 -1, 3 in service");
    String json = io.velociraptor.core.json.VrJson.writeJson(e);
    assertThat(json.replace(" ", "")).contains("\"type\":\"wave_done\"").contains("\"waves\":3");
    assertThat(io.velociraptor.core.json.VrJson.readJson(json, DispatchEvent.class)).isEqualTo(e);
    assertThat(e.describe()).isEqualTo("wave 2/3 done: +1 -1, 3 in service");
  }

  @Test
  void aDispatcherKilledAtAnyStepOfAThreeWaveRolloutIsFinishedByTheNextDispatch() throws Exception {
    Swarm target = v2(3, UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).build());
    Set<Long> wavesDoneAtCrash = new TreeSet<>();
    for (int crashAt = 1; crashAt < 1000; crashAt++) {
      try (DispatchWorld world = new DispatchWorld()) {
        try (Dispatcher d = world.dispatcher()) {
          assertThat(d.dispatch(DispatchWorld.swarm().build()).succeeded()).isTrue();
        }
        Set<String> v1 = world.running();
        world.events.clear();
        CrashInjector killer = CrashInjector.atCall(crashAt);
        boolean crashed = world.dispatchUntilCrash(killer, target);
        if (!crashed) {
          assertThat(wavesDoneAtCrash).as("crashes before, between and after the waves").containsExactly(0L, 1L, 2L, 3L);
          return;
        }
        wavesDoneAtCrash.add(world.events.stream().filter(e -> e instanceof DispatchEvent.WaveDone).count());
        try (Dispatcher next = world.dispatcher()) {
          DispatchResult result = next.dispatch(target);
          String context = "after a crash at call " + crashAt + ": " + result.run().failureReason().orElse("") + " " + world.events;
          assertThat(result.succeeded()).as(context).isTrue();
          assertThat(world.running()).as(context).hasSize(3).doesNotContainAnyElementsOf(v1);
          assertThat(world.ours()).as(context).isEqualTo(world.running());
          assertThat(world.runningMembers()).as(context + ": no port used twice").hasSize(3);
          assertThat(world.balancer.members(POOL)).as(context).isEqualTo(world.runningMembers());
          assertThat(new TreeSet<>(world.runtime.procDirs())).as(context).isEqualTo(world.ours());
          assertThat(world.store.portLocks()).as(context).isEmpty();
          assertThat(world.store.activeRun(target.id())).as(context).isEmpty();
          assertThat(next.plan(target).isNoop()).as(context).isTrue();
        }
      }
    }
    fail("a dispatch made more than 1000 calls");
  }
}
