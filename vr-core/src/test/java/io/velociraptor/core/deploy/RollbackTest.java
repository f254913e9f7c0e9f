package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RollbackTest {
  private final DispatchWorld world = new DispatchWorld();
  private final AtomicInteger buildCalls = new AtomicInteger();
  private Dispatcher d;

  @BeforeEach
  void open() {
    world.store.putBuild(build("v3", "3"));
    // every build a rollback asked for would show here: there must be none
    d = Dispatcher.builder().store(world.store).fleet(world.fleet).observer(world.hosts).procs(world.hosts)
        .runtime(world.runtime).runners(h -> world.runners.get(h.name())).balancer(world.balancer)
        .listener(world.events::add).builds((request, listener) -> {
          buildCalls.incrementAndGet();
          throw new IllegalStateException("a rollback must not build " + request.version());
        }).build();
  }

  @AfterEach
  void close() {
    d.close();
    world.close();
  }

  static Build build(String version, String digit) {
    String sha = digit.repeat(64);
    return Build.builder().app(AppName.of("shop")).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/var/lib/vr/artifacts/" + sha + ".tar.gz").sha256(sha).putProcfileTypes("web", "./serve").build();
  }

  private DispatchResult dispatch(Swarm swarm) {
    DispatchResult r = d.dispatch(swarm);
    assertThat(r.succeeded()).as(r.run().failureReason().orElse("")).isTrue();
    return r;
  }

  /** v1, v2 (with an env change), then a v3 whose uptests fail. */
  private List<DispatchResult> v1v2FailedV3() {
    DispatchResult v1 = dispatch(DispatchWorld.swarm().env(Env.of(Map.of("MODE", "one"))).build());
    DispatchResult v2 = dispatch(DispatchWorld.swarm().version(Version.of("v2")).build());
    world.runtime.uptestsPass(p -> !p.version().orElse("").equals("v3"));
    DispatchResult v3 = d.dispatch(DispatchWorld.swarm().version(Version.of("v3")).build());
    assertThat(v3.succeeded()).isFalse();
    world.runtime.uptestsPass(p -> true);
    return List.of(v1, v2, v3);
  }

  @Test
  void releasesListsEveryRunThatRolledAReleaseOutNewestFirst() {
    List<DispatchResult> runs = v1v2FailedV3();
    ReleaseHistory h = d.releases(DispatchWorld.swarm().build().id());
    assertThat(h.records()).extracting(ReleaseRecord::runId)
        .containsExactly(runs.get(2).run().id(), runs.get(1).run().id(), runs.get(0).run().id());
    assertThat(h.records()).extracting(r -> r.version().value()).containsExactly("v3", "v2", "v1");
    assertThat(h.records()).extracting(ReleaseRecord::succeeded).containsExactly(false, true, true);
    assertThat(h.records()).extracting(ReleaseRecord::release)
        .containsExactly(runs.get(2).run().release().orElseThrow(), runs.get(1).run().release().orElseThrow(),
            runs.get(0).run().release().orElseThrow());
    assertThat(h.current().orElseThrow().version().value()).isEqualTo("v2");
    assertThat(h.records().get(2).configDigest()).isNotEqualTo(h.records().get(1).configDigest());
  }

  @Test
  void rollbackGoesToThePreviousSuccessfulReleaseOnItsOwnBuildKeepingTheCurrentScale() {
    List<DispatchResult> runs = v1v2FailedV3();
    // the operator scaled the swarm and gave it a policy since v1: a rollback keeps both
    Swarm scaled = DispatchWorld.swarm().version(Version.of("v2")).size(2)
        .update(UpdatePolicy.builder().maxParallel(io.velociraptor.core.model.ProcCount.of(1)).build()).build();
    dispatch(scaled);
    DispatchResult back = d.rollback(scaled.id(), Optional.empty());
    assertThat(back.succeeded()).as(back.run().failureReason().orElse("")).isTrue();
    assertThat(buildCalls).hasValue(0);
    assertThat(back.run().release()).isEqualTo(runs.get(0).run().release());
    Swarm now = world.store.swarm(scaled.id()).orElseThrow();
    assertThat(now.version()).isEqualTo(Version.of("v1"));
    assertThat(now.env()).isEqualTo(Env.of(Map.of("MODE", "one")));
    assertThat(now.size()).isEqualTo(2);
    assertThat(now.update()).isEqualTo(scaled.update());
    assertThat(world.running()).hasSize(2).allMatch(p -> p.contains("-v1-"));
    assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
    assertThat(back.run().history()).extracting(SwarmRun.Transition::message)
        .anyMatch(m -> m.startsWith("rollback to release " + runs.get(0).run().release().orElseThrow().value())
            && m.contains("run " + runs.get(0).run().id()));
    assertThat(d.releases(scaled.id()).current().orElseThrow().runId()).isEqualTo(back.run().id());
  }

  @Test
  void rollbackToANamedRunOrReleaseDispatchesThatRelease() {
    List<DispatchResult> runs = v1v2FailedV3();
    Swarm swarm = DispatchWorld.swarm().build();
    DispatchResult toV1 = d.rollback(swarm.id(), Optional.of(runs.get(0).run().id()));
    assertThat(toV1.run().release()).isEqualTo(runs.get(0).run().release());
    DispatchResult toV2 = d.rollback(swarm.id(), Optional.of(runs.get(1).run().release().orElseThrow().value()));
    assertThat(toV2.succeeded()).isTrue();
    assertThat(toV2.run().release()).isEqualTo(runs.get(1).run().release());
    assertThat(world.store.swarm(swarm.id()).orElseThrow().version()).isEqualTo(Version.of("v2"));
    assertThat(buildCalls).hasValue(0);
  }

  @Test
  void rollbackToAFailedRunAnUnknownTargetOrWithNoEarlierReleaseIsRefusedNamingTheValue() {
    Swarm swarm = DispatchWorld.swarm().build();
    dispatch(swarm);
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.empty())).isInstanceOf(RollbackRefusedException.class)
        .hasMessageContaining("no earlier successful release").hasMessageContaining("v1");
    List<DispatchResult> runs = v1v2FailedV3();
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.of(runs.get(2).run().id())))
        .isInstanceOf(RollbackRefusedException.class).hasMessageContaining(runs.get(2).run().id()).hasMessageContaining("failed");
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.of("nosuchrun")))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("nosuchrun")
        .hasMessageContaining(runs.get(0).run().id()).hasMessageContaining(runs.get(0).run().release().orElseThrow().value());
    assertThat(world.store.history(swarm.id())).hasSize(4);
  }

  @Test
  void rollbackAfterTheBuildWasDeletedOrRebuiltIsRefusedAndChangesNothing() {
    List<DispatchResult> runs = v1v2FailedV3();
    Swarm swarm = DispatchWorld.swarm().build();
    Set<String> running = world.running();
    Set<PoolMember> pool = world.balancer.members(POOL);
    world.store.deleteBuild(AppName.of("shop"), Version.of("v1"));
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.empty())).isInstanceOf(RollbackRefusedException.class)
        .hasMessageContaining("garbage-collected").hasMessageContaining("never rebuilds").hasMessageContaining("v1");
    world.store.putBuild(build("v1", "9")); // rebuilt: same version, other bytes
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.empty())).isInstanceOf(RollbackRefusedException.class)
        .hasMessageContaining("rebuilt");
    assertThat(buildCalls).hasValue(0);
    assertThat(world.running()).isEqualTo(running);
    assertThat(world.balancer.members(POOL)).isEqualTo(pool);
    assertThat(world.store.history(swarm.id())).hasSize(runs.size());
    assertThat(world.store.swarm(swarm.id()).orElseThrow().version()).isEqualTo(Version.of("v2"));
  }

  @Test
  void aBuildCollectedBetweenTheChoiceAndTheRunFailsThatRunBeforeItBuildsOrTouchesAProc() {
    List<DispatchResult> runs = v1v2FailedV3();
    Set<String> running = world.running();
    // a store whose build of v1 goes the moment the rollback's run begins, as a concurrent gc would do it
    io.velociraptor.core.spi.Store racing = (io.velociraptor.core.spi.Store) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {io.velociraptor.core.spi.Store.class}, (proxy, m, args) -> {
          if (m.getName().equals("tryBeginRun")) {
            world.store.deleteBuild(AppName.of("shop"), Version.of("v1"));
          }
          try {
            return m.invoke(world.store, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (Dispatcher racy = world.dispatcher(world.hosts, world.runtime, racing, world.balancer,
        io.velociraptor.core.store.RunOwners.current())) {
      assertThatThrownBy(() -> racy.rollback(DispatchWorld.swarm().build().id(), Optional.empty()))
          .isInstanceOf(RollbackRefusedException.class).hasMessageContaining("garbage-collected");
    }
    List<SwarmRun> history = world.store.history(DispatchWorld.swarm().build().id());
    assertThat(history).hasSize(runs.size() + 1);
    SwarmRun failed = history.get(history.size() - 1);
    assertThat(failed.state()).isEqualTo(io.velociraptor.core.model.RunState.FAILED);
    assertThat(failed.failureReason().orElseThrow()).contains("garbage-collected");
    assertThat(world.store.activeRun(failed.swarmId())).isEmpty();
    assertThat(world.running()).isEqualTo(running);
    assertThat(buildCalls).hasValue(0);
  }

  @Test
  void rollbackOfAnUnstoredSwarmIsRefusedNamingIt() {
    Swarm swarm = DispatchWorld.swarm().build();
    assertThatThrownBy(() -> d.rollback(swarm.id(), Optional.empty())).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining(swarm.id().value());
  }
}
