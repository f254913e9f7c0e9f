package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.spi.BeginRun;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private final DispatchWorld world = new DispatchWorld();

  @AfterEach
  void close() {
    world.close();
  }

  @Test
  void firstDispatchStartsUptestsAndRoutesEveryProcThenReleasesItsPorts() {
    try (Dispatcher d = world.dispatcher()) {
      io.velociraptor.core.model.Swarm swarm = DispatchWorld.swarm().build();
      DispatchResult result = d.dispatch(swarm);
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
      assertThat(result.confirmed()).isTrue();
      assertThat(result.run().swarm()).contains(swarm);
      assertThat(result.run().release()).isEqualTo(world.store.releases().stream().map(r -> r.hash()).findFirst());
      assertThat(world.running()).hasSize(3);
      assertThat(world.running().stream().map(s -> s.split("/")[0]).distinct()).hasSize(3);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(world.store.portLocks()).isEmpty();
      assertThat(world.runtime.procDirs()).hasSize(3);
      assertThat(result.run().history().stream().map(t -> t.state()))
          .containsSubsequence(RunState.PENDING, RunState.DEPLOYING, RunState.UPTESTING, RunState.ROUTING, RunState.DONE);
      assertThat(world.store.history(result.run().swarmId())).hasSize(1);
    }
  }

  @Test
  void aSecondDispatchOfTheSameSwarmIsANoopThatStartsNothing() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      world.events.clear();
      DispatchResult again = d.dispatch(DispatchWorld.swarm().build());
      assertThat(again.succeeded()).isTrue();
      assertThat(again.plan().orElseThrow().isNoop()).isTrue();
      assertThat(world.events).noneMatch(e -> e instanceof DispatchEvent.ProcStarting);
    }
  }

  @Test
  void everyStepOfASwapIsRecordedInTheRunIncludingTheRouteChanges() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      DispatchResult result = d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
      assertThat(result.run().steps().stream().map(s -> s.name()).distinct())
          .containsExactlyInAnyOrder("start", "uptest", "route-add", "route-remove", "stop", "confirm");
    }
  }

  @Test
  void aNoopDispatchObservesTheFleetOnceAndCountsAsConfirmed() {
    java.util.concurrent.atomic.AtomicInteger observations = new java.util.concurrent.atomic.AtomicInteger();
    try (Dispatcher d = Dispatcher.builder().store(world.store).fleet(world.fleet).procs(world.hosts)
        .observer(hosts -> {
          observations.incrementAndGet();
          return world.hosts.observe(hosts);
        })
        .runtime(world.runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer).build()) {
      d.dispatch(DispatchWorld.swarm().build());
      observations.set(0);
      DispatchResult again = d.dispatch(DispatchWorld.swarm().build());
      assertThat(again.plan().orElseThrow().isNoop()).isTrue();
      assertThat(again.confirmed()).isTrue();
      assertThat(observations.get()).isEqualTo(1);
    }
  }

  @Test
  void aNoopDispatchRewritesNeitherTheSwarmNorTheReleaseOnlyItsRun() {
    Map<String, Integer> writes = new java.util.TreeMap<>();
    io.velociraptor.core.spi.Store counting = (io.velociraptor.core.spi.Store) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {io.velociraptor.core.spi.Store.class}, (proxy, method, args) -> {
          if (method.getName().startsWith("put")) {
            writes.merge(method.getName(), 1, Integer::sum);
          }
          try {
            return method.invoke(world.store, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (Dispatcher d = world.dispatcher(world.hosts, world.runtime, counting, world.balancer,
        io.velociraptor.core.store.RunOwners.current())) {
      d.dispatch(DispatchWorld.swarm().build());
      assertThat(writes).containsEntry("putSwarm", 1).containsEntry("putRelease", 1);
      writes.clear();
      DispatchResult again = d.dispatch(DispatchWorld.swarm().build());
      assertThat(again.plan().orElseThrow().isNoop()).isTrue();
      assertThat(writes).isEmpty();
      assertThat(world.store.history(again.run().swarmId())).hasSize(2);
      d.dispatch(DispatchWorld.swarm().size(2).build());
      assertThat(writes).containsEntry("putSwarm", 1).doesNotContainKey("putRelease");
    }
  }

  @Test
  void newReleaseRetiresOldProcsOnlyAfterTheirReplacementsAreUptestedAndRouted() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      Set<String> old = world.running();
      world.events.clear();
      DispatchResult result = d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
      assertThat(world.running()).hasSize(3).doesNotContainAnyElementsOf(old);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      int lastRoute = -1;
      int firstStop = Integer.MAX_VALUE;
      int lastUptest = -1;
      for (int i = 0; i < world.events.size(); i++) {
        DispatchEvent e = world.events.get(i);
        if (e instanceof DispatchEvent.Routed) {
          lastRoute = i;
        } else if (e instanceof DispatchEvent.UptestPassed) {
          lastUptest = i;
        } else if (e instanceof DispatchEvent.ProcStopped && firstStop == Integer.MAX_VALUE) {
          firstStop = i;
        }
      }
      assertThat(lastUptest).isLessThan(lastRoute);
      assertThat(lastRoute).isLessThan(firstStop);
      assertThat(world.runtime.procDirs()).hasSize(3);
    }
  }

  @Test
  void aConfigChangeIsANewReleaseToo() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      Set<String> old = world.running();
      d.dispatch(DispatchWorld.swarm().env(Env.of(Map.of("GREETING", "hi"))).build());
      assertThat(world.running()).hasSize(3).doesNotContainAnyElementsOf(old);
    }
  }

  @Test
  void renamingTheConfigRetiresThePreviousManifestation() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      DispatchResult result = d.dispatch(DispatchWorld.swarm().config(ConfigName.of("live")).build());
      assertThat(result.succeeded()).isTrue();
      assertThat(world.ours()).hasSize(3).allMatch(n -> n.contains("-live-"));
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    }
  }

  @Test
  void scalingDownStopsTheExcessAfterRemovingItFromThePool() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().size(3).build());
      d.dispatch(DispatchWorld.swarm().size(1).build());
      assertThat(world.running()).hasSize(1);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(world.runtime.procDirs()).hasSize(1);
    }
  }

  @Test
  void aFailedUptestLeavesThePoolAndTheOldProcsUntouchedAndTearsDownTheNewOnes() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      Set<String> old = world.running();
      Set<PoolMember> pool = world.balancer.members(POOL);
      world.runtime.uptestsPass(p -> !p.version().orElse("").equals("v2"));
      DispatchResult result = d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
      assertThat(result.succeeded()).isFalse();
      assertThat(result.run().state()).isEqualTo(RunState.FAILED);
      assertThat(result.run().failureReason().orElseThrow()).contains("uptests failed").contains("web_ok");
      assertThat(world.running()).isEqualTo(old);
      assertThat(world.ours()).isEqualTo(old);
      assertThat(world.balancer.members(POOL)).isEqualTo(pool);
      assertThat(world.runtime.procDirs()).hasSize(3);
      assertThat(world.store.portLocks()).isEmpty();
      assertThat(world.events).anyMatch(e -> e instanceof DispatchEvent.UptestFailed u && u.describe().contains("HTTP 500"));
    }
  }

  @Test
  void aFailedStartTearsDownEveryNewProcAndReleasesTheirPorts() {
    try (Dispatcher d = world.dispatcher()) {
      world.hosts.failStartsOf(name -> name.contains("-5000-") || name.contains("-5001-"));
      DispatchResult result = d.dispatch(DispatchWorld.swarm().build());
      assertThat(result.succeeded()).isFalse();
      assertThat(result.run().failureReason().orElseThrow()).contains("could not start").contains("spawn error");
      assertThat(world.ours()).isEmpty();
      assertThat(world.runtime.procDirs()).isEmpty();
      assertThat(world.store.portLocks()).isEmpty();
      assertThat(world.balancer.members(POOL)).isEmpty();
    }
  }

  @Test
  void aFailedRouteChangeIsRetriedThenFailsTheRunWithoutStoppingOldProcs() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      Set<String> old = world.running();
      world.balancer.failNextChanges(10);
      DispatchResult result = d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
      assertThat(result.succeeded()).isFalse();
      assertThat(result.run().failureReason().orElseThrow()).contains("after 3 attempts");
      assertThat(world.running()).containsAll(old);
      assertThat(world.store.portLocks()).isEmpty();
    }
  }

  @Test
  void aRetriedRouteChangeThatThenWorksFinishesTheRun() {
    try (Dispatcher d = world.dispatcher()) {
      world.balancer.failNextChanges(2);
      DispatchResult result = d.dispatch(DispatchWorld.swarm().build());
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
      assertThat(world.balancer.members(POOL)).hasSize(3);
    }
  }

  @Test
  void procsOnAnUnreachableHostAreNeitherCountedNorStoppedAndTheRunSaysSo() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      String onH2 = world.running().stream().filter(r -> r.startsWith("h2/")).findFirst().orElseThrow();
      world.hosts.setUnreachable(HostName.of("h2"), true);
      DispatchResult result = d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
      assertThat(world.events).anyMatch(e -> e instanceof DispatchEvent.Warning w && w.message().contains("h2")
          && w.message().contains("unreachable"));
      world.hosts.setUnreachable(HostName.of("h2"), false);
      // three v2 procs on the two reachable hosts; the unknown h2 proc was neither counted nor stopped
      assertThat(world.running()).hasSize(4).contains(onH2);
      assertThat(world.running().stream().filter(r -> !r.equals(onH2))).hasSize(3).allMatch(r -> !r.startsWith("h2/"));
      // once h2 answers again, a dispatch retires its old proc
      assertThat(d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build()).succeeded()).isTrue();
      assertThat(world.running()).hasSize(3).doesNotContain(onH2);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    }
  }

  @Test
  void foreignAndLegacyProgramsAreNeverTouched() {
    world.hosts.put(HostName.of("h1"), "cron", ProcState.RUNNING);
    world.hosts.put(HostName.of("h1"), "other-v1-prod-f96054b7-web-5000", ProcState.RUNNING);
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
      d.delete(DispatchWorld.swarm().build().id());
    }
    assertThat(world.hosts.programs(HostName.of("h1"))).containsOnlyKeys("cron", "other-v1-prod-f96054b7-web-5000");
  }

  @Test
  void deletingASwarmRetiresAllItsProcsAndForgetsIt() {
    try (Dispatcher d = world.dispatcher()) {
      Swarm swarm = DispatchWorld.swarm().build();
      d.dispatch(swarm);
      DispatchResult result = d.delete(swarm.id());
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
      assertThat(world.ours()).isEmpty();
      assertThat(world.balancer.members(POOL)).isEmpty();
      assertThat(world.runtime.procDirs()).isEmpty();
      assertThat(world.store.swarm(swarm.id())).isEmpty();
    }
  }

  @Test
  void aSecondDispatchWhileARunIsLiveIsRefusedNamingTheHolder() {
    Swarm swarm = DispatchWorld.swarm().build();
    BeginRun.Started live = (BeginRun.Started) world.store.tryBeginRun(swarm.id(), "t", io.velociraptor.core.store.RunOwners.current());
    try (Dispatcher d = world.dispatcher()) {
      assertThatThrownBy(() -> d.dispatch(swarm)).isInstanceOf(DispatchException.Busy.class)
          .hasMessageContaining(live.run().id()).hasMessageContaining(swarm.name());
    }
  }

  @Test
  void dryRunPlansWithoutActing() {
    try (Dispatcher d = world.dispatcher()) {
      SwarmPlan plan = d.plan(DispatchWorld.swarm().build());
      assertThat(plan.starts()).hasSize(3);
      assertThat(world.ours()).isEmpty();
      assertThat(world.store.history(DispatchWorld.swarm().build().id())).isEmpty();
    }
  }

  @Test
  void aDryRunBeforeTheBuildExistsSaysTheBuildIsPendingAndBuildsNothing() {
    Swarm swarm = DispatchWorld.swarm().version(io.velociraptor.core.model.Version.of("v3")).build();
    try (Dispatcher d = world.dispatcher()) {
      SwarmPlan plan = d.plan(swarm);
      assertThat(plan.buildPending()).isTrue();
      assertThat(plan.starts()).hasSize(3);
      assertThat(world.store.build(swarm.app(), swarm.version())).isEmpty();
      assertThat(world.ours()).isEmpty();
    }
  }

  @Test
  void theSnapshotADispatcherObservesCarriesTheSwarmsBuildWithoutItsLog() {
    Swarm swarm = DispatchWorld.swarm().build();
    try (Dispatcher d = world.dispatcher()) {
      assertThat(d.observe(swarm).builds()).singleElement()
          .satisfies(b -> assertThat(b.version()).isEqualTo(swarm.version()))
          .satisfies(b -> assertThat(b.compileLog()).isEmpty());
    }
  }

  @Test
  void reconcileRedispatchesOnlySwarmsThatDrifted() {
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(DispatchWorld.swarm().build());
      assertThat(d.reconcile(java.util.Optional.empty(), 2)).isEmpty();
      String victim = world.running().first();
      world.hosts.stop(world.fleet.host(HostName.of(victim.split("/")[0])),
          io.velociraptor.core.model.ProcName.parse(victim.split("/")[1]));
      List<DispatchResult> runs = d.reconcile(java.util.Optional.empty(), 2);
      assertThat(runs).hasSize(1);
      assertThat(runs.get(0).succeeded()).as(runs.get(0).run().failureReason().orElse("")).isTrue();
      assertThat(world.running()).hasSize(3);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    }
  }

  @Test
  void unknownSquadsAndBalancersAreRefusedByName() {
    try (Dispatcher d = world.dispatcher()) {
      assertThatThrownBy(() -> d.dispatch(DispatchWorld.swarm().squad(io.velociraptor.core.model.SquadName.of("nowhere")).build()))
          .hasMessageContaining("\"nowhere\"");
      assertThatThrownBy(() -> d.dispatch(DispatchWorld.swarm().balancer(io.velociraptor.core.model.BalancerName.of("f5")).build()))
          .hasMessageContaining("\"f5\"");
    }
  }

  @Test
  void eventsAreWrittenAsJsonLinesWithTheirType() {
    StringWriter out = new StringWriter();
    try (Dispatcher d = world.dispatcher()) {
      d.addListener(JsonLinesEventSink.to(out));
      d.dispatch(DispatchWorld.swarm().build());
    }
    List<String> lines = new ArrayList<>(List.of(out.toString().split("\n")));
    assertThat(lines).first().asString().startsWith("{\"type\":\"run_started\"");
    assertThat(lines).anyMatch(l -> l.startsWith("{\"type\":\"proc_started\"") && l.contains("\"run_id\""));
    assertThat(lines).last().asString().startsWith("{\"type\":\"run_done\"");
  }

  @Test
  void concurrentDispatchesOfDifferentSwarmsAllSucceedAndNeverShareAPort() throws Exception {
    List<String> ids = List.of("swarmaaa", "swarmbbb", "swarmccc", "swarmddd");
    try (Dispatcher d = world.dispatcher()) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(ids.size());
      java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
      try {
        List<java.util.concurrent.Future<DispatchResult>> results = new ArrayList<>();
        for (String id : ids) {
          Swarm s = DispatchWorld.swarm().id(io.velociraptor.core.model.SwarmId.of(id)).config(ConfigName.of(id)).build();
          results.add(pool.submit(() -> {
            gate.await();
            return d.dispatch(s);
          }));
        }
        gate.countDown();
        for (java.util.concurrent.Future<DispatchResult> f : results) {
          DispatchResult r = f.get(2, java.util.concurrent.TimeUnit.MINUTES);
          assertThat(r.succeeded()).as(r.run().failureReason().orElse("")).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
      List<String> hostPorts = world.running().stream()
          .map(p -> p.split("/")[0] + ":" + io.velociraptor.core.model.ProcName.parse(p.split("/")[1]).port().orElseThrow())
          .toList();
      assertThat(hostPorts).hasSize(ids.size() * 3).doesNotHaveDuplicates();
    }
  }

  @Test
  void aFailingRouteChangeIsRetriedAfterPausesThatDouble() {
    java.util.concurrent.atomic.AtomicInteger failuresLeft = new java.util.concurrent.atomic.AtomicInteger(2);
    io.velociraptor.core.spi.Balancer flaky = (io.velociraptor.core.spi.Balancer) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {io.velociraptor.core.spi.Balancer.class}, (proxy, method, args) -> {
          if (method.getName().equals("add") && failuresLeft.getAndDecrement() > 0) {
            throw new io.velociraptor.core.VrException("nginx -s reload failed");
          }
          try {
            return method.invoke(world.balancer, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    List<java.time.Duration> pauses = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Dispatcher d = Dispatcher.builder().store(world.store).fleet(world.fleet).observer(world.hosts)
        .procs(world.hosts).runtime(world.runtime).runners(h -> world.runners.get(h.name())).balancer(flaky)
        .routeAttempts(4).routeBackoff(java.time.Duration.ofMillis(300)).pause(pauses::add).build()) {
      DispatchResult result = d.dispatch(DispatchWorld.swarm().build());
      assertThat(result.succeeded()).as(result.run().failureReason().orElse("")).isTrue();
    }
    assertThat(pauses).containsExactly(java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(600));
  }

  @Test
  void routeBackoffDoublesUpToItsCap() {
    try (Dispatcher d = Dispatcher.builder().store(world.store).fleet(world.fleet).observer(world.hosts)
        .procs(world.hosts).runtime(world.runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer)
        .routeBackoff(java.time.Duration.ofSeconds(1)).build()) {
      assertThat(List.of(1, 2, 3, 4, 10).stream().map(d::routeBackoff).toList()).containsExactly(
          java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(4),
          Dispatcher.MAX_ROUTE_BACKOFF, Dispatcher.MAX_ROUTE_BACKOFF);
    }
  }
}
