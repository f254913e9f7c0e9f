package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.InMemoryStore;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.core.testing.CrashInjector;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A dispatcher killed between any two of its calls to the outside world (store, proc
 * controller, runtime, balancer), followed by a new dispatch from another process, converges to
 * the desired state and leaks nothing: no port locks, programs, proc directories or pool members.
 */
class CrashConvergenceTest {
  /** A new, empty store for one world; {@link JdbcCrashConvergenceTest} runs the same on PostgreSQL. */
  Store newStore() {
    return InMemoryStore.create();
  }

  @Test
  void aDispatcherKilledBetweenAnyTwoStepsIsFinishedByTheNextDispatchWithNothingLeaked() throws Exception {
    int crashes = 0;
    for (int crashAt = 1; crashAt < 500; crashAt++) {
      try (DispatchWorld world = new DispatchWorld(false, newStore())) {
        try (Dispatcher d = world.dispatcher()) {
          assertThat(d.dispatch(DispatchWorld.swarm().build()).succeeded()).isTrue();
        }
        Set<String> v1 = world.running();
        CrashInjector killer = CrashInjector.atCall(crashAt);
        boolean crashed = world.dispatchUntilCrash(killer, DispatchWorld.swarm().version(Version.of("v2")).build());
        if (!crashed) {
          assertThat(crashes).as("the crash loop must have covered several steps").isGreaterThan(10);
          return;
        }
        crashes++;
        try (Dispatcher next = world.dispatcher()) {
          DispatchResult result = next.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
          String context = "after a crash at call " + crashAt + ": " + result.run().failureReason().orElse("") + " " + world.events;
          assertThat(result.succeeded()).as(context).isTrue();
          assertThat(world.running()).as(context).hasSize(3).doesNotContainAnyElementsOf(v1);
          assertThat(world.ours()).as(context).isEqualTo(world.running());
          assertThat(world.balancer.members(POOL)).as(context).isEqualTo(world.runningMembers());
          Set<String> dirs = new TreeSet<>(world.runtime.procDirs());
          assertThat(dirs).as(context).isEqualTo(world.ours());
          assertThat(world.store.portLocks()).as(context).isEmpty();
          assertThat(world.store.activeRun(DispatchWorld.swarm().build().id())).as(context).isEmpty();
          assertThat(next.plan(DispatchWorld.swarm().version(Version.of("v2")).build()).isNoop()).as(context).isTrue();
        }
      }
    }
    fail("a dispatch made more than 500 calls");
  }
}
