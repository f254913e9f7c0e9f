package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertConverged;
import static io.velociraptor.examples.e2e.Converged.assertDeletedCleanly;
import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchException;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.JsonLinesEventSink;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.ImmutableSwarm;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.lxc.RuntimeKind;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dispatches of the example app onto three real hosts (two local supervisords, one over SSH),
 * plain-process runtime, routed through a real nginx. Each scenario has its own swarm and
 * deletes it at the end; the world (and the builds in its store) is shared by the class.
 */
class DispatchScenariosIT {
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

  @Test
  void fourProcsAreReachedThroughNginxThenScaledToSixAndToTwo() throws Exception {
    StringWriter lines = new StringWriter();
    try (Dispatcher d = world.dispatcherBuilder().listener(JsonLinesEventSink.to(lines)).build()) {
      Swarm four = world.swarm("four", 4).build();
      assertSucceeded(d.dispatch(four), world);
      assertConverged(world, d, four, "first dispatch of 4");
      Set<String> hostsUsed = world.programs(four.id(), s -> s == ProcState.RUNNING).stream()
          .map(p -> p.substring(0, p.indexOf('/'))).collect(Collectors.toCollection(TreeSet::new));
      assertThat(hostsUsed).as("4 procs spread over the squad").containsExactly("h1", "h2", "h3");
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");
      assertThat(world.host("h3").procDirs()).as("the SSH host got procs too").isNotEmpty();

      TreeSet<String> firstFour = world.programs(four.id(), s -> true);
      Swarm six = world.swarm("four", 6).build();
      assertSucceeded(d.dispatch(six), world);
      assertConverged(world, d, six, "scaled to 6");
      assertThat(world.programs(six.id(), s -> true)).as("scaling up keeps the running procs").containsAll(firstFour);

      TreeSet<String> allSix = world.programs(six.id(), s -> true);
      Swarm two = world.swarm("four", 2).build();
      assertSucceeded(d.dispatch(two), world);
      assertConverged(world, d, two, "scaled to 2");
      assertThat(allSix).as("scaling down stops procs, it starts none").containsAll(world.programs(two.id(), s -> true));
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");

      assertDeletedCleanly(world, d, two);
    }
    // every event went out as one JSON line with its type
    String[] json = lines.toString().split("\n");
    assertThat(json.length).isGreaterThan(20);
    Set<String> types = new TreeSet<>();
    for (String line : json) {
      DispatchEvent e = VrJson.json().readValue(line, DispatchEvent.class);
      types.add(VrJson.json().readTree(line).get("type").asText());
      assertThat(e.runId()).isNotBlank();
    }
    // (the build events went to whichever scenario dispatched v1 first)
    assertThat(world.events).anyMatch(e -> e instanceof DispatchEvent.BuildFinished);
    assertThat(types).contains("run_started", "planned", "proc_starting", "proc_started",
        "uptest_passed", "routed", "unrouted", "proc_stopped", "run_done");
  }

  @Test
  void aNewVersionReplacesEveryProcWhileAClientThroughNginxSeesNoFailedRequest() throws Exception {
    try (Dispatcher d = world.dispatcher()) {
      Swarm v1 = world.swarm("swap", 3).build();
      assertSucceeded(d.dispatch(v1), world);
      Set<String> old = world.programs(v1.id(), s -> true);
      Swarm v2 = world.swarm("swap", 3).version(Version.of("v2")).build();
      Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 200_000, Duration.ofMinutes(4));
      DispatchResult result;
      try {
        result = d.dispatch(v2);
        int atEnd = hammer.ok();
        await("a few more requests after the swap", () -> hammer.ok() > atEnd + 20 || !hammer.isRunning());
      } finally {
        hammer.close();
      }
      assertSucceeded(result, world);
      assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
      assertThat(hammer.bodies().keySet()).as("the client saw the swap")
          .containsExactlyInAnyOrder("prebuilt and ready: v1\n", "prebuilt and ready: v2\n");
      assertConverged(world, d, v2, "after the swap");
      assertThat(world.programs(v2.id(), s -> true)).doesNotContainAnyElementsOf(old);
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v2\n");
      assertDeletedCleanly(world, d, v2);
    }
  }

  @Test
  void changingTheAppProcNameConfigNameAndSquadEachRetiresTheProcsOfThePreviousIdentity() {
    try (Dispatcher d = world.dispatcherBuilder().fleet(world.splitFleet).build()) {
      Swarm swarm = world.swarm("iden", 2).build();
      assertSucceeded(d.dispatch(swarm), world);
      assertConverged(world, world.splitFleet, d, swarm, "first identity");
      List<Swarm> changes = List.of(
          ImmutableSwarm.copyOf(swarm).withApp(AppName.of("shop2")),
          ImmutableSwarm.copyOf(swarm).withApp(AppName.of("shop2")).withProcType(ProcTypeName.of("www")),
          ImmutableSwarm.copyOf(swarm).withApp(AppName.of("shop2")).withProcType(ProcTypeName.of("www"))
              .withConfig(ConfigName.of("staging")),
          ImmutableSwarm.copyOf(swarm).withApp(AppName.of("shop2")).withProcType(ProcTypeName.of("www"))
              .withConfig(ConfigName.of("staging")).withSquad(SquadName.of("spare")));
      Swarm current = swarm;
      for (Swarm next : changes) {
        Set<String> before = world.programs(swarm.id(), s -> true);
        assertSucceeded(d.dispatch(next), world);
        String context = current.name() + " in " + current.squad() + " -> " + next.name() + " in " + next.squad();
        assertConverged(world, world.splitFleet, d, next, context);
        assertThat(world.programs(swarm.id(), s -> true)).as(context).doesNotContainAnyElementsOf(before);
        assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");
        current = next;
      }
      assertThat(world.programs(swarm.id(), s -> true)).allMatch(p -> p.startsWith("h3/shop2-v1-staging-"));
      assertDeletedCleanly(world, d, current);
    }
  }

  @Test
  void aFailingUptestLeavesTheOldVersionServingAndTearsDownTheNewProcs() {
    try (Dispatcher d = world.dispatcher()) {
      Swarm v1 = world.swarm("fail", 2).build();
      assertSucceeded(d.dispatch(v1), world);
      Set<String> old = world.programs(v1.id(), s -> true);
      var members = world.poolMembers();

      DispatchResult r = d.dispatch(world.swarm("fail", 2).version(Version.of("broken")).build());

      assertThat(r.succeeded()).isFalse();
      assertThat(r.run().state()).isEqualTo(RunState.FAILED);
      assertThat(r.run().failureReason().orElseThrow()).contains("uptests failed").contains("http_ok");
      assertThat(world.events).filteredOn(e -> e.runId().equals(r.run().id()) && e instanceof DispatchEvent.UptestFailed)
          .hasSize(2).allSatisfy(e -> assertThat(((DispatchEvent.UptestFailed) e).results())
              .anySatisfy(u -> assertThat(u.output()).contains("unexpected answer")));
      assertThat(world.programs(v1.id(), s -> true)).as("only the old procs are left").isEqualTo(old);
      assertThat(world.programs(v1.id(), s -> s == ProcState.RUNNING)).isEqualTo(old);
      assertThat(world.poolMembers()).as("the pool was not touched").isEqualTo(members);
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");
      assertThat(world.procDirs()).isEqualTo(world.allOurPrograms());
      assertThat(world.store.portLocks()).isEmpty();
      assertThat(world.foreignPids()).isEqualTo(world.foreignPidsAtStart());
      assertConverged(world, d, v1, "v1 is still the swarm as it runs");
      assertDeletedCleanly(world, d, v1);
    }
  }

  @Test
  void aHungUptestTimesOutAndFailsTheRunWhileTheOldVersionKeepsServing() {
    try (Dispatcher d = world.dispatcherBuilder().uptestTimeout(Duration.ofSeconds(3)).build()) {
      Swarm v1 = world.swarm("hang", 1).build();
      assertSucceeded(d.dispatch(v1), world);
      Set<String> old = world.programs(v1.id(), s -> true);

      long started = System.nanoTime();
      DispatchResult r = d.dispatch(world.swarm("hang", 1).version(Version.of("hangs")).build());
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(r.succeeded()).isFalse();
      assertThat(r.run().failureReason().orElseThrow()).contains("zz_hangs");
      assertThat(took).as("the 300 s uptest was cut at its 3 s limit").isLessThan(Duration.ofSeconds(90));
      DispatchEvent.UptestFailed failed = (DispatchEvent.UptestFailed) world.events.stream()
          .filter(e -> e.runId().equals(r.run().id()) && e instanceof DispatchEvent.UptestFailed).findFirst().orElseThrow();
      assertThat(failed.results()).extracting(u -> u.name() + "=" + u.passed())
          .containsExactly("http_ok=true", "zz_hangs=false");
      assertThat(world.programs(v1.id(), s -> s == ProcState.RUNNING)).isEqualTo(old);
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");
      assertConverged(world, d, v1, "after the hung uptest");
      assertDeletedCleanly(world, d, v1);
    }
  }

  @Test
  void aSecondDispatchOfASwarmWhoseRunIsLiveIsRefusedAsBusy() throws Exception {
    CountDownLatch firstIsLive = new CountDownLatch(1);
    CountDownLatch secondTried = new CountDownLatch(1);
    DispatchListener holdFirst = e -> {
      if (e instanceof DispatchEvent.ProcStarting) {
        firstIsLive.countDown();
        try {
          secondTried.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    };
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Dispatcher first = world.dispatcherBuilder().listener(holdFirst).build(); Dispatcher second = world.dispatcher()) {
      Swarm swarm = world.swarm("busy", 1).build();
      Future<DispatchResult> firstRun = pool.submit(() -> first.dispatch(swarm));
      assertThat(firstIsLive.await(3, TimeUnit.MINUTES)).as("the first dispatch started a proc").isTrue();
      String firstRunId = world.store.activeRun(swarm.id()).orElseThrow().id();
      try {
        assertThatThrownBy(() -> second.dispatch(swarm)).isInstanceOf(DispatchException.Busy.class)
            .hasMessageContaining(firstRunId).hasMessageContaining(swarm.name())
            .satisfies(e -> assertThat(((DispatchException.Busy) e).holder()).contains(firstRunId));
      } finally {
        secondTried.countDown();
      }
      assertSucceeded(firstRun.get(3, TimeUnit.MINUTES), world);
      assertConverged(world, second, swarm, "after the first dispatch finished");
      assertDeletedCleanly(world, second, swarm);
    } finally {
      pool.shutdownNow();
    }
  }

  static void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
