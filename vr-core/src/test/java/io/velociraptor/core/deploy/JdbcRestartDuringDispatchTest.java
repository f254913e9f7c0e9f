package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.testkit.PostgresCluster;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped in the middle of a dispatch's step (from inside the in-memory proc
 * controller, as the first proc starts): the run either finishes (the store's retries carry it
 * over a quick restart) or fails with a message that says the database was unreachable; nothing
 * stored before is lost, and the next dispatch converges.
 */
class JdbcRestartDuringDispatchTest {
  private static PostgresCluster pg;
  private static int databases;

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  private static DispatchWorld world() {
    String url = pg.createDatabase("restart_" + (++databases));
    return new DispatchWorld(false, JdbcStore.builder().url(url).user(pg.user()).password(pg.password())
        .statementTimeout(Duration.ofSeconds(2)).attempts(3).open());
  }

  /** The hosts' proc controller, running {@code hook} once, just before the first proc starts. */
  private static ProcController stoppingAtFirstStart(DispatchWorld world, Runnable hook) {
    AtomicBoolean done = new AtomicBoolean();
    return (ProcController) Proxy.newProxyInstance(ProcController.class.getClassLoader(),
        new Class<?>[] {ProcController.class}, (proxy, method, args) -> {
          if (method.getName().equals("start") && done.compareAndSet(false, true)) {
            hook.run();
          }
          try {
            return method.invoke(world.hosts, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aServerStoppedMidStepAndStartedAgainAtOnceIsCarriedOverOrFailsClearly() throws Exception {
    check(() -> {
      pg.stop();
      pg.startAgain();
    }, false);
  }

  @Test
  void aServerDownForTheRestOfTheDispatchFailsItClearlyAndTheNextDispatchConverges() throws Exception {
    check(pg::stop, true);
  }

  private void check(Runnable hook, boolean mustFail) throws Exception {
    try (DispatchWorld world = world()) {
      try (Dispatcher d = world.dispatcher()) {
        assertThat(d.dispatch(DispatchWorld.swarm().build()).succeeded()).isTrue();
      }
      Set<String> v1 = world.running();
      String outcome;
      try (Dispatcher d = world.dispatcher(stoppingAtFirstStart(world, hook), world.runtime, world.store,
          world.balancer, RunOwners.current())) {
        DispatchResult result = d.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
        outcome = result.succeeded() ? "succeeded" : "failed: " + result.run().failureReason().orElse("");
      } catch (VrException e) {
        outcome = "threw: " + e.getMessage();
      } finally {
        pg.startAgain();
      }
      if (mustFail || !outcome.equals("succeeded")) {
        assertThat(outcome).as("the interrupted dispatch").doesNotStartWith("succeeded")
            .contains("the database was unreachable");
      }

      // nothing stored before is lost
      assertThat(world.store.builds(AppName.of("shop"))).hasSize(2);
      assertThat(world.store.swarm(DispatchWorld.swarm().build().id())).isPresent();
      List<SwarmRun> before = world.store.history(DispatchWorld.swarm().build().id());
      assertThat(before.get(0).state()).isEqualTo(RunState.DONE);

      try (Dispatcher next = world.dispatcher()) {
        DispatchResult result = next.dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
        String context = "after the interrupted dispatch " + outcome + ": " + result.run().failureReason().orElse("");
        assertThat(result.succeeded()).as(context).isTrue();
        assertThat(world.running()).as(context).hasSize(3).doesNotContainAnyElementsOf(v1);
        assertThat(world.ours()).as(context).isEqualTo(world.running());
        assertThat(world.balancer.members(POOL)).as(context).isEqualTo(world.runningMembers());
        assertThat(world.store.portLocks()).as(context).isEmpty();
        assertThat(world.store.activeRun(DispatchWorld.swarm().build().id())).as(context).isEmpty();
        assertThat(next.plan(DispatchWorld.swarm().version(Version.of("v2")).build()).isNoop()).as(context).isTrue();
      }
      List<SwarmRun> runs = world.store.history(DispatchWorld.swarm().build().id());
      assertThat(runs).as("every run is kept, each finished").allMatch(r -> r.state().isTerminal());
      assertThat(runs.size()).isGreaterThanOrEqualTo(before.size() + (before.size() > 1 ? 1 : 0));
      Optional<SwarmRun> interrupted = runs.size() > 2 ? Optional.of(runs.get(1)) : Optional.empty();
      if (mustFail) {
        assertThat(interrupted).map(SwarmRun::state).contains(RunState.FAILED);
      }
    }
  }
}
