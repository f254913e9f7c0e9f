package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import io.velociraptor.core.store.RunOwners;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Within one host, a run works on at most {@code perHostParallelism} procs at once. */
class PerHostParallelismTest {
  /** Three hosts of ten ports each: thirty procs fill them, ten a host. */
  private static final int SIZE = 30;
  /** Only a run that works on one proc of a host at a time waits this out. */
  private static final Duration OVERLAP_DEADLINE = Duration.ofSeconds(60);

  private final DispatchWorld world = new DispatchWorld();

  @AfterEach
  void close() {
    world.close();
  }

  private Dispatcher dispatcher(ContainerRuntime runtime, int perHost) {
    return Dispatcher.builder().store(world.store).fleet(world.fleet).observer(world.hosts).procs(world.hosts)
        .runtime(runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer)
        .listener(world.events::add).owner(RunOwners.current()).perHostParallelism(perHost).build();
  }

  private static Swarm thirty() {
    return DispatchWorld.swarm().size(SIZE).build();
  }

  @Test
  void aHostsUptestsRunSeveralAtOnceButNeverMoreThanPerHostParallelism() {
    Counting runtime = new Counting(world.runtime, true);
    try (Dispatcher d = dispatcher(runtime, 3)) {
      DispatchResult r = d.dispatch(thirty());
      assertThat(r.succeeded()).as(r.run().failureReason().orElse("")).isTrue();
      assertThat(world.running()).hasSize(SIZE);
      // every host had two at once (else its first uptest timed out waiting and the run failed)
      assertThat(runtime.maxPerHost).hasSize(3).allSatisfy((host, max) -> assertThat(max.get()).isBetween(2, 3));
      assertThat(r.run().steps()).filteredOn(s -> s.name().equals("uptest")).hasSize(SIZE);
      assertThat(r.run().steps()).filteredOn(s -> s.name().equals("start")).hasSize(SIZE);
    }
  }

  @Test
  void perHostParallelismOneWorksOnAHostsProcsOneAfterAnother() {
    Counting runtime = new Counting(world.runtime, false);
    try (Dispatcher d = dispatcher(runtime, 1)) {
      DispatchResult r = d.dispatch(thirty());
      assertThat(r.succeeded()).as(r.run().failureReason().orElse("")).isTrue();
      assertThat(runtime.maxPerHost).hasSize(3).allSatisfy((host, max) -> assertThat(max.get()).isEqualTo(1));
    }
  }

  @Test
  void aFailedSetupAmongThirtyFailsTheRunNamingItsProcAndHostAndLeavesNothing() {
    String doomed;
    try (Dispatcher d = dispatcher(world.runtime, 8)) {
      doomed = d.plan(thirty()).starts().stream().filter(s -> s.host().value().equals("h2")).skip(4).findFirst()
          .orElseThrow().name().format();
      world.runtime.setupsFail(p -> p.programName().equals(doomed) && p.host().equals(java.util.Optional.of("h2")));
      DispatchResult r = d.dispatch(thirty());
      assertThat(r.run().state()).isEqualTo(RunState.FAILED);
      assertThat(r.run().failureReason()).hasValueSatisfying(reason -> assertThat(reason)
          .startsWith("could not start " + doomed + " on h2: setup of " + doomed + " on h2 refused"));
      assertThat(r.run().steps()).filteredOn(s -> s.name().equals("start") && s.outcome().name().equals("FAILED"))
          .extracting(s -> s.target().orElse("")).containsExactly(doomed);
      assertThat(world.events).anyMatch(e -> e instanceof DispatchEvent.ProcStopped s && s.proc().equals(doomed));
    }
    assertThat(world.ours()).isEmpty();
    assertThat(world.runtime.procDirs()).isEmpty();
    assertThat(world.balancer.members(DispatchWorld.POOL)).isEmpty();
    assertThat(world.store.portLocks()).isEmpty();
  }

  @Test
  void perHostParallelismBelowOneIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> Dispatcher.builder().perHostParallelism(0)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("perHostParallelism").hasMessageContaining("0").hasMessageContaining("at least 1");
  }

  /**
   * The world's runtime, counting how many uptests of each host run at once; with {@code overlap},
   * each uptest waits (with a deadline) until a second one of its host has begun.
   */
  private static final class Counting implements ContainerRuntime {
    private final ContainerRuntime inner;
    private final boolean overlap;
    final Map<String, AtomicInteger> maxPerHost = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> nowPerHost = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> twoPerHost = new ConcurrentHashMap<>();

    Counting(ContainerRuntime inner, boolean overlap) {
      this.inner = inner;
      this.overlap = overlap;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public void setup(CommandRunner host, ProcData proc) {
      inner.setup(host, proc);
    }

    @Override
    public List<String> runCommand(ProcData proc) {
      return inner.runCommand(proc);
    }

    @Override
    public List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
      String h = host.host();
      int n = nowPerHost.computeIfAbsent(h, k -> new AtomicInteger()).incrementAndGet();
      maxPerHost.computeIfAbsent(h, k -> new AtomicInteger()).accumulateAndGet(n, Math::max);
      try {
        CountDownLatch two = twoPerHost.computeIfAbsent(h, k -> new CountDownLatch(2));
        two.countDown();
        if (overlap && !two.await(OVERLAP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
          return List.of(UptestResult.of("overlap", "no other uptest of " + h + " began within " + OVERLAP_DEADLINE, false, 0));
        }
        return inner.uptest(host, proc, perTest);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of(UptestResult.of("overlap", "interrupted", false, 0));
      } finally {
        nowPerHost.get(h).decrementAndGet();
      }
    }

    @Override
    public void teardown(CommandRunner host, ProcName proc) {
      inner.teardown(host, proc);
    }

    @Override
    public List<ProcName> procDirs(CommandRunner host) {
      return inner.procDirs(host);
    }
  }
}
