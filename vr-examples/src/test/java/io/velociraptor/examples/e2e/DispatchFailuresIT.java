package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertConverged;
import static io.velociraptor.examples.e2e.Converged.assertDeletedCleanly;
import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.core.testing.CrashInjector;
import io.velociraptor.lxc.RuntimeKind;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dispatches that are cut short for real: a host's supervisord killed in the middle, and the
 * dispatcher itself dying between steps (the in-memory {@code CrashConvergenceTest} covers every
 * call; here a handful of crash points run against real hosts, nginx and the file store).
 */
class DispatchFailuresIT {
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

  @Test
  void aSupervisordKilledMidDispatchFailsTheRunClearlyAndADispatchAfterItsRestartConverges() {
    E2eHost h2 = world.host("h2");
    Swarm v1 = world.swarm("kill", 3).build();
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(v1), world);
      assertConverged(world, d, v1, "v1 on three hosts");
    }
    TreeSet<String> oldOnH2 = new TreeSet<>(world.programs(v1.id(), s -> true));
    oldOnH2.removeIf(p -> !p.startsWith("h2/"));
    assertThat(oldOnH2).hasSize(1);
    int oldH2Port = ProcName.parse(oldOnH2.first().substring(3)).port().orElseThrow().value();
    var membersBefore = world.poolMembers();

    AtomicBoolean killed = new AtomicBoolean();
    Swarm v2 = world.swarm("kill", 3).version(Version.of("v2")).build();
    DispatchResult failed;
    try (Dispatcher d = world.dispatcherBuilder().listener(e -> {
      if (e instanceof DispatchEvent.ProcStarting s && s.host().equals(HostName.of("h2")) && killed.compareAndSet(false, true)) {
        h2.killSupervisord();
      }
    }).build()) {
      failed = d.dispatch(v2);
    }
    assertThat(killed).isTrue();
    assertThat(failed.succeeded()).isFalse();
    assertThat(failed.run().failureReason().orElseThrow()).as("the reason names the host").contains("on h2");
    // the failure rule: the pool and the old procs are untouched, the new procs on the live hosts are gone
    assertThat(world.poolMembers()).isEqualTo(membersBefore);
    assertThat(world.throughNginx().body()).isEqualTo(page("v1"));
    for (String live : List.of("h1", "h3")) {
      List<ObservedProc> procs = world.procs.procs(world.host(live).model());
      assertThat(procs).filteredOn(p -> p.name() instanceof ProcName.Ours o && o.swarmId().equals(v1.id()))
          .as("procs of the swarm on %s", live).singleElement()
          .satisfies(p -> assertThat(((ProcName.Ours) p.name()).versionName()).isEqualTo("v1"));
      assertThat(world.host(live).procDirs()).hasSize(1);
    }
    assertThat(world.store.portLocks()).isEmpty();

    h2.restartSupervisord();
    world.rebaselineForeign("h2");
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(v2), world);
      assertConverged(world, d, v2, "after supervisord of h2 came back");
      assertThat(world.throughNginx().body()).isEqualTo(page("v2"));
      // the v1 proc that outlived its supervisord was torn down with its program
      assertThatThrownBy(() -> Http.get(h2.address, oldH2Port, "/")).isInstanceOf(UncheckedIOException.class);
      assertDeletedCleanly(world, d, v2);
    }
  }

  @Test
  void aDispatcherKilledBetweenStepsIsFinishedByTheNextDispatchWithNothingLeaked() throws Exception {
    Swarm swarm = world.swarm("crsh", 2).build();
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(swarm), world);
    }
    String version = "v1";
    // set up but not installed; installed but not started; started but not uptested; routed but the
    // old procs still in the pool; old procs stopped but not torn down; all done but port locks held
    List<String> points = List.of("ProcController.install", "ProcController.start", "ContainerRuntime.uptest",
        "Balancer.remove", "ContainerRuntime.teardown", "Store.release");
    for (String point : points) {
      version = version.equals("v1") ? "v2" : "v1";
      Swarm next = world.swarm("crsh", 2).version(Version.of(version)).build();
      Set<String> before = world.programs(swarm.id(), s -> true);
      CrashInjector killer = CrashInjector.beforeFirst(point);
      Process owner = new ProcessBuilder("sleep", "600").start();
      try (Dispatcher doomed = world.dispatcherBuilder()
          .procs(killer.wrap(ProcController.class, world.procs))
          .runtime(killer.wrap(ContainerRuntime.class, world.runtime))
          .store(killer.wrap(Store.class, world.store))
          .balancer(killer.wrap(Balancer.class, world.balancer))
          .owner(RunOwners.of(owner.toHandle())).build()) {
        doomed.dispatch(next);
      } catch (CrashInjector.Crash expected) {
        // the process died here
      } finally {
        owner.destroyForcibly().waitFor();
      }
      assertThat(killer.crashed()).as("the dispatch reached " + point).isTrue();
      try (Dispatcher next2 = world.dispatcher()) {
        String context = "after a crash before the first " + point;
        assertSucceeded(next2.dispatch(next), world);
        assertConverged(world, next2, next, context);
        assertThat(world.programs(swarm.id(), s -> true)).as(context).doesNotContainAnyElementsOf(before);
        assertThat(world.throughNginx().body()).as(context).isEqualTo(page(version));
      }
    }
    try (Dispatcher d = world.dispatcher()) {
      assertDeletedCleanly(world, d, world.store.swarm(swarm.id()).orElseThrow());
    }
  }
}
