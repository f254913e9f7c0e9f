package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.testkit.TestClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's {@link Reconciler.PassGuard}: a pass the guard does not run does nothing (no
 * repair, no event) and still counts as the last pass; one it runs acts as usual; a guard that
 * fails (its database gone) is a failed pass, said once as an event.
 */
class ReconcilerPassGuardTest {
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

  private void dispatchedThenOneProcFatal() {
    assertThat(d.dispatch(swarm).succeeded()).isTrue();
    String[] victim = world.running().stream().filter(r -> r.startsWith("h1/")).findFirst().orElseThrow().split("/", 2);
    world.hosts.put(HostName.of("h1"), victim[1], ProcState.FATAL);
  }

  @Test
  void aPassTheGuardHoldsBackDoesNothingAndOneItRunsRepairs() {
    dispatchedThenOneProcFatal();
    AtomicBoolean mayAct = new AtomicBoolean(false);
    AtomicInteger asked = new AtomicInteger();
    Reconciler r = Reconciler.builder().dispatcher(d).clock(clock).listener(events::add)
        .passGuard(pass -> {
          asked.incrementAndGet();
          return mayAct.get() ? Optional.of(pass.get()) : Optional.empty();
        }).build();
    ReconcilePass held = r.runOnce();
    assertThat(held.actions()).isEmpty();
    assertThat(events).isEmpty();
    assertThat(world.store.history(swarm.id())).hasSize(1);
    assertThat(r.status().lastPass()).contains(clock.instant());
    mayAct.set(true);
    ReconcilePass acted = r.runOnce();
    assertThat(acted.actions()).singleElement().satisfies(a -> assertThat(a.reason()).contains("FATAL on h1"));
    assertThat(world.store.history(swarm.id())).hasSize(2);
    assertThat(asked).hasValue(2);
  }

  @Test
  void aGuardThatFailsIsAFailedPass() {
    dispatchedThenOneProcFatal();
    Reconciler r = Reconciler.builder().dispatcher(d).clock(clock).listener(events::add)
        .passGuard(pass -> {
          throw new io.velociraptor.core.spi.StoreException("db", "take the lock vr-reconciler", "connection refused", null);
        }).build();
    assertThat(r.runOnce().actions()).isEmpty();
    assertThat(events).singleElement().isInstanceOfSatisfying(ReconcileEvent.PassFailed.class,
        e -> assertThat(e.describe()).contains("connection refused"));
    assertThat(world.store.history(swarm.id())).hasSize(1);
  }
}
