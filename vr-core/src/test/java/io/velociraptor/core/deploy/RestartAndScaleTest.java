package io.velociraptor.core.deploy;

import static io.velociraptor.core.deploy.DispatchWorld.POOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.StartReason;
import io.velociraptor.core.plan.StopReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** vr restart and vr scale through the Java API, on the in-memory doubles. */
class RestartAndScaleTest {
  private static final SwarmId ID = DispatchWorld.swarm().build().id();

  private static String hashOf(String hostAndName) {
    return ((ProcName.Ours) ProcName.parse(hostAndName.split("/", 2)[1])).hash().value();
  }

  private static String hostOf(String hostAndName) {
    return hostAndName.split("/", 2)[0];
  }

  @Test
  void restartReplacesEveryProcByOneOfTheSameReleaseOnAFreshPortOfItsHostAndBuildsNothing() {
    try (DispatchWorld world = new DispatchWorld(); Dispatcher d = world.dispatcher()) {
      DispatchResult first = d.dispatch(DispatchWorld.swarm().build());
      assertThat(first.succeeded()).isTrue();
      Set<String> before = world.running();
      int builds = world.store.builds(AppName.of("shop")).size();
      world.events.clear();

      DispatchResult restart = d.restart(ID);

      assertThat(restart.succeeded()).as(restart.run().failureReason().orElse("")).isTrue();
      assertThat(restart.confirmed()).isTrue();
      Set<String> after = world.running();
      assertThat(after).hasSize(3).doesNotContainAnyElementsOf(before);
      assertThat(after.stream().map(RestartAndScaleTest::hashOf)).containsOnly(hashOf(before.iterator().next()));
      assertThat(after.stream().map(RestartAndScaleTest::hostOf)).containsExactly("h1", "h2", "h3");
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());
      assertThat(restart.run().release()).isEqualTo(first.run().release());
      assertThat(world.store.builds(AppName.of("shop"))).hasSize(builds);
      assertThat(world.events).noneMatch(e -> e instanceof DispatchEvent.BuildStarted);
      assertThat(restart.plan().orElseThrow().starts()).allMatch(s -> s.reason() == StartReason.RESTART);
      assertThat(restart.plan().orElseThrow().stops()).allMatch(s -> s.reason() == StopReason.RESTARTED);
      assertThat(world.events).filteredOn(e -> e instanceof DispatchEvent.Planned).singleElement()
          .satisfies(e -> assertThat(((DispatchEvent.Planned) e).summary()).startsWith("restart: "));
      assertThat(restart.run().history().get(restart.run().history().size() - 1).message()).startsWith("restart: ");
      assertThat(d.plan(DispatchWorld.swarm().build()).isNoop()).isTrue();
    }
  }

  @Test
  void restartWithMaxParallelOneRollsInWavesStoppingEachOldProcOnlyAfterItsReplacementServes() {
    try (DispatchWorld world = new DispatchWorld(); Dispatcher d = world.dispatcher()) {
      Swarm swarm = DispatchWorld.swarm()
          .update(UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).build()).build();
      assertThat(d.dispatch(swarm).succeeded()).isTrue();
      Set<String> before = world.running();
      DispatchWorld.Bounds bounds = new DispatchWorld.Bounds();
      List<String> order = new ArrayList<>();
      d.addListener(e -> {
        bounds.sample(world);
        if (e instanceof DispatchEvent.Routed r) {
          order.add("routed " + r.member());
        } else if (e instanceof DispatchEvent.ProcStopped s) {
          order.add("stopped " + s.host() + ":" + ProcName.parse(s.proc()).port().orElseThrow());
        }
      });

      DispatchResult restart = d.restart(ID);

      assertThat(restart.succeeded()).as(restart.run().failureReason().orElse("")).isTrue();
      assertThat(restart.run().steps().stream().filter(s -> s.name().equals("wave")).map(s -> s.target().orElse("")))
          .containsExactly("1/3", "2/3", "3/3");
      assertThat(bounds.minInService).isEqualTo(3);
      assertThat(bounds.maxProcs).isEqualTo(4);
      assertThat(order).containsExactly("routed h1:5001", "stopped h1:5000", "routed h2:5001", "stopped h2:5000",
          "routed h3:5001", "stopped h3:5000");
      assertThat(world.running()).hasSize(3).doesNotContainAnyElementsOf(before);
    }
  }

  @Test
  void restartRefusesASwarmThatIsNotStoredOrNeverSucceededOrWhoseBuildIsGone() {
    try (DispatchWorld world = new DispatchWorld(); Dispatcher d = world.dispatcher()) {
      assertThatThrownBy(() -> d.restart(SwarmId.of("nosuchzz"))).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining("nosuchzz").hasMessageContaining("not a stored swarm");
      world.store.putSwarm(DispatchWorld.swarm().build());
      assertThatThrownBy(() -> d.restart(ID)).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining("shop-prod-web").hasMessageContaining("no successful release");
      assertThat(d.dispatch(DispatchWorld.swarm().build()).succeeded()).isTrue();
      world.store.deleteBuild(AppName.of("shop"), Version.of("v1"));
      assertThatThrownBy(() -> d.restart(ID)).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining("shop-prod-web").hasMessageContaining("build of shop v1 is gone");
      assertThat(world.store.history(ID)).extracting(r -> r.state()).containsOnly(RunState.DONE);
    }
  }

  @Test
  void scaleUpKeepsTheProcsThereAreAndScaleDownStopsTheExcess() {
    try (DispatchWorld world = new DispatchWorld(); Dispatcher d = world.dispatcher()) {
      assertThat(d.dispatch(DispatchWorld.swarm().build()).succeeded()).isTrue();
      Set<String> three = world.running();

      DispatchResult up = d.scale(ID, 5);
      assertThat(up.succeeded()).isTrue();
      assertThat(world.running()).hasSize(5).containsAll(three);
      assertThat(world.store.swarm(ID).orElseThrow().size()).isEqualTo(5);

      DispatchResult down = d.scale(ID, 1);
      assertThat(down.succeeded()).isTrue();
      assertThat(world.running()).hasSize(1);
      assertThat(world.store.swarm(ID).orElseThrow().size()).isEqualTo(1);
      assertThat(world.balancer.members(POOL)).isEqualTo(world.runningMembers());

      DispatchResult same = d.scale(ID, 1);
      assertThat(same.succeeded()).isTrue();
      assertThat(same.plan().orElseThrow().isNoop()).isTrue();
    }
  }

  @Test
  void scaleRefusesABadSizeNamingIt() {
    try (DispatchWorld world = new DispatchWorld(); Dispatcher d = world.dispatcher()) {
      assertThatThrownBy(() -> d.scale(ID, 2)).isInstanceOf(InvalidValueException.class).hasMessageContaining(ID.value());
      Swarm canaries = DispatchWorld.swarm().update(UpdatePolicy.builder().canary(2).build()).build();
      world.store.putSwarm(canaries);
      assertThatThrownBy(() -> d.scale(ID, -1)).isInstanceOf(InvalidValueException.class).hasMessageContaining("-1");
      assertThatThrownBy(() -> d.scale(ID, Swarm.MAX_SIZE + 1)).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining(String.valueOf(Swarm.MAX_SIZE + 1));
      assertThatThrownBy(() -> d.scale(ID, 1)).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining("update.canary").hasMessageContaining("size 1");
      world.store.putSwarm(DispatchWorld.swarm().onePerHost(true).build());
      assertThatThrownBy(() -> d.scale(ID, 2)).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining("one proc per host");
      assertThat(world.store.history(ID)).isEmpty();
    }
  }
}
