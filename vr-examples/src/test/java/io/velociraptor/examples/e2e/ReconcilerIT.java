package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.ReconcileEvent;
import io.velociraptor.core.deploy.Reconciler;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.examples.KillUntilFatal;
import io.velociraptor.lxc.RuntimeKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A started {@link Reconciler} over the real components of {@link E2eWorld} repairs the swarm
 * without a command, while a client requests through nginx all along and sees no failed request:
 * a proc whose processes are killed by hand with SIGKILL until Supervisor gives up on it (FATAL), a proc whose periodic uptest starts failing (taken out
 * of the pool, replaced, retired), then a host whose supervisord was killed (its procs re-placed
 * on the other hosts once the grace has passed). Each repair is a persisted run whose first
 * message says why.
 */
class ReconcilerIT {
  /** Generous: CI is a loaded 2-core machine. */
  private static final Duration DEADLINE = Duration.ofSeconds(120);
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

  /** Polls the condition until it holds; fails after {@link #DEADLINE} naming what was last seen. */
  private static void await(String what, BooleanSupplier condition, Supplier<Object> seen) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + DEADLINE.toSeconds() + " s waiting for " + what + "; last seen: "
            + seen.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  /** @return a copy of the events so far (the reconciler's thread keeps adding to the list) */
  private static List<ReconcileEvent> copyOf(List<ReconcileEvent> events) {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** @return the reconcile action whose reason matches, after asserting its run's first message is that reason */
  private static ReconcileEvent.Action repairedBecause(Swarm swarm, List<ReconcileEvent> events, String reasonRegex) {
    List<ReconcileEvent.Action> actions = copyOf(events).stream().filter(ReconcileEvent.Action.class::isInstance)
        .map(ReconcileEvent.Action.class::cast).toList();
    ReconcileEvent.Action action = actions.stream().filter(a -> a.reason().matches(reasonRegex)).findFirst()
        .orElseThrow(() -> new AssertionError("no reconcile action whose reason matches " + reasonRegex + " in " + actions));
    assertThat(action.succeeded()).as("run %s: %s", action.runId(), action.outcome()).isTrue();
    SwarmRun run = world.store.history(swarm.id()).stream().filter(r -> r.id().equals(action.runId())).findFirst()
        .orElseThrow(() -> new AssertionError("run " + action.runId() + " is not in the store"));
    assertThat(run.history()).as("the persisted history of run %s", run.id()).hasSizeGreaterThan(1);
    assertThat(run.history().get(1).message()).as("the first message of run %s", run.id()).isEqualTo(action.reason());
    return action;
  }

  /** Makes the proc's page at / (what its uptest fetches) say it is not ready; nginx's path /web/ still answers. */
  private static void breakUptestOf(String hostAndProgram) {
    String[] hp = hostAndProgram.split("/", 2);
    Path page = world.host(hp[0]).apps().resolve("procs").resolve(hp[1]).resolve("app/www/index.html");
    assertThat(page).as("the plain runtime's copy of the page of %s", hostAndProgram).isRegularFile();
    try {
      Files.writeString(page, "not ready: broken by ReconcilerIT\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aKilledProcAProcFailingItsUptestAndAHostWhoseSupervisordDiedAreRepairedWithoutACommandAndNoRequestFails() {
    Swarm swarm = world.swarm("heal", 3).build();
    List<ReconcileEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (Dispatcher d = world.dispatcher()) {
      assertSucceeded(d.dispatch(swarm), world);
      Hammer hammer = Hammer.start(world.nginx.port(), "/web/", 500_000, Duration.ofMinutes(4));
      try (Reconciler r = Reconciler.builder().dispatcher(d).interval(Duration.ofSeconds(1))
          .hostGrace(Duration.ofSeconds(3)).uptestInterval(Duration.ofSeconds(1)).uptestFailures(2)
          .listener(events::add).build()) {
        r.start();
        // (a) a proc's processes killed by hand with SIGKILL, again each time Supervisor restarts them, until
        // Supervisor gives up (FATAL: its start retries spent). The reconciler is paused meanwhile so that what it
        // repairs is the proc Supervisor gave up on, not a transient EXITED between two kills; resumed, its next
        // pass replaces the proc with no command and no nudge.
        String victim = procs(swarm, ProcState.RUNNING).first();
        String[] hp = victim.split("/", 2);
        r.pause();
        int kills = KillUntilFatal.kill(world.host(hp[0]).supervisord.client(), hp[1], DEADLINE);
        assertThat(kills).as("SIGKILLs until FATAL (one while RUNNING, then one per start try)").isGreaterThanOrEqualTo(4);
        r.resume();
        await("the killed, FATAL proc replaced", () -> {
          TreeSet<String> running = procs(swarm, ProcState.RUNNING);
          return running.size() == 3 && !running.contains(victim) && procs(swarm, ProcState.FATAL).isEmpty()
              && world.store.activeRun(swarm.id()).isEmpty();
        }, () -> procs(swarm, ProcState.RUNNING) + " " + r.status());
        repairedBecause(swarm, events, "reconcile: .*proc \\Q" + hp[1] + "\\E FATAL on " + hp[0] + ".*");

        // (c) one proc's uptest starts failing: after 2 failed periodic uptests it is replaced, then retired
        String sick = procs(swarm, ProcState.RUNNING).first();
        String[] shp = sick.split("/", 2);
        breakUptestOf(sick);
        await("the proc failing its uptest replaced and retired", () -> {
          TreeSet<String> running = procs(swarm, ProcState.RUNNING);
          return running.size() == 3 && !running.contains(sick) && world.store.activeRun(swarm.id()).isEmpty();
        }, () -> procs(swarm, ProcState.RUNNING) + " " + r.status());
        assertThat(copyOf(events)).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReconcileEvent.UptestFailed.class,
            f -> assertThat(f.proc() + " " + f.consecutiveFailures()).isEqualTo(shp[1] + " 2")));
        repairedBecause(swarm, events, "reconcile: .*uptest of \\Q" + shp[1] + "\\E on " + shp[0] + " failed 2 times.*");
        ProcName.Ours sickName = (ProcName.Ours) ProcName.parse(shp[1]);
        assertThat(world.poolMembers()).doesNotContain(PoolMember.of(world.host(shp[0]).address, sickName.port().orElseThrow()));

        // (b) h2's supervisord killed: after the 3 s grace its proc is re-placed on h1 or h3
        world.host("h2").killSupervisord();
        await("h2's procs re-placed on the other hosts", () -> procs(swarm, ProcState.RUNNING).stream()
            .filter(p -> !p.startsWith("h2/")).count() == 3 && world.store.activeRun(swarm.id()).isEmpty(),
            () -> procs(swarm, ProcState.RUNNING) + " " + r.status());
        assertThat(copyOf(events)).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReconcileEvent.HostLost.class,
            l -> assertThat(l.host()).isEqualTo(HostName.of("h2"))));
        repairedBecause(swarm, events, "reconcile: .*host h2 lost \\d+ s.*");
        assertThat(world.poolMembers()).noneMatch(m -> m.address().equals(world.host("h2").address));
        int atEnd = hammer.ok();
        await("a few more requests through nginx after the repairs", () -> hammer.ok() > atEnd + 20 || !hammer.isRunning(),
            hammer::failures);
      } finally {
        hammer.close();
      }
      assertThat(hammer.failures()).as("failed requests out of %d", hammer.ok()).isEmpty();
      assertThat(hammer.ok()).isGreaterThan(20);
    }
  }
}
