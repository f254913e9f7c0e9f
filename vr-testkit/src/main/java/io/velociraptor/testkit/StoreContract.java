package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.PortTakenException;
import io.velociraptor.core.spi.Reclaimed;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.spi.StoreException;
import io.velociraptor.core.store.RunOwners;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Store} must do, run against the in-memory and the file store; a store kept in
 * your own database can extend it too. The subclass opens a fresh, empty store on the given clock
 * and TTL.
 *
 * <p>Test dependencies: JUnit Jupiter (this is a JUnit test class: extend it) and AssertJ; the
 * test-jar does not bring them (see docs/embedding.md).
 */
public abstract class StoreContract {
  /** The TTL the contract's stores are opened with. */
  protected static final Duration TTL = Duration.ofMinutes(10);
  private static final HostName HOST_A = HostName.of("host-a");
  private static final HostName HOST_B = HostName.of("host-b");
  private static final SwarmId SWARM = SwarmId.of("abcdefgh");
  private static final SwarmId OTHER_SWARM = SwarmId.of("zyxwvuts");

  /** The clock the store is opened with; tests move it to expire leases and runs. */
  protected final TestClock clock = TestClock.at(Instant.parse("2026-01-02T03:04:05Z"));
  private Store store;

  /**
   * A new, empty store of the kind under test, stamping with {@code clock}.
   *
   * @param clock the clock the store must stamp with
   * @param staleAfter the TTL of the staleness rule
   * @return a new, empty store
   */
  protected abstract Store open(TestClock clock, Duration staleAfter);

  @BeforeEach
  void openStore() {
    store = open(clock, TTL);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** The store under test. */
  protected Store store() {
    return store;
  }

  private static SwarmRun.Owner me() {
    return RunOwners.current();
  }

  private static Build build(String app, String version) {
    return Build.builder().app(AppName.of(app)).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/builds/" + app + ".tar.gz").sha256("a".repeat(64)).sizeBytes(10)
        .putProcfileTypes("web", "run-web").build();
  }

  private static Swarm swarm(SwarmId id, String app) {
    return Swarm.builder().id(id).app(AppName.of(app)).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("squad")).size(3).version(Version.of("1.0")).build();
  }

  private static Set<Port> ports(int... values) {
    Set<Port> out = new java.util.TreeSet<>();
    for (int v : values) {
      out.add(Port.of(v));
    }
    return out;
  }

  private SwarmRun begin(SwarmId swarm) {
    BeginRun begun = store.tryBeginRun(swarm, "trace-" + swarm, me());
    assertThat(begun).isInstanceOf(BeginRun.Started.class);
    return ((BeginRun.Started) begun).run();
  }

  @Test
  void storesAndReadsBackAppsSwarmsBuildsAndReleasesSortedByKey() {
    App b = App.builder().name(AppName.of("b_app")).repoUrl("https://example.com/b.git")
        .buildEnv(Env.of(Map.of("X", "1"))).build();
    App a = App.builder().name(AppName.of("a_app")).build();
    store.putApp(b);
    store.putApp(a);
    assertThat(store.apps()).containsExactly(a, b);
    assertThat(store.app(AppName.of("b_app"))).contains(b);
    assertThat(store.app(AppName.of("nope"))).isEmpty();

    Swarm s2 = swarm(OTHER_SWARM, "a_app");
    Swarm s1 = swarm(SWARM, "a_app");
    store.putSwarm(s2);
    store.putSwarm(s1);
    assertThat(store.swarms()).containsExactly(s1, s2);
    assertThat(store.swarm(SWARM)).contains(s1);

    Build v2 = build("a_app", "2.0");
    Build v1 = build("a_app", "1.0");
    store.putBuild(v2);
    store.putBuild(v1);
    assertThat(store.builds(AppName.of("a_app"))).containsExactly(v1, v2);
    assertThat(store.build(AppName.of("a_app"), Version.of("2.0"))).contains(v2);
    assertThat(store.builds(AppName.of("b_app"))).isEmpty();

    Release r = Release.of(s1, v1);
    store.putRelease(r);
    store.putRelease(r);
    assertThat(store.releases()).containsExactly(r);
    assertThat(store.release(r.hash())).contains(r);

    assertThat(store.deleteApp(AppName.of("a_app"))).isTrue();
    assertThat(store.deleteApp(AppName.of("a_app"))).isFalse();
    assertThat(store.deleteSwarm(SWARM)).isTrue();
    assertThat(store.deleteBuild(AppName.of("a_app"), Version.of("1.0"))).isTrue();
    assertThat(store.deleteRelease(r.hash())).isTrue();
    assertThat(store.apps()).containsExactly(b);
    assertThat(store.swarms()).containsExactly(s2);
    assertThat(store.builds(AppName.of("a_app"))).containsExactly(v2);
    assertThat(store.releases()).isEmpty();
  }

  @Test
  void newSwarmIdsAreValidAndUnused() {
    store.putSwarm(swarm(SWARM, "app"));
    Set<SwarmId> ids = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      SwarmId id = store.newSwarmId();
      assertThat(store.swarm(id)).isEmpty();
      ids.add(id);
    }
    assertThat(ids).hasSize(50).doesNotContain(SWARM);
  }

  @Test
  void putReplacesTheRecordWithTheSameKey() {
    store.putSwarm(swarm(SWARM, "app"));
    Swarm bigger = Swarm.builder().from(swarm(SWARM, "app")).size(9).build();
    store.putSwarm(bigger);
    assertThat(store.swarms()).containsExactly(bigger);
  }

  @Test
  void versionsThatLookLikePathsAreStoredApartAndReadBackVerbatim() {
    List<String> versions = List.of("1.0/beta", "..", ".", "a%2Fb", "a/b", "v 1 ünï ✓", "-rc", "%", ".hidden");
    for (String v : versions) {
      store.putBuild(build("app", v));
    }
    assertThat(store.builds(AppName.of("app"))).extracting(bu -> bu.version().value())
        .containsExactlyElementsOf(versions.stream().sorted().toList());
    for (String v : versions) {
      assertThat(store.build(AppName.of("app"), Version.of(v))).map(bu -> bu.version().value()).contains(v);
    }
  }

  @Test
  void theLongestVersionsAndAppNameValidationAcceptsAreStoredListedReadAndDeleted() {
    String app = "A".repeat(64);
    String euro = "\u20ac".repeat(127);
    List<String> versions = List.of(
        "x".repeat(128),
        "/".repeat(128),
        euro + "\u20ac",
        euro + "a",
        euro + "b",
        "\ud83d\ude00".repeat(64),
        "%".repeat(128),
        "." + "-".repeat(127));
    for (String v : versions) {
      assertThat(v).hasSize(128);
      store.putBuild(build(app, v));
    }
    assertThat(store.builds(AppName.of(app))).extracting(bu -> bu.version().value())
        .containsExactlyElementsOf(versions.stream().sorted().toList());
    for (String v : versions) {
      assertThat(store.build(AppName.of(app), Version.of(v))).map(bu -> bu.version().value()).contains(v);
    }
    store.putBuild(build(app, euro + "a"));
    assertThat(store.builds(AppName.of(app))).hasSize(versions.size());
    assertThat(store.deleteBuild(AppName.of(app), Version.of(euro + "a"))).isTrue();
    assertThat(store.deleteBuild(AppName.of(app), Version.of(euro + "a"))).isFalse();
    assertThat(store.build(AppName.of(app), Version.of(euro + "a"))).isEmpty();
    assertThat(store.build(AppName.of(app), Version.of(euro + "b"))).isPresent();
    assertThat(store.builds(AppName.of(app))).hasSize(versions.size() - 1);
  }

  @Test
  void reserveLocksAllPortsOrNoneAndNamesTheHolder() {
    assertThat(store.reserve(HOST_A, ports(5000, 5001), "run-1")).extracting(PortLock::port)
        .containsExactly(Port.of(5000), Port.of(5001));
    assertThatThrownBy(() -> store.reserve(HOST_A, ports(5001, 5002), "run-2"))
        .isInstanceOfSatisfying(PortTakenException.class, e -> {
          assertThat(e.host()).isEqualTo(HOST_A);
          assertThat(e.conflicts()).extracting(PortLock::port).containsExactly(Port.of(5001));
          assertThat(e.conflicts()).extracting(PortLock::owner).containsExactly("run-1");
        })
        .hasMessageContaining("5001 by run-1").hasMessageContaining("host-a");
    assertThat(store.portLocks()).extracting(l -> l.host() + ":" + l.port() + "=" + l.owner())
        .containsExactly("host-a:5000=run-1", "host-a:5001=run-1");
    // the same port on another host is another lock
    assertThat(store.reserve(HOST_B, ports(5001), "run-2")).hasSize(1);
  }

  @Test
  void reservingPortsAlreadyHeldBySameOwnerIsHarmless() {
    store.reserve(HOST_A, ports(5000), "run-1");
    assertThat(store.reserve(HOST_A, ports(5000, 5001), "run-1")).extracting(PortLock::port)
        .containsExactly(Port.of(5000), Port.of(5001));
    assertThat(store.portLocks()).hasSize(2);
    assertThat(store.portLocks().first().createdAt()).contains(clock.instant());
  }

  @Test
  void releasesByOwnerOrByHostAndPort() {
    store.reserve(HOST_A, ports(1, 2, 3), "run-1");
    store.reserve(HOST_B, ports(1), "run-1");
    store.reserve(HOST_B, ports(2), "run-2");
    assertThat(store.release(HOST_A, Port.of(2))).isTrue();
    assertThat(store.release(HOST_A, Port.of(2))).isFalse();
    assertThat(store.release("run-1")).isEqualTo(3);
    assertThat(store.release("run-1")).isZero();
    assertThat(store.portLocks()).extracting(PortLock::owner).containsExactly("run-2");
  }

  @Test
  void anOwnerWithControlCharactersIsRefusedBeforeAnythingIsLocked() {
    assertThatThrownBy(() -> store.reserve(HOST_A, ports(1), "bad\nowner"))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("port lock owner");
    assertThat(store.portLocks()).isEmpty();
  }

  @Test
  void concurrentReservationsNeverGrantOnePortToTwoOwners() throws Exception {
    long seed = new SplittableRandom().nextLong();
    Map<Port, String> granted = new ConcurrentHashMap<>();
    List<String> doubles = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(6);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        String owner = "owner-" + t;
        SplittableRandom random = new SplittableRandom(seed + t);
        futures.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 25; i++) {
            Set<Port> want = ports(7000 + random.nextInt(40), 7000 + random.nextInt(40));
            try {
              for (PortLock lock : store.reserve(HOST_A, want, owner)) {
                String before = granted.putIfAbsent(lock.port(), owner);
                if (before != null && !before.equals(owner)) {
                  doubles.add(lock.port() + " to " + before + " and " + owner);
                }
              }
            } catch (PortTakenException expected) {
              // another owner got there first
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(doubles).as("seed %d", seed).isEmpty();
    Map<Port, String> locked = new HashMap<>();
    store.portLocks().forEach(l -> locked.put(l.port(), l.owner()));
    assertThat(locked).as("seed %d", seed).isEqualTo(granted);
  }

  @Test
  void oneLiveRunPerSwarmAndASecondIsToldWhoHoldsIt() {
    SwarmRun first = begin(SWARM);
    assertThat(first.state()).isEqualTo(RunState.PENDING);
    assertThat(first.traceId()).isEqualTo("trace-" + SWARM);
    assertThat(first.createdAt()).isEqualTo(clock.instant());
    BeginRun second = store.tryBeginRun(SWARM, "trace-2", me());
    assertThat(second).isEqualTo(new BeginRun.Busy(first));
    assertThat(store.activeRun(SWARM)).contains(first);
    // another swarm is not held up
    assertThat(store.tryBeginRun(OTHER_SWARM, "trace-3", me())).isInstanceOf(BeginRun.Started.class);
  }

  @Test
  void concurrentBeginsOfOneSwarmStartExactlyOneRun() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<BeginRun>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return store.tryBeginRun(SWARM, "trace", me());
        }));
      }
      go.countDown();
      List<BeginRun> results = new ArrayList<>();
      for (Future<BeginRun> f : futures) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(results).filteredOn(r -> r instanceof BeginRun.Started).hasSize(1);
      assertThat(results).filteredOn(r -> r instanceof BeginRun.Busy).hasSize(7);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRunRecordsItsPlanStepsAndStatesAndEndsInTheHistory() {
    SwarmRun run = begin(SWARM);
    clock.advance(Duration.ofSeconds(1));
    store.transition(run.id(), RunState.DEPLOYING, "build exists");
    store.recordPlan(run.id(), "{\"starts\":[]}");
    RunStep step = RunStep.builder().name("start").host(HOST_A).target("app-1.0-prod-abc-web-5000-abcdefgh")
        .outcome(RunStep.Outcome.OK).startedAt(clock.instant()).duration(Duration.ofMillis(120)).build();
    store.recordStep(run.id(), step);
    clock.advance(Duration.ofSeconds(1));
    SwarmRun done = store.transition(run.id(), RunState.DONE, "swarm is as asked");

    assertThat(done.state()).isEqualTo(RunState.DONE);
    assertThat(done.finishedAt()).contains(clock.instant());
    assertThat(done.plan()).contains("{\"starts\":[]}");
    assertThat(done.steps()).containsExactly(step);
    assertThat(done.history()).extracting(SwarmRun.Transition::state)
        .containsExactly(RunState.PENDING, RunState.DEPLOYING, RunState.DONE);
    assertThat(store.status(run.id())).contains(done);
    assertThat(store.activeRun(SWARM)).isEmpty();
    assertThat(store.history(SWARM)).containsExactly(done);

    SwarmRun next = begin(SWARM);
    assertThat(next.id()).isNotEqualTo(run.id());
    assertThat(store.history(SWARM)).extracting(SwarmRun::id).containsExactly(run.id(), next.id());
  }

  @Test
  void aRunRecordsTheSwarmAndReleaseItDispatchesAndKeepsThemInTheHistory() {
    SwarmRun run = begin(SWARM);
    Swarm swarm = swarm(SWARM, "shop");
    ReleaseHash release = ReleaseHash.of("abcdef012345");
    SwarmRun recorded = store.recordTarget(run.id(), swarm, Optional.of(release));
    assertThat(recorded.swarm()).contains(swarm);
    assertThat(recorded.release()).contains(release);
    SwarmRun done = store.transition(run.id(), RunState.DONE, "done");
    assertThat(store.status(run.id())).contains(done);
    assertThat(store.history(SWARM).get(0).swarm()).contains(swarm);
    assertThat(store.history(SWARM).get(0).release()).contains(release);

    SwarmRun other = begin(OTHER_SWARM);
    assertThatThrownBy(() -> store.recordTarget(other.id(), swarm, Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining(SWARM.value()).hasMessageContaining(other.id());
  }

  @Test
  void aPausedRunHoldsTheSwarmIsNeverStaleAndIsResumedByExactlyOneProcess() throws Exception {
    Process child = new ProcessBuilder("true").start();
    SwarmRun.Owner gone = RunOwners.of(child.toHandle());
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    SwarmRun run = ((BeginRun.Started) store.tryBeginRun(SWARM, "t", gone)).run();
    store.transition(run.id(), RunState.ROUTING, "canaries routed");
    store.transition(run.id(), RunState.CANARY, "paused");
    clock.advance(TTL.multipliedBy(3));

    // its owner exited and the TTL passed: a paused run waits for an operator all the same
    assertThat(store.reclaimStale().isEmpty()).isTrue();
    BeginRun busy = store.tryBeginRun(SWARM, "t2", me());
    assertThat(busy).isInstanceOf(BeginRun.Busy.class);
    assertThat(((BeginRun.Busy) busy).holder().state()).isEqualTo(RunState.CANARY);

    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<SwarmRun>> futures = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return store.resume(run.id(), me(), RunState.DEPLOYING, "promoted");
        }));
      }
      go.countDown();
      int resumed = 0;
      for (Future<SwarmRun> f : futures) {
        try {
          SwarmRun r = f.get(60, TimeUnit.SECONDS);
          assertThat(r.state()).isEqualTo(RunState.DEPLOYING);
          assertThat(r.owner()).isEqualTo(me());
          resumed++;
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(InvalidValueException.class).hasMessageContaining(run.id())
              .hasMessageContaining("not paused");
        }
      }
      assertThat(resumed).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.activeRun(SWARM)).map(SwarmRun::state).contains(RunState.DEPLOYING);
    assertThat(store.status(run.id()).orElseThrow().history()).extracting(SwarmRun.Transition::message)
        .contains("paused", "promoted");
  }

  @Test
  void aFailedRunKeepsItsReason() {
    SwarmRun run = begin(SWARM);
    SwarmRun failed = store.transition(run.id(), RunState.FAILED, "uptest failed on host-a: HTTP 500");
    assertThat(failed.failureReason()).contains("uptest failed on host-a: HTTP 500");
    assertThat(store.status(run.id())).contains(failed);
  }

  @Test
  void runsOnlyMoveForwardAndAFinishedRunNeverChanges() {
    SwarmRun run = begin(SWARM);
    store.transition(run.id(), RunState.ROUTING, "routing");
    assertThatThrownBy(() -> store.transition(run.id(), RunState.DEPLOYING, "back"))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining(run.id()).hasMessageContaining("routing");
    store.transition(run.id(), RunState.DONE, "done");
    assertThatThrownBy(() -> store.transition(run.id(), RunState.FAILED, "late"))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("finished");
    assertThatThrownBy(() -> store.recordStep(run.id(), RunStep.of("stop", RunStep.Outcome.OK, clock.instant())))
        .isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> store.heartbeat(run.id())).isInstanceOf(InvalidValueException.class);
    assertThat(store.status(run.id())).map(SwarmRun::state).contains(RunState.DONE);
  }

  @Test
  void anUnknownRunIdIsAnErrorNamingTheId() {
    assertThatThrownBy(() -> store.transition("abcdefgh-000099", RunState.DONE, "x"))
        .isInstanceOf(StoreException.class).hasMessageContaining("abcdefgh-000099");
    assertThat(store.status("abcdefgh-000099")).isEmpty();
    assertThat(store.history(SWARM)).isEmpty();
  }

  @Test
  void aRunSilentPastTheTtlIsFailedAndItsPortLocksReleased() {
    SwarmRun stuck = begin(SWARM);
    store.reserve(HOST_A, ports(6000, 6001), stuck.id());
    clock.advance(TTL.minusSeconds(1));
    assertThat(store.tryBeginRun(SWARM, "t", me())).isInstanceOf(BeginRun.Busy.class);
    assertThat(store.reclaimStale().isEmpty()).isTrue();
    clock.advance(Duration.ofSeconds(2));

    Reclaimed reclaimed = store.reclaimStale();
    assertThat(reclaimed.failedRuns()).extracting(SwarmRun::id).containsExactly(stuck.id());
    assertThat(reclaimed.failedRuns().get(0).failureReason().orElseThrow()).contains("abandoned").contains("TTL");
    assertThat(reclaimed.releasedLocks()).extracting(PortLock::port).containsExactly(Port.of(6000), Port.of(6001));
    assertThat(store.portLocks()).isEmpty();
    assertThat(store.status(stuck.id())).map(SwarmRun::state).contains(RunState.FAILED);
    assertThat(store.tryBeginRun(SWARM, "t", me())).isInstanceOf(BeginRun.Started.class);
  }

  @Test
  void aHeartbeatKeepsALongRunAlive() {
    SwarmRun run = begin(SWARM);
    clock.advance(TTL.minusSeconds(5));
    store.heartbeat(run.id());
    clock.advance(TTL.minusSeconds(5));
    assertThat(store.reclaimStale().isEmpty()).isTrue();
    assertThat(store.activeRun(SWARM)).map(SwarmRun::id).contains(run.id());
  }

  @Test
  void aRunWhoseOwnerProcessIsGoneIsReclaimedWithoutWaitingForTheTtl() throws Exception {
    Process child = new ProcessBuilder("true").start();
    SwarmRun.Owner owner = RunOwners.of(child.toHandle());
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    BeginRun begun = store.tryBeginRun(SWARM, "t", owner);
    SwarmRun orphan = ((BeginRun.Started) begun).run();
    store.reserve(HOST_A, ports(6100), orphan.id());

    BeginRun next = store.tryBeginRun(SWARM, "t2", me());
    assertThat(next).isInstanceOf(BeginRun.Started.class);
    SwarmRun failed = store.status(orphan.id()).orElseThrow();
    assertThat(failed.state()).isEqualTo(RunState.FAILED);
    assertThat(failed.failureReason().orElseThrow()).contains("abandoned").contains("exited")
        .contains(Long.toString(owner.pid()));
    assertThat(store.portLocks()).isEmpty();
  }

  @Test
  void locksLeftByAFinishedRunAreReclaimedByTheNextReservation() {
    SwarmRun run = begin(SWARM);
    store.reserve(HOST_A, ports(6200), run.id());
    store.transition(run.id(), RunState.FAILED, "start failed");
    assertThat(store.reserve(HOST_A, ports(6200), "other-run")).extracting(PortLock::owner).containsExactly("other-run");
  }

  @Test
  void aLockOfNoRunExpiresAfterTheTtlButNotBefore() {
    store.reserve(HOST_A, ports(6300), "manual");
    clock.advance(TTL);
    assertThatThrownBy(() -> store.reserve(HOST_A, ports(6300), "other")).isInstanceOf(PortTakenException.class);
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.reserve(HOST_A, ports(6300), "other")).extracting(PortLock::owner).containsExactly("other");
  }

  @Test
  void aLiveRunsLocksAreNeverReclaimedWhileItIsAlive() {
    SwarmRun run = begin(SWARM);
    store.reserve(HOST_A, ports(6400), run.id());
    clock.advance(TTL.minusSeconds(1));
    store.heartbeat(run.id());
    clock.advance(TTL.minusSeconds(1));
    assertThatThrownBy(() -> store.reserve(HOST_A, ports(6400), "other")).isInstanceOf(PortTakenException.class);
    assertThat(store.portLocks()).extracting(PortLock::owner).containsExactly(run.id());
  }

  @Test
  void runIdsAreUniqueAndHistoryIsOldestFirst() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      SwarmRun run = begin(SWARM);
      ids.add(run.id());
      store.transition(run.id(), i % 2 == 0 ? RunState.DONE : RunState.FAILED, "end " + i);
    }
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(store.history(SWARM)).extracting(SwarmRun::id).containsExactlyElementsOf(ids);
    assertThat(store.history(OTHER_SWARM)).isEmpty();
    assertThat(Optional.of(ids.get(0))).map(id -> store.status(id).orElseThrow().history().get(1).message())
        .contains("end 0");
  }
}
