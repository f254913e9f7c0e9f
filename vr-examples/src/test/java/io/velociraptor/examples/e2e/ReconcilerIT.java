package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static io.velociraptor.examples.e2e.DispatchScenariosIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.ReconcileEvent;
import io.velociraptor.core.deploy.Reconciler;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.lxc.RuntimeKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A started {@link Reconciler} over the real components of {@link E2eWorld} repairs the swarm
 * without a command: a proc stopped by hand behind vr's back, then a host whose supervisord was
 * killed (its procs re-placed on the other hosts once the grace has passed), while a client
 * requests through nginx all along and sees no failed request.
 */
class ReconcilerIT {
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

  /** @return host/program of the swarm's procs in a state, on the hosts that answer */
  private static TreeSet<String> procs(Swarm swarm, ProcState state) {
    TreeSet<String> out = new TreeSet<>();
    for (HostSnapshot h : world.observer.observe(world.fleet.hosts())) {
      for (ObservedProc p : h.procs()) {
        if (h.reachable() && p.name() instanceof ProcName.Ours o && o.swarmId().equals(swarm.id()) && p.state() == state) {
          out.add(h.host().name() + "/" + p.name().format());
        }
      }
    }
    return out;
  }

  @Test
  void aProcStoppedByHandAndAHostWhoseSupervisordDiedAreRepairedWithoutACommandAndNoRequestFails() {
    Swarm swarm = world.swarm("heal", 3).build();
    List<ReconcileEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(swarm), world);
      Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 500_000, Duration.ofMinutes(4));
      try (Reconciler r = Reconciler.builder().dispatcher(d).interval(Duration.ofSeconds(1))
          .hostGrace(Duration.ofSeconds(3)).uptestInterval(Duration.ofSeconds(1)).uptestFailures(2)
          .listener(events::add).build()) {
        r.start();
        // (a) a proc stopped behind vr's back: Supervisor reports it STOPPED, the next pass replaces it
        String victim = procs(swarm, ProcState.RUNNING).first();
        String[] hp = victim.split("/", 2);
        world.procs.stop(world.fleet.host(HostName.of(hp[0])), ProcName.parse(hp[1]));
        r.nudge("proc " + hp[1] + " stopped");
        await("the stopped proc replaced", () -> {
          TreeSet<String> running = procs(swarm, ProcState.RUNNING);
          return running.size() == 3 && !running.contains(victim) && procs(swarm, ProcState.STOPPED).isEmpty()
              && world.store.activeRun(swarm.id()).isEmpty();
        });
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReconcileEvent.Action.class,
            a -> assertThat(a.reason()).contains("proc " + hp[1] + " STOPPED on " + hp[0])));

        // (b) h2's supervisord killed: after the 3 s grace its proc is re-placed on h1 or h3
        world.host("h2").killSupervisord();
        await("h2's procs re-placed on the other hosts", () -> procs(swarm, ProcState.RUNNING).stream()
            .filter(p -> !p.startsWith("h2/")).count() == 3 && world.store.activeRun(swarm.id()).isEmpty());
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReconcileEvent.Action.class,
            a -> assertThat(a.reason()).contains("host h2 lost")));
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(ReconcileEvent.HostLost.class));
        int atEnd = hammer.ok();
        await("a few more requests after the repairs", () -> hammer.ok() > atEnd + 20 || !hammer.isRunning());
      } finally {
        hammer.close();
      }
      assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
    }
  }
}
