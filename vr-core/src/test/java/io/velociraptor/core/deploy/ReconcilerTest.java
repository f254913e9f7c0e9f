package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.UptestResult;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every rule of the {@link Reconciler}, pass by pass on in-memory hosts, with a clock the test moves. */
class ReconcilerTest {
  private final DispatchWorld world = new DispatchWorld();
  private final TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<ReconcileEvent> events = Collections.synchronizedList(new ArrayList<>());
  private final Dispatcher d = Dispatcher.builder().store(world.store).fleet(world.fleet).observer(world.hosts)
      .procs(world.hosts).runtime(world.runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer)
      .listener(world.events::add).routeAttempts(1).build();
  private final Swarm swarm = DispatchWorld.swarm().build();

  @AfterEach
  void close() {
    d.close();
    world.close();
  }

  private Reconciler.Builder reconciler() {
    return Reconciler.builder().dispatcher(d).clock(clock).listener(events::add);
  }

  private void dispatched() {
    DispatchResult first = d.dispatch(swarm);
    assertThat(first.succeeded()).as(first.run().failureReason().orElse("")).isTrue();
  }

  private List<SwarmRun> runs() {
    return world.store.history(swarm.id());
  }

  private static String reason(SwarmRun run) {
    return run.history().stream().map(SwarmRun.Transition::message).filter(m -> m.startsWith("reconcile:"))
        .findFirst().orElse("(no reason in " + run.history() + ")");
  }

  /** @return host/name of one running proc of ours */
  private String[] oneProc(String onHost) {
    return world.running().stream().filter(r -> r.startsWith(onHost + "/")).findFirst().orElseThrow().split("/", 2);
  }

  private void assertWhole() {
    assertThat(world.running()).hasSize(3);
    assertThat(world.ours()).isEqualTo(world.running());
    assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
  }

  @Test
  void aSwarmThatNeedsNothingIsNotDispatched() {
    dispatched();
    Reconciler r = reconciler().build();
    ReconcilePass pass = r.runOnce();
    clock.advance(Duration.ofSeconds(10));
    r.runOnce();
    assertThat(pass.actions()).isEmpty();
    assertThat(pass.skipped()).isEmpty();
    assertThat(runs()).hasSize(1);
    assertThat(r.status().lastPass()).contains(clock.instant());
  }

  @Test
  void aFatalProcIsReplacedByARunWhoseReasonNamesItsStateAndHost() {
    dispatched();
    String[] victim = oneProc("h2");
    world.hosts.put(HostName.of("h2"), victim[1], ProcState.FATAL);
    ReconcilePass pass = reconciler().build().runOnce();
    assertThat(pass.actions()).singleElement().satisfies(a -> {
      assertThat(a.succeeded()).as(a.outcome()).isTrue();
      assertThat(a.reason()).isEqualTo("reconcile: proc " + victim[1] + " FATAL on h2");
    });
    assertThat(runs()).hasSize(2);
    assertThat(reason(runs().get(1))).isEqualTo(pass.actions().get(0).reason());
    assertThat(runs().get(1).state()).isEqualTo(RunState.DONE);
    assertWhole();
    assertThat(world.ours()).doesNotContain(victim[0] + "/" + victim[1]);
  }

  @Test
  void aSwarmADispatchChangesAfterThePassReadItIsLeftToTheNextPass() {
    dispatched();
    boolean[] armed = {true};
    // the pass reads the stored swarms, then observes the hosts: meanwhile a dispatch scales the swarm to 4
    FleetObserver racing = hosts -> {
      if (armed[0]) {
        armed[0] = false;
        DispatchResult scaled = d.scale(swarm.id(), 4);
        assertThat(scaled.succeeded()).as(scaled.run().failureReason().orElse("")).isTrue();
      }
      return world.hosts.observe(hosts);
    };
    try (Dispatcher late = Dispatcher.builder().store(world.store).fleet(world.fleet).observer(racing)
        .procs(world.hosts).runtime(world.runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer)
        .routeAttempts(1).build()) {
      Reconciler r = Reconciler.builder().dispatcher(late).clock(clock).listener(events::add).build();
      ReconcilePass pass = r.runOnce();
      // planned from the swarm it read (size 3), the fourth proc would have looked excess and been stopped
      assertThat(pass.actions()).isEmpty();
      assertThat(pass.skipped()).singleElement().satisfies(k -> assertThat(k.reason())
          .isEqualTo("changed since this pass read it: the next pass plans from the stored swarm"));
      assertThat(world.running()).hasSize(4);
      assertThat(runs()).hasSize(2);
      clock.advance(Duration.ofSeconds(10));
      ReconcilePass next = r.runOnce();
      assertThat(next.actions()).isEmpty();
      assertThat(next.skipped()).isEmpty();
      assertThat(world.running()).hasSize(4);
    }
  }

  @Test
  void anExitedProcIsReplacedToo() {
    dispatched();
    String[] victim = oneProc("h1");
    world.hosts.put(HostName.of("h1"), victim[1], ProcState.EXITED);
    ReconcilePass pass = reconciler().build().runOnce();
    assertThat(pass.actions()).singleElement().satisfies(a -> assertThat(a.reason()).contains("EXITED"));
    assertWhole();
  }

  @Test
  void aMissingPoolMemberIsAddedBack() {
    dispatched();
    PoolMember gone = world.balancer.members(POOL).first();
    world.balancer.remove(POOL, List.of(gone));
    ReconcilePass pass = reconciler().build().runOnce();
    assertThat(pass.actions()).singleElement().satisfies(a -> assertThat(a.reason())
        .isEqualTo("reconcile: pool member " + gone.address() + ":" + gone.port() + " missing"));
    assertThat(world.balancer.members(POOL)).contains(gone);
    assertWhole();
  }

  @Test
  void aStrayOfAPreviousManifestationIsRetired() {
    dispatched();
    ProcName.Ours current = (ProcName.Ours) ProcName.parse(oneProc("h1")[1]);
    ProcName.Ours stray = new ProcName.Ours(current.app(), current.versionName(), ConfigName.of("old"), current.hash(),
        current.procType(), Port.of(5009), current.swarmId());
    world.hosts.put(HostName.of("h1"), stray.format(), ProcState.RUNNING);
    ReconcilePass pass = reconciler().build().runOnce();
    assertThat(pass.actions()).singleElement().satisfies(a -> assertThat(a.reason())
        .isEqualTo("reconcile: stray " + stray.format() + " on h1 (previous manifestation)"));
    assertWhole();
  }

  @Test
  void aSwarmNeverDispatchedSuccessfullyIsSkippedAndSaysWhyOnce() {
    world.store.putSwarm(swarm);
    Reconciler r = reconciler().build();
    ReconcilePass pass = r.runOnce();
    r.runOnce();
    assertThat(pass.actions()).isEmpty();
    assertThat(pass.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).contains("never been dispatched"));
    assertThat(events).filteredOn(e -> e instanceof ReconcileEvent.Skipped).hasSize(1);
    assertThat(runs()).isEmpty();
  }

  @Test
  void procsOfAHostLostForLessThanTheGraceAreNotReplacedThenAreAndTheExcessGoesWhenItComesBack() {
    dispatched();
    Reconciler r = reconciler().hostGrace(Duration.ofSeconds(60)).build();
    r.runOnce(); // sees h2's proc
    world.hosts.setUnreachable(HostName.of("h2"), true);
    clock.advance(Duration.ofSeconds(10));
    ReconcilePass early = r.runOnce();
    assertThat(early.actions()).isEmpty();
    assertThat(early.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).startsWith("waiting: host h2 lost 0 s"));
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReconcileEvent.HostLost.class, l -> {
      assertThat(l.host()).isEqualTo(HostName.of("h2"));
      assertThat(l.procs()).isEqualTo(1);
    }));
    assertThat(r.status().hostsLost()).singleElement().satisfies(l -> assertThat(l.since()).isEqualTo(clock.instant()));
    clock.advance(Duration.ofSeconds(59));
    assertThat(r.runOnce().actions()).isEmpty();
    assertThat(runs()).hasSize(1);

    clock.advance(Duration.ofSeconds(16));
    ReconcilePass late = r.runOnce();
    assertThat(late.actions()).singleElement().satisfies(a -> {
      assertThat(a.succeeded()).as(a.outcome()).isTrue();
      assertThat(a.reason()).isEqualTo("reconcile: host h2 lost 75 s");
    });
    assertThat(world.running()).filteredOn(p -> !p.startsWith("h2/")).hasSize(3); // h2's own is unseen, not stopped

    world.hosts.setUnreachable(HostName.of("h2"), false);
    clock.advance(Duration.ofSeconds(10));
    ReconcilePass back = r.runOnce();
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReconcileEvent.HostBack.class,
        b -> assertThat(b.lostSeconds()).isEqualTo(85)));
    assertThat(back.actions()).singleElement().satisfies(a -> assertThat(a.reason()).startsWith("reconcile: excess proc "));
    assertWhole();
    assertThat(r.status().hostsLost()).isEmpty();
    assertThat(r.runOnce().actions()).isEmpty();
  }

  @Test
  void aHostAlreadyLostWhenTheReconcilerStartsWaitsOutTheGraceToo() {
    dispatched();
    world.hosts.setUnreachable(HostName.of("h3"), true);
    Reconciler r = reconciler().hostGrace(Duration.ofSeconds(30)).build();
    assertThat(r.runOnce().skipped()).singleElement().satisfies(s -> assertThat(s.reason()).contains("never seen"));
    clock.advance(Duration.ofSeconds(31));
    assertThat(r.runOnce().actions()).singleElement().satisfies(a -> assertThat(a.reason()).contains("host h3 lost 31 s"));
    assertThat(world.running()).filteredOn(p -> !p.startsWith("h3/")).hasSize(3);
  }

  @Test
  void aSwarmWithAnotherNeedIsRepairedAtOnceEvenWhileAHostIsInItsGrace() {
    dispatched();
    Reconciler r = reconciler().build();
    r.runOnce();
    world.hosts.setUnreachable(HostName.of("h2"), true);
    String[] victim = oneProc("h1");
    world.hosts.put(HostName.of("h1"), victim[1], ProcState.FATAL);
    ReconcilePass pass = r.runOnce();
    assertThat(pass.actions()).singleElement().satisfies(a -> assertThat(a.reason()).contains("proc " + victim[1] + " FATAL on h1"));
  }

  @Test
  void aFailedReconcileRunBacksOffExponentiallyAndTheNextSuccessResetsIt() {
    dispatched();
    Reconciler r = reconciler().backoff(Duration.ofSeconds(10), Duration.ofSeconds(30)).build();
    world.balancer.failNextChanges(1000);
    String[] victim = oneProc("h3");
    world.hosts.put(HostName.of("h3"), victim[1], ProcState.FATAL);

    ReconcilePass first = r.runOnce();
    assertThat(first.actions()).singleElement().satisfies(a -> assertThat(a.succeeded()).isFalse());
    Instant t0 = clock.instant();
    assertThat(events).filteredOn(e -> e instanceof ReconcileEvent.Backoff).singleElement()
        .satisfies(e -> assertThat(((ReconcileEvent.Backoff) e).until()).isEqualTo(t0.plusSeconds(10)));
    clock.advance(Duration.ofSeconds(9));
    ReconcilePass waiting = r.runOnce();
    assertThat(waiting.actions()).isEmpty();
    assertThat(waiting.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).startsWith("backing off until"));
    assertThat(r.status().swarms()).singleElement().satisfies(s -> {
      assertThat(s.failures()).isEqualTo(1);
      assertThat(s.backoffUntil()).contains(t0.plusSeconds(10));
      assertThat(s.held()).isEmpty();
      assertThat(s.lastFailure()).isPresent();
    });

    clock.advance(Duration.ofSeconds(1));
    assertThat(r.runOnce().actions()).singleElement().satisfies(a -> assertThat(a.succeeded()).isFalse());
    clock.advance(Duration.ofSeconds(19));
    assertThat(r.runOnce().actions()).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(r.runOnce().actions()).hasSize(1);
    assertThat(r.status().swarms().get(0).backoffUntil()).contains(clock.instant().plusSeconds(30)); // capped, not 40
    assertThat(runs()).hasSize(4);

    world.balancer.failNextChanges(0);
    clock.advance(Duration.ofSeconds(30));
    assertThat(r.runOnce().actions()).singleElement().satisfies(a -> assertThat(a.succeeded()).as(a.outcome()).isTrue());
    assertThat(r.status().swarms().get(0).failures()).isZero();
    assertWhole();
  }

  @Test
  void backoffDoublesFromTheFirstUpToTheCap() {
    Reconciler r = reconciler().backoff(Duration.ofSeconds(10), Duration.ofMinutes(10)).build();
    assertThat(List.of(r.backoff(1), r.backoff(2), r.backoff(3), r.backoff(6), r.backoff(7), r.backoff(40)))
        .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40), Duration.ofSeconds(320),
            Duration.ofMinutes(10), Duration.ofMinutes(10));
  }

  @Test
  void aReleaseThatFailedToStartIsNotRetriedUntilSomeoneDispatchesTheSwarm() {
    dispatched();
    Reconciler r = reconciler().build();
    world.hosts.failStartsOf(name -> true);
    String[] victim = oneProc("h1");
    world.hosts.put(HostName.of("h1"), victim[1], ProcState.FATAL);
    assertThat(r.runOnce().actions()).singleElement().satisfies(a -> assertThat(a.succeeded()).isFalse());
    assertThat(r.status().swarms().get(0).held()).hasValueSatisfying(h -> assertThat(h).contains("not retried"));

    world.hosts.failStartsOf(name -> false);
    clock.advance(Duration.ofHours(1));
    ReconcilePass held = r.runOnce();
    assertThat(held.actions()).isEmpty();
    assertThat(held.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).startsWith("held:"));
    assertThat(runs()).hasSize(2);

    DispatchResult byHand = d.dispatch(swarm.withSize(2));
    assertThat(byHand.succeeded()).as(byHand.run().failureReason().orElse("")).isTrue();
    String[] next = world.running().first().split("/", 2);
    world.hosts.put(HostName.of(next[0]), next[1], ProcState.FATAL);
    assertThat(r.runOnce().actions()).singleElement().satisfies(a -> assertThat(a.succeeded()).as(a.outcome()).isTrue());
    assertThat(world.running()).hasSize(2);
    assertThat(r.status().swarms().get(0).held()).isEmpty();
  }

  @Test
  void aSwarmWithALiveRunIsSkippedAsBusy() {
    dispatched();
    String[] victim = oneProc("h1");
    world.hosts.put(HostName.of("h1"), victim[1], ProcState.FATAL);
    BeginRun begun = world.store.tryBeginRun(swarm.id(), "trace", RunOwners.current());
    String live = ((BeginRun.Started) begun).run().id();
    ReconcilePass pass = reconciler().build().runOnce();
    assertThat(pass.actions()).isEmpty();
    assertThat(pass.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).startsWith("busy: run " + live));
    assertThat(runs()).hasSize(2);
  }

  @Test
  void aProcWhosePeriodicUptestFailsThreeTimesInARowIsReplacedBeforeItIsRetired() {
    dispatched();
    String[] victim = oneProc("h2");
    int victimPort = ProcName.parse(victim[1]).port().orElseThrow().value();
    world.runtime.uptestsPass(p -> !(p.host().orElse("").equals("h2") && p.port().orElse(0) == victimPort));
    DispatchWorld.Bounds bounds = new DispatchWorld.Bounds();
    d.addListener(e -> bounds.sample(world));
    Reconciler r = reconciler().uptestInterval(Duration.ofSeconds(60)).uptestFailures(3).build();

    assertThat(r.runOnce().actions()).isEmpty();
    clock.advance(Duration.ofSeconds(30));
    r.runOnce(); // not due: no uptest
    assertThat(r.uptests(swarm.id())).filteredOn(u -> u.proc().equals(victim[1]) && u.host().value().equals(victim[0])).singleElement()
        .satisfies(u -> assertThat(u.consecutiveFailures()).isEqualTo(1));
    clock.advance(Duration.ofSeconds(30));
    assertThat(r.runOnce().actions()).isEmpty();
    clock.advance(Duration.ofSeconds(60));
    ReconcilePass third = r.runOnce();

    assertThat(third.actions()).singleElement().satisfies(a -> {
      assertThat(a.succeeded()).as(a.outcome()).isTrue();
      assertThat(a.reason()).isEqualTo("reconcile: uptest of " + victim[1] + " on h2 failed 3 times");
    });
    assertThat(reason(runs().get(1))).isEqualTo(third.actions().get(0).reason());
    assertWhole();
    assertThat(world.ours()).doesNotContain(victim[0] + "/" + victim[1]);
    assertThat(bounds.minInService).isGreaterThanOrEqualTo(3);
    assertThat(bounds.maxProcs).isEqualTo(4);
    List<ProcUptests> kept = r.uptests(swarm.id());
    assertThat(kept).hasSize(2).allSatisfy(u -> {
      assertThat(u.recent()).hasSize(3).allMatch(ProcUptests.Check::passed);
      assertThat(u.consecutiveFailures()).isZero();
    });
    assertThat(events).filteredOn(e -> e instanceof ReconcileEvent.UptestFailed).hasSize(3)
        .last().satisfies(e -> assertThat(((ReconcileEvent.UptestFailed) e).consecutiveFailures()).isEqualTo(3));
  }

  /** @return how many periodic uptests each proc of the swarm has had so far, the fewest and the most */
  private static List<Integer> uptestCounts(Reconciler r, Swarm s) {
    List<Integer> n = r.uptests(s.id()).stream().map(u -> u.recent().size()).sorted().toList();
    return n.isEmpty() ? List.of(0, 0) : List.of(n.get(0), n.get(n.size() - 1));
  }

  @Test
  void aSwarmsOwnUptestIntervalOverridesTheReconcilersAndTheReconcilersIsTheDefault() {
    Swarm often = swarm.toBuilder().uptestIntervalSeconds(20).build();
    DispatchResult first = d.dispatch(often);
    assertThat(first.succeeded()).as(first.run().failureReason().orElse("")).isTrue();
    Reconciler r = reconciler().uptestInterval(Duration.ofSeconds(60)).build();

    r.runOnce();
    assertThat(uptestCounts(r, often)).containsExactly(1, 1);
    clock.advance(Duration.ofSeconds(10));
    r.runOnce(); // 10 s < 20 s: not due
    assertThat(uptestCounts(r, often)).containsExactly(1, 1);
    clock.advance(Duration.ofSeconds(10));
    r.runOnce(); // 20 s: due by the swarm's interval, long before the reconciler's 60 s
    assertThat(uptestCounts(r, often)).containsExactly(2, 2);
    assertThat(r.status().swarms()).singleElement().satisfies(st -> assertThat(st.lastUptest()).contains(clock.instant()));
    clock.advance(Duration.ofSeconds(20));
    r.runOnce();
    assertThat(uptestCounts(r, often)).containsExactly(3, 3);

    // the same swarm stored without its own interval falls back to the reconciler's 60 s
    world.store.putSwarm(often.toBuilder().uptestIntervalSeconds(Optional.empty()).build());
    clock.advance(Duration.ofSeconds(20));
    r.runOnce();
    assertThat(uptestCounts(r, often)).containsExactly(3, 3);
    clock.advance(Duration.ofSeconds(40));
    r.runOnce();
    assertThat(uptestCounts(r, often)).containsExactly(4, 4);
    assertThat(runs()).hasSize(1);
  }

  @Test
  void aSwarmsUptestIntervalMustBeBetweenASecondAndADay() {
    assertThatThrownBy(() -> swarm.toBuilder().uptestIntervalSeconds(0).build())
        .isInstanceOfSatisfying(InvalidValueException.class, e -> {
          assertThat(e.field()).isEqualTo("uptest_interval_seconds");
          assertThat(e.getMessage()).contains("0").contains("between 1 and 86400");
        });
    assertThatThrownBy(() -> swarm.toBuilder().uptestIntervalSeconds(86_401).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("86401");
    assertThat(swarm.toBuilder().uptestIntervalSeconds(86_400).build().uptestIntervalSeconds()).contains(86_400);
  }

  @Test
  void eachPassSaysWhyItRanAndANudgedPassNamesTheNudgesFoldedIntoIt() throws Exception {
    dispatched();
    Reconciler r = reconciler().interval(Duration.ofHours(1)).build();
    assertThat(r.runOnce().reason()).isEqualTo(Reconciler.BY_HAND);
    assertThat(r.status().lastPassReason()).contains("run by hand");
    // the scheduled first pass repairs a FATAL proc; its action's listener holds the pass until released
    world.hosts.put(HostName.of("h2"), oneProc("h2")[1], ProcState.FATAL);
    CountDownLatch inPass = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    r.addListener(e -> {
      if (e instanceof ReconcileEvent.Action) {
        inPass.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    });
    try (r) {
      r.start();
      assertThat(inPass.await(60, TimeUnit.SECONDS)).as("the scheduled pass reached its repair").isTrue();
      r.nudge("supervisor: PROCESS_STATE_STOPPING web-1");
      r.nudge("supervisor: PROCESS_STATE_STOPPED web-1");
      r.nudge("supervisor: PROCESS_STATE_STOPPED web-1");
      release.countDown();
      awaitStatus(r, "the nudged pass", st -> st.lastPassReason().orElse("").startsWith("nudged: "));
      assertThat(r.status().lastPassReason())
          .contains("nudged: supervisor: PROCESS_STATE_STOPPING web-1; supervisor: PROCESS_STATE_STOPPED web-1");
      assertThat(runs()).hasSize(2);
    } finally {
      release.countDown();
    }
  }

  private static void awaitStatus(Reconciler r, String what, java.util.function.Predicate<ReconcilerStatus> ok) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!ok.test(r.status())) {
      assertThat(System.nanoTime()).as("timed out waiting for %s; status %s", what, r.status()).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Test
  void aPassedUptestBetweenFailuresStartsTheCountAgain() {
    dispatched();
    String[] victim = oneProc("h1");
    boolean[] failing = {true};
    world.runtime.uptestsPass(p -> !(failing[0] && p.host().orElse("").equals("h1")));
    Reconciler r = reconciler().uptestInterval(Duration.ofSeconds(60)).uptestFailures(2).build();
    r.runOnce();
    failing[0] = false;
    clock.advance(Duration.ofSeconds(60));
    r.runOnce();
    failing[0] = true;
    clock.advance(Duration.ofSeconds(60));
    assertThat(r.runOnce().actions()).isEmpty();
    assertThat(r.uptests(swarm.id())).filteredOn(u -> u.proc().equals(victim[1]) && u.host().value().equals(victim[0])).singleElement().satisfies(u -> {
      assertThat(u.consecutiveFailures()).isEqualTo(1);
      assertThat(u.recent()).extracting(ProcUptests.Check::passed).containsExactly(false, true, false);
      assertThat(u.recent().get(0).output()).contains("web_ok");
    });
  }

  @Test
  void housekeepingReclaimsStaleRunsSweepsOrphansAndCollectsBuildsOnItsOwnSchedule() throws Exception {
    dispatched();
    Swarm other = DispatchWorld.swarm().id(SwarmId.of("otherswa")).config(ConfigName.of("qa")).size(1).build();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    world.store.putSwarm(other);
    assertThat(world.store.tryBeginRun(other.id(), "t", RunOwners.of(gone.toHandle()))).isInstanceOf(BeginRun.Started.class);
    world.store.deleteSwarm(other.id());
    // a proc dir of a swarm no one stores, and one of the stored swarm, both with no program
    world.runtime.leaveDir("h1", "shop-v1-prod-aaaaaaaaaaaa-web-5008-deadbeef");
    ProcName.Ours current = (ProcName.Ours) ProcName.parse(oneProc("h2")[1]);
    ProcName.Ours mine = new ProcName.Ours(current.app(), current.versionName(), current.config(), current.hash(),
        current.procType(), Port.of(5008), current.swarmId());
    world.runtime.leaveDir("h2", mine.format());
    Reconciler r = reconciler().housekeepingInterval(Duration.ofMinutes(10)).build();

    ReconcilePass pass = r.runOnce();
    assertThat(pass.housekeeping()).isTrue();
    assertThat(events).filteredOn(e -> e instanceof ReconcileEvent.Housekeeping).singleElement().satisfies(e -> {
      ReconcileEvent.Housekeeping h = (ReconcileEvent.Housekeeping) e;
      assertThat(h.failedRuns()).isEqualTo(1);
      assertThat(h.orphanSwarms()).containsExactly(swarm.name());
      assertThat(h.gc()).isPresent();
    });
    assertThat(world.store.activeRun(other.id())).isEmpty();
    assertThat(world.runtime.procDirs()).noneMatch(p -> p.contains("deadbeef"));
    assertThat(pass.actions()).singleElement().satisfies(a -> {
      assertThat(a.reason()).isEqualTo("reconcile: orphaned proc directories");
      assertThat(a.succeeded()).as(a.outcome()).isTrue();
    });
    assertThat(world.runtime.procDirs()).noneMatch(p -> p.endsWith(mine.format()));

    clock.advance(Duration.ofMinutes(9));
    assertThat(r.runOnce().housekeeping()).isFalse();
    clock.advance(Duration.ofMinutes(1));
    assertThat(r.runOnce().housekeeping()).isTrue();
    assertThat(r.status().lastHousekeeping()).contains(clock.instant());
  }

  @Test
  void aPausedReconcilerActsOnNothingUntilResumed() {
    dispatched();
    Reconciler r = reconciler().build();
    r.pause();
    String[] victim = oneProc("h1");
    world.hosts.put(HostName.of("h1"), victim[1], ProcState.FATAL);
    assertThat(r.runOnce().actions()).isEmpty();
    assertThat(r.status().paused()).isTrue();
    r.resume();
    assertThat(r.runOnce().actions()).hasSize(1);
  }

  @Test
  void aStartedReconcilerRunsAPassAtOnceAndAnotherWhenNudgedAndCloseStopsIt() throws Exception {
    dispatched();
    CountDownLatch firstPass = new CountDownLatch(1);
    CountDownLatch repaired = new CountDownLatch(1);
    Reconciler r = reconciler().interval(Duration.ofHours(1)).listener(e -> {
      if (e instanceof ReconcileEvent.Housekeeping) {
        firstPass.countDown(); // the first pass does housekeeping
      }
      if (e instanceof ReconcileEvent.Action a && a.succeeded()) {
        repaired.countDown();
      }
    }).build();
    try (r) {
      r.start();
      assertThat(firstPass.await(60, TimeUnit.SECONDS)).as("the first pass ran at once").isTrue();
      assertThat(r.status().running()).isTrue();
      String[] victim = oneProc("h1");
      world.hosts.put(HostName.of("h1"), victim[1], ProcState.FATAL);
      r.nudge("proc " + victim[1] + " went FATAL");
      assertThat(repaired.await(60, TimeUnit.SECONDS)).as("a nudged pass repaired the swarm").isTrue();
    }
    assertThat(r.status().running()).isFalse();
    assertWhole();
    assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void everyEventAndTheStatusRoundTripAsJsonWithTheirType() {
    Instant at = clock.instant();
    List<UptestResult> results = List.of(UptestResult.of("web_ok", "HTTP 500", false, 3));
    List<ReconcileEvent> all = List.of(
        new ReconcileEvent.Action(at, "shop-web", "shopweb2", "r1", "reconcile: proc x FATAL on h2", true, "done"),
        new ReconcileEvent.Skipped(at, "shop-web", "shopweb2", "busy"),
        new ReconcileEvent.Backoff(at, "shop-web", "shopweb2", 2, at.plusSeconds(20), "route failed"),
        new ReconcileEvent.PassFailed(at, "store down"),
        new ReconcileEvent.HostLost(at, HostName.of("h3"), "refused", 2),
        new ReconcileEvent.HostBack(at, HostName.of("h3"), 75),
        new ReconcileEvent.UptestPassed(at, "shop-web", HostName.of("h1"), "p", List.of()),
        new ReconcileEvent.UptestFailed(at, "shop-web", HostName.of("h1"), "p", 3, results),
        new ReconcileEvent.Housekeeping(at, 1, 2, 3, List.of("shop-web"), List.of("h3 unreachable"), Optional.empty()));
    TreeSet<String> types = new TreeSet<>();
    for (ReconcileEvent e : all) {
      String json = VrJson.writeJson(e);
      types.add(json.replaceAll("(?s).*\"type\"\\s*:\\s*\"([a-z_]+)\".*", "$1"));
      assertThat(VrJson.readJson(json, ReconcileEvent.class)).isEqualTo(e);
      assertThat(e.describe()).isNotBlank();
    }
    assertThat(types).containsExactly("host_back", "host_lost", "housekeeping", "periodic_uptest_failed",
        "periodic_uptest_passed", "reconcile_action", "reconcile_backoff", "reconcile_error", "reconcile_skipped");

    dispatched();
    Reconciler r = reconciler().build();
    r.runOnce();
    ReconcilerStatus status = r.status();
    assertThat(VrJson.readJson(VrJson.writeJson(status), ReconcilerStatus.class)).isEqualTo(status);
    List<ProcUptests> uptests = r.uptests();
    assertThat(uptests).hasSize(3);
    assertThat(VrJson.writeJson(uptests)).contains("\"consecutive_failures\"", "\"passed\"");
  }

  @Test
  void badSettingsAreRefusedByName() {
    assertThatThrownBy(() -> Reconciler.builder().interval(Duration.ZERO)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("reconcile interval");
    assertThatThrownBy(() -> Reconciler.builder().uptestFailures(0)).hasMessageContaining("uptest failures");
    assertThatThrownBy(() -> Reconciler.builder().backoff(Duration.ofMinutes(2), Duration.ofMinutes(1)))
        .hasMessageContaining("backoff cap");
    assertThatThrownBy(() -> d.reconcile(swarm, " ")).hasMessageContaining("reconcile reason");
    assertThatThrownBy(() -> Reconciler.builder().build()).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("dispatcher");
  }
}
