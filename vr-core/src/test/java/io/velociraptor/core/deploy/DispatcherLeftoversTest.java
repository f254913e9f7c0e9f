package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What failed and crashed runs leave behind (proc directories with no program, a failed swarm
 * version) never outlives the swarm's next dispatch, its deletion or a reconcile.
 */
class DispatcherLeftoversTest {
  private DispatchWorld world = new DispatchWorld();

  @AfterEach
  void close() {
    world.close();
  }

  /** Another swarm of the same app, with a pool of its own. */
  private static Swarm other(String id) {
    return DispatchWorld.swarm().id(SwarmId.of(id)).config(ConfigName.of(id)).pool(PoolName.of(id)).build();
  }

  /** Every proc directory has a program, and every program of ours a directory. */
  private void assertDirsMatchPrograms(String when) {
    assertThat(world.runtime.procDirs()).as("proc directories %s", when).isEqualTo(world.ours());
  }

  /** A proc directory of the swarm on h1 that no program has, as a crashed run leaves it. */
  private String leaveOrphan(Swarm swarm, int port) {
    String any = world.ours().first().split("/", 2)[1];
    ProcName.Ours like = (ProcName.Ours) ProcName.parse(any);
    ProcName.Ours orphan = new ProcName.Ours(like.app(), like.versionName(), like.config(), like.hash(),
        like.procType(), Port.of(port), swarm.id());
    world.runtime.leaveDir("h1", orphan.format());
    return "h1/" + orphan.format();
  }

  @Test
  void aSetupThatFailsAfterMakingTheProcDirectoryLeavesNoDirectory() {
    world.runtime.setupsFail(p -> true);
    try (Dispatcher d = world.dispatcher()) {
      DispatchResult result = d.dispatch(DispatchWorld.swarm().build());
      assertThat(result.succeeded()).isFalse();
      assertThat(result.run().failureReason().orElseThrow()).contains("nosuchuser");
      // before the fix, retiring a never-installed program stopped at Supervisor's BAD_NAME
      assertThat(world.runtime.procDirs()).isEmpty();
      assertThat(world.ours()).isEmpty();
    }
  }

  @Test
  void theNextDispatchOfTheSwarmRemovesItsDirectoriesThatHaveNoProgramEvenWhenItIsANoop() {
    Swarm swarm = DispatchWorld.swarm().build();
    Swarm other = other("otherswm");
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(swarm);
      d.dispatch(other);
      String orphan = leaveOrphan(swarm, 5009);
      String othersOrphan = leaveOrphan(other, 5008);
      DispatchResult again = d.dispatch(swarm);
      assertThat(again.succeeded()).as(again.run().failureReason().orElse("")).isTrue();
      assertThat(again.plan().orElseThrow().isNoop()).isTrue();
      assertThat(world.runtime.procDirs()).doesNotContain(orphan).contains(othersOrphan);
      assertThat(world.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(DispatchEvent.Warning.class,
          w -> assertThat(w.message()).contains("removed the proc directory of " + orphan.split("/")[1] + " on h1")));
      assertThat(again.run().steps()).anyMatch(s -> s.name().equals("sweep"));
    }
  }

  /**
   * The real runtime on hosts that share one root (private supervisords on one machine): every
   * host lists every proc directory, and a teardown through any host removes the one directory.
   */
  private io.velociraptor.core.spi.ContainerRuntime sharedRoot() {
    io.velociraptor.core.spi.ContainerRuntime one = world.runtime;
    return new io.velociraptor.core.spi.ContainerRuntime() {
      @Override
      public String name() {
        return one.name();
      }

      @Override
      public void setup(io.velociraptor.core.spi.CommandRunner host, io.velociraptor.core.model.ProcData proc) {
        one.setup(host, proc);
      }

      @Override
      public java.util.List<String> runCommand(io.velociraptor.core.model.ProcData proc) {
        return one.runCommand(proc);
      }

      @Override
      public java.util.List<io.velociraptor.core.spi.UptestResult> uptest(io.velociraptor.core.spi.CommandRunner host,
          io.velociraptor.core.model.ProcData proc, java.time.Duration perTest) {
        return one.uptest(host, proc, perTest);
      }

      @Override
      public void teardown(io.velociraptor.core.spi.CommandRunner host, ProcName proc) {
        world.runners.values().forEach(r -> one.teardown(r, proc));
      }

      @Override
      public java.util.List<ProcName> procDirs(io.velociraptor.core.spi.CommandRunner host) {
        return world.runners.values().stream().flatMap(r -> one.procDirs(r).stream()).distinct().sorted().toList();
      }
    };
  }

  @Test
  void hostsOfOneMachineSharingOneRootNeverSweepEachOthersProcDirectories() {
    world.close();
    world = new DispatchWorld(true);
    Swarm swarm = DispatchWorld.swarm().build();
    try (Dispatcher d = world.dispatcher(world.hosts, sharedRoot(), world.store, world.balancer,
        io.velociraptor.core.store.RunOwners.current())) {
      assertThat(d.dispatch(swarm).succeeded()).isTrue();
      java.util.Set<String> dirs = new java.util.TreeSet<>(world.runtime.procDirs());
      assertThat(dirs).hasSize(3);
      DispatchResult again = d.dispatch(swarm);
      assertThat(again.plan().orElseThrow().isNoop()).isTrue();
      // before the fix, h1's sweep took h2's and h3's directories for orphans of h1 and removed them
      assertThat(again.run().steps()).noneMatch(st -> st.name().equals("sweep"));
      assertThat(world.runtime.procDirs()).isEqualTo(dirs);
      String orphan = leaveOrphan(swarm, 5009);
      assertThat(d.dispatch(swarm).succeeded()).isTrue();
      assertThat(world.runtime.procDirs()).as("a real orphan still goes").isEqualTo(dirs).doesNotContain(orphan);
    }
  }

  @Test
  void deletingTheSwarmRemovesItsDirectoriesThatHaveNoProgram() {
    Swarm swarm = DispatchWorld.swarm().build();
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(swarm);
      leaveOrphan(swarm, 5009);
      assertThat(d.delete(swarm.id()).succeeded()).isTrue();
      assertThat(world.runtime.procDirs()).isEmpty();
    }
  }

  @Test
  void reconcileRemovesDirectoriesWithNoProgramOfStoredAndOfForgottenSwarms() {
    Swarm swarm = DispatchWorld.swarm().build();
    Swarm gone = other("goneswrm");
    try (Dispatcher d = world.dispatcher()) {
      d.dispatch(swarm);
      d.dispatch(gone);
      assertThat(d.delete(gone.id()).succeeded()).isTrue();
      leaveOrphan(swarm, 5009);
      leaveOrphan(gone, 5008);
      List<DispatchResult> runs = d.reconcile(Optional.empty(), 2);
      assertThat(runs).singleElement().satisfies(r -> assertThat(r.run().swarmId()).isEqualTo(swarm.id()));
      assertDirsMatchPrograms("after the reconcile");
      assertThat(world.running()).hasSize(3);
    }
  }

  @Test
  void aFailedDispatchIsNotWhatAReconcileAfterAHostLossConvergesTo() {
    Swarm v1 = DispatchWorld.swarm().build();
    Swarm v2 = DispatchWorld.swarm().version(Version.of("v2")).build();
    world.runtime.uptestsPass(p -> !p.version().orElseThrow().equals("v2"));
    try (Dispatcher d = world.dispatcher()) {
      assertThat(d.dispatch(v1).succeeded()).isTrue();
      DispatchResult failed = d.dispatch(v2);
      assertThat(failed.succeeded()).isFalse();
      assertThat(world.store.swarm(v1.id())).as("the stored swarm after a failed dispatch").contains(v1);
      assertThat(world.store.history(v1.id())).extracting(r -> r.state())
          .containsExactly(RunState.DONE, RunState.FAILED);

      world.hosts.setUnreachable(HostName.of("h3"), true);
      List<DispatchResult> runs = d.reconcile(Optional.empty(), 2);
      assertThat(runs).singleElement().satisfies(r -> assertThat(r.succeeded())
          .as(r.run().failureReason().orElse("")).isTrue());
      assertThat(reachableRunning()).as("v1 procs on the hosts left").hasSize(3)
          .allMatch(n -> n.contains("-v1-"));
    }
  }

  @Test
  void aSwarmWhoseFirstDispatchFailedIsStoredButNotRetriedByReconcile() {
    Swarm v2 = DispatchWorld.swarm().version(Version.of("v2")).build();
    world.runtime.uptestsPass(p -> false);
    try (Dispatcher d = world.dispatcher()) {
      assertThat(d.dispatch(v2).succeeded()).isFalse();
      assertThat(world.store.swarm(v2.id())).as("listed, so it can be deleted").contains(v2);
      assertThat(d.reconcile(Optional.empty(), 2)).isEmpty();
      assertThat(world.store.history(v2.id())).hasSize(1);
    }
  }

  @Test
  void reconcileAfterAHostLossWithSeveralSwarmsConvergesInOneRun() {
    List<Swarm> swarms = List.of(
        DispatchWorld.swarm().build(),
        other("swarmbbb"),
        other("swarmccc"));
    try (Dispatcher d = world.dispatcher()) {
      for (Swarm s : swarms) {
        assertThat(d.dispatch(s).succeeded()).isTrue();
      }
      world.hosts.setUnreachable(HostName.of("h2"), true);
      List<DispatchResult> runs = d.reconcile(Optional.empty(), 2);
      assertThat(runs).hasSize(3).allSatisfy(r -> assertThat(r.succeeded())
          .as(r.run().failureReason().orElse("")).isTrue());
      assertThat(reachableRunning()).hasSize(9);
      assertThat(d.reconcile(Optional.empty(), 2)).as("a second reconcile finds nothing to do").isEmpty();
    }
  }

  /**
   * Swarm B observes and plans, then swarm A observes, plans the same free ports, reserves them,
   * starts, routes and releases its locks; only then does B reserve. B's locks succeed (A holds
   * none any more) but A's procs use the ports: B must find out and plan again.
   */
  @Test
  void aDispatchThatReservesAfterAnotherOneFinishedOnTheSamePortsPlansAgain() throws Exception {
    Swarm a = other("swarmaaa");
    Swarm b = other("swarmbbb");
    java.util.concurrent.CountDownLatch bPlanned = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch aDone = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean();
    io.velociraptor.core.spi.Store gated = (io.velociraptor.core.spi.Store) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {io.velociraptor.core.spi.Store.class}, (proxy, method, args) -> {
          if (method.getName().equals("reserve") && String.valueOf(args[2]).startsWith("swarmbbb")
              && held.compareAndSet(false, true)) {
            bPlanned.countDown();
            assertThat(aDone.await(2, java.util.concurrent.TimeUnit.MINUTES)).as("swarm A's dispatch ended").isTrue();
          }
          try {
            return method.invoke(world.store, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (Dispatcher d = world.dispatcher(world.hosts, world.runtime, gated, world.balancer,
        io.velociraptor.core.store.RunOwners.current())) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
      try {
        java.util.concurrent.Future<DispatchResult> bRun = pool.submit(() -> d.dispatch(b));
        assertThat(bPlanned.await(2, java.util.concurrent.TimeUnit.MINUTES)).as("swarm B planned").isTrue();
        DispatchResult aRun = d.dispatch(a);
        aDone.countDown();
        assertThat(aRun.succeeded()).as(aRun.run().failureReason().orElse("")).isTrue();
        DispatchResult bResult = bRun.get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(bResult.succeeded()).as(bResult.run().failureReason().orElse("")).isTrue();
      } finally {
        aDone.countDown();
        pool.shutdownNow();
      }
      List<String> hostPorts = world.running().stream()
          .map(p -> p.split("/")[0] + ":" + ProcName.parse(p.split("/")[1]).port().orElseThrow()).toList();
      assertThat(hostPorts).hasSize(6).doesNotHaveDuplicates();
      assertThat(world.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(DispatchEvent.Warning.class,
          w -> assertThat(w.message()).contains("started by a concurrent dispatch")));
    }
  }

  /** Running programs of ours on the hosts that answer. */
  private Set<String> reachableRunning() {
    Set<String> out = new TreeSet<>();
    for (String r : world.running()) {
      if (!world.hosts.isUnreachable(HostName.of(r.split("/")[0]))) {
        out.add(r);
      }
    }
    return out;
  }
}
