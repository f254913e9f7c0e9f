package io.velociraptor.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Swarm;
import java.util.TreeSet;

/** What "the swarm is so and nothing leaked" means, checked against the real components. */
final class Converged {
  private Converged() {}

  /**
   * Checks the swarm runs exactly as desired and nothing is left over: every program of the swarm
   * is running and of its current identity and release, there are {@code size} of them, the pool
   * holds exactly them, every proc directory belongs to a program, no port lock is held, no run is
   * live, the foreign programs run with their original pids, and a new plan has nothing to do.
   */
  static void assertConverged(E2eWorld world, Dispatcher d, Swarm swarm, String context) {
    assertConverged(world, world.fleet, d, swarm, context);
  }

  /** As {@link #assertConverged(E2eWorld, Dispatcher, Swarm, String)}, with the dispatcher's fleet config. */
  static void assertConverged(E2eWorld world, FleetConfig fleet, Dispatcher d, Swarm swarm, String context) {
    TreeSet<String> all = world.programs(swarm.id(), s -> true);
    TreeSet<String> running = world.programs(swarm.id(), s -> s == ProcState.RUNNING);
    assertThat(running).as(context + ": running procs").hasSize(swarm.size()).isEqualTo(all);
    for (String hostAndName : running) {
      ProcName.Ours p = (ProcName.Ours) ProcName.parse(hostAndName.substring(hostAndName.indexOf('/') + 1));
      assertThat(p.app()).as(context + ": " + p).isEqualTo(swarm.app());
      assertThat(p.procType()).as(context + ": " + p).isEqualTo(swarm.procType());
      assertThat(p.config()).as(context + ": " + p).isEqualTo(swarm.config());
      assertThat(p.versionName()).as(context + ": " + p).isEqualTo(swarm.version().nameForm());
      assertThat(fleet.squad(swarm.squad()).orElseThrow().hosts().stream().map(Object::toString))
          .as(context + ": host of " + p).contains(hostAndName.substring(0, hostAndName.indexOf('/')));
    }
    assertThat(world.poolMembers()).as(context + ": pool members").isEqualTo(world.runningMembers(swarm.id()));
    assertThat(world.procDirs()).as(context + ": proc directories").isEqualTo(world.allOurPrograms());
    assertThat(world.store.portLocks()).as(context + ": port locks").isEmpty();
    assertThat(world.store.activeRun(swarm.id())).as(context + ": live run").isEmpty();
    assertThat(world.foreignPids()).as(context + ": foreign programs").isEqualTo(world.foreignPidsAtStart());
    assertThat(d.plan(swarm).isNoop()).as(context + ": a new plan is a no-op").isTrue();
  }

  /** Checks a dispatch succeeded, with its failure reason as the message if not. */
  static DispatchResult assertSucceeded(DispatchResult r, E2eWorld world) {
    assertThat(r.succeeded()).as("run %s: %s; events: %s", r.run().id(), r.run().failureReason().orElse(""),
        world.events.stream().filter(e -> e.runId().equals(r.run().id())).map(e -> e.describe()).toList()).isTrue();
    return r;
  }

  /** Deletes the swarm and checks it left nothing: no programs, pool members, directories or locks. */
  static void assertDeletedCleanly(E2eWorld world, Dispatcher d, Swarm swarm) {
    assertSucceeded(d.delete(swarm.id()), world);
    assertThat(world.programs(swarm.id(), s -> true)).as("programs after delete").isEmpty();
    assertThat(world.poolMembers()).as("pool after delete").isEmpty();
    assertThat(world.procDirs()).as("proc dirs after delete").isEqualTo(world.allOurPrograms());
    assertThat(world.store.portLocks()).as("port locks after delete").isEmpty();
    assertThat(world.store.swarm(swarm.id())).isEmpty();
    assertThat(world.foreignPids()).isEqualTo(world.foreignPidsAtStart());
  }
}
