package io.velociraptor.core.plan;

import static io.velociraptor.core.model.FleetBuilder.fleet;
import static io.velociraptor.core.model.ProcState.FATAL;
import static io.velociraptor.core.model.ProcState.RUNNING;
import static io.velociraptor.core.plan.PlannerTest.current;
import static io.velociraptor.core.plan.PlannerTest.old;
import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetBuilder;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ImmutableSwarm;
import io.velociraptor.core.model.ImmutableUpdatePolicy;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.testing.Golden;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The staged planner's rules, one scenario each. */
class RolloutPlannerTest {
  /** 6 procs of the old release, two on each of h1, h2, h3 (ports 5000, 5001), all routed. */
  static FleetSnapshot sixOld() {
    return fleet().squad("main", "h1", "h2", "h3")
        .proc("h1", old(5000), RUNNING).proc("h1", old(5001), RUNNING)
        .proc("h2", old(5000), RUNNING).proc("h2", old(5001), RUNNING)
        .proc("h3", old(5000), RUNNING).proc("h3", old(5001), RUNNING)
        .pool("lb", "web_pool", "h1:5000", "h1:5001", "h2:5000", "h2:5001", "h3:5000", "h3:5001")
        .build();
  }

  static RolloutPlan rollout(int size, FleetSnapshot fleet, UnaryOperator<ImmutableUpdatePolicy.Builder> policy) {
    return rollout(s -> s.size(size), fleet, PlanPolicy.defaults(), policy.apply(UpdatePolicy.builder()).build());
  }

  static RolloutPlan rollout(UnaryOperator<ImmutableSwarm.Builder> edit, FleetSnapshot fleet, PlanPolicy policy,
      UpdatePolicy update) {
    return RolloutPlanner.plan(DesiredSwarm.of(edit.apply(PlannerTest.swarm()).build(), ReleaseHash.of(PlannerTest.HASH)),
        fleet, policy, update);
  }

  /** Each wave as {@code +starts -stops in-service peak}. */
  static List<String> shape(RolloutPlan r) {
    return r.waves().stream().map(w -> (w.canary() ? "canary " : "") + "+" + w.plan().starts().size() + " -"
        + w.plan().stops().size() + " in " + w.inService() + " peak " + w.peakProcs()).toList();
  }

  @Nested
  class TheDefaultPolicy {
    @Test
    void givesOneWaveEqualToTheSingleDiff() {
      RolloutPlan r = rollout(6, sixOld(), b -> b);
      assertThat(r.waves()).hasSize(1);
      assertThat(r.waves().get(0).plan()).isEqualTo(r.plan());
      assertThat(r.waves().get(0).peakProcs()).isEqualTo(12);
      assertThat(r.render()).isEqualTo(r.plan().render());
    }

    @Test
    void isTheSwarmsOwnWhenItHasNone() {
      RolloutPlan r = RolloutPlanner.plan(DesiredSwarm.of(PlannerTest.swarm().size(6).build(),
          ReleaseHash.of(PlannerTest.HASH)), sixOld(), PlanPolicy.defaults());
      assertThat(r.update()).isEqualTo(UpdatePolicy.defaults());
      assertThat(r.waves()).hasSize(1);
    }

    @Test
    void aNoopHasNoWave() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), RUNNING)
          .pool("lb", "web_pool", "h1:5000").build();
      RolloutPlan r = rollout(1, fleet, b -> b.maxParallel(ProcCount.of(1)).canary(1));
      assertThat(r.waves()).isEmpty();
      assertThat(r.isNoop()).isTrue();
      assertThat(r.exitCode()).isEqualTo(SwarmPlan.EXIT_NO_CHANGE);
    }

    @Test
    void deletingIsOneWave() {
      RolloutPlan r = rollout(s -> s.size(6), sixOld(), PlanPolicy.deletingSwarm(),
          UpdatePolicy.builder().maxParallel(ProcCount.of(1)).maxSurge(ProcCount.of(1)).build());
      assertThat(shape(r)).containsExactly("+0 -6 in 0 peak 6");
    }
  }

  @Nested
  class MaxParallel {
    @Test
    void startsAtMostThatManyNewProcsAWaveRoundRobinOverHosts() {
      RolloutPlan r = rollout(6, sixOld(), b -> b.maxParallel(ProcCount.of(2)));
      assertThat(shape(r)).containsExactly("+2 -2 in 6 peak 8", "+2 -2 in 6 peak 8", "+2 -2 in 6 peak 8");
      assertThat(PlannerTest.starts(r.waves().get(0).plan())).containsExactly("h1:5002", "h2:5002");
      assertThat(PlannerTest.starts(r.waves().get(1).plan())).containsExactly("h1:5003", "h3:5002");
    }

    @Test
    void aPercentIsOfTheSizeRoundedUp() {
      assertThat(rollout(6, sixOld(), b -> b.maxParallel(ProcCount.percent(40))).waves()).hasSize(2);
      assertThat(rollout(6, sixOld(), b -> b.maxParallel(ProcCount.percent(1))).waves()).hasSize(6);
    }
  }

  @Nested
  class OldProcsStopAfterTheirReplacements {
    @Test
    void eachInServiceOldProcStopsInTheWaveItsReplacementIsStartedAndRouted() {
      RolloutPlan r = rollout(6, sixOld(), b -> b.maxParallel(ProcCount.of(2)));
      Map<ProcRef, Integer> startedIn = new HashMap<>();
      for (Wave w : r.waves()) {
        w.plan().starts().forEach(s -> startedIn.put(s.ref(), w.number()));
      }
      for (Wave w : r.waves()) {
        for (Stop s : w.plan().stops()) {
          assertThat(startedIn.get(s.replacedBy().orElseThrow())).isEqualTo(w.number());
        }
        for (Start s : w.plan().starts()) {
          assertThat(w.plan().routeAdds()).anyMatch(a -> a.proc().equals(java.util.Optional.of(s.ref())));
        }
        for (Stop s : w.plan().stops()) {
          assertThat(w.plan().routeRemoves()).anyMatch(a -> a.proc().equals(java.util.Optional.of(s.ref())));
        }
      }
    }

    @Test
    void procsThatAreNotUpStopInTheFirstWave() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), FATAL)
          .proc("h1", current(5001), FATAL).proc("h1", current(5002), FATAL).build();
      RolloutPlan r = rollout(3, fleet, b -> b.maxParallel(ProcCount.of(1)));
      assertThat(shape(r)).containsExactly("+1 -3 in 1 peak 4", "+1 -0 in 2 peak 2", "+1 -0 in 3 peak 3");
    }

    @Test
    void theWavesEndWhereTheSingleDiffEnds() {
      RolloutPlan r = rollout(6, sixOld(), b -> b.maxParallel(ProcCount.of(4)).canary(1));
      assertThat(r.waves().stream().flatMap(w -> w.plan().starts().stream()).sorted().toList())
          .isEqualTo(r.plan().starts());
      assertThat(r.waves().stream().flatMap(w -> w.plan().stops().stream()).sorted().toList())
          .isEqualTo(r.plan().stops());
      assertThat(r.waves().get(r.waves().size() - 1).plan().keeps()).extracting(Keep::reason)
          .containsOnly(KeepReason.CURRENT);
      assertThat(r.waves().get(1).plan().keeps()).extracting(Keep::reason).contains(KeepReason.CURRENT,
          KeepReason.AWAITING_REPLACEMENT);
    }
  }

  @Nested
  class MaxSurge {
    @Test
    void neverRunsMoreThanSizePlusSurge() {
      RolloutPlan r = rollout(6, sixOld(), b -> b.maxSurge(ProcCount.of(1)));
      assertThat(r.maxProcs()).contains(7);
      assertThat(shape(r)).hasSize(6).allMatch(w -> w.equals("+1 -1 in 6 peak 7"));
    }

    @Test
    void aSwarmAboveItsLimitFirstStopsItsExcessDownToMinInService() {
      // 6 old procs, the swarm now wants 2 of the new release and at most 3 procs
      RolloutPlan r = rollout(2, sixOld(), b -> b.maxSurge(ProcCount.of(1)));
      assertThat(shape(r)).containsExactly("+0 -4 in 2 peak 6", "+1 -1 in 2 peak 3", "+1 -1 in 2 peak 3");
    }
  }

  @Nested
  class MinInService {
    @Test
    void aShrinkStopsItsExcessOnlyDownToMinInService() {
      RolloutPlan r = rollout(3, sixOld(), b -> b.maxParallel(ProcCount.of(1)).minInService(ProcCount.of(3)));
      assertThat(r.minInService()).isEqualTo(3);
      assertThat(shape(r)).containsExactly("+1 -4 in 3 peak 7", "+1 -1 in 3 peak 4", "+1 -1 in 3 peak 4");
    }

    @Test
    void isNeverMoreThanWhatServedBefore() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", old(5000), RUNNING).build();
      RolloutPlan r = rollout(4, fleet, b -> b.maxParallel(ProcCount.of(1)));
      assertThat(r.minInService()).isEqualTo(1);
      assertThat(r.waves()).allMatch(w -> w.inService() >= 1);
      assertThat(shape(r).get(0)).isEqualTo("+1 -1 in 1 peak 2");
    }
  }

  @Nested
  class Canary {
    @Test
    void theFirstWaveStartsTheCanariesBesideTheOldProcsAndStopsNothing() {
      RolloutPlan r = rollout(6, sixOld(), b -> b.canary(1).maxParallel(ProcCount.of(2)));
      assertThat(r.hasCanary()).isTrue();
      assertThat(shape(r)).containsExactly("canary +1 -0 in 7 peak 7", "+2 -3 in 6 peak 9", "+2 -2 in 6 peak 8",
          "+1 -1 in 6 peak 7");
      Wave canary = r.waves().get(0);
      assertThat(canary.plan().routeRemoves()).isEmpty();
      assertThat(canary.plan().routeAdds()).hasSize(1);
    }

    @Test
    void routeChangesTiedToNoProcWaitForTheWaveAfterTheCanary() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", old(5000), RUNNING)
          .proc("h2", old(5000), RUNNING).pool("lb", "web_pool", "h1:5000", "h2:5000", "h9:8080").build();
      RolloutPlan r = rollout(2, fleet, b -> b.canary(1));
      assertThat(r.waves().get(0).plan().routeRemoves()).isEmpty();
      assertThat(r.waves().get(1).plan().routeRemoves()).extracting(RouteChange::reason)
          .contains(RouteReason.NOT_IN_SWARM, RouteReason.STOPPED_PROC);
    }

    @Test
    void aCanaryOfAllTheStartsStillPausesBeforeAnyStop() {
      RolloutPlan r = rollout(6, sixOld(), b -> b.canary(6));
      assertThat(shape(r)).containsExactly("canary +6 -0 in 12 peak 12", "+0 -6 in 6 peak 12");
    }
  }

  @Nested
  class HostsAndPorts {
    @Test
    void unreachableHostsAndForeignProcsAreLeftAsTheSingleDiffLeavesThem() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2", "h3").unreachable("h3", "connection refused")
          .proc("h1", old(5000), RUNNING).proc("h2", old(5000), RUNNING).proc("h3", old(5000), RUNNING)
          .foreign("h1", "postgres", 5001).build();
      RolloutPlan r = rollout(3, fleet, b -> b.maxParallel(ProcCount.of(1)));
      assertThat(r.procsBefore()).isEqualTo(2);
      for (Wave w : r.waves()) {
        assertThat(w.plan().unreachable()).isEqualTo(r.plan().unreachable());
        assertThat(w.plan().stops()).noneMatch(s -> s.host().equals(HostName.of("h3")));
        assertThat(w.plan().stops()).noneMatch(s -> s.name().kind() == io.velociraptor.core.model.ProcName.Kind.FOREIGN);
      }
      assertThat(r.waves().stream().mapToInt(w -> w.plan().starts().size()).sum()).isEqualTo(3);
    }

    @Test
    void peakPortsCountEveryHeldPortOfTheRangeAtTheWavesPeak() {
      FleetBuilder b = fleet().squad("main", "h1").range("h1", 5000, 5006)
          .proc("h1", old(5000), RUNNING).proc("h1", old(5001), RUNNING).foreign("h1", "postgres", 5002).lock("h1", 5003);
      RolloutPlan r = rollout(2, b.build(), p -> p.maxParallel(ProcCount.of(1)));
      // wave 1 starts on 5004 beside 5000, 5001, postgres and the lock; wave 2 starts on 5005 after 5000 stopped
      assertThat(r.waves()).extracting(w -> w.peakPorts().toString()).containsExactly("[5/6 on h1]", "[5/6 on h1]");
      assertThat(r.waves().get(0).fullestHost().orElseThrow().used()).isEqualTo(5);
    }
  }

  @Test
  void aOnePerHostSwarmRollsHostByHost() {
    FleetSnapshot fleet = fleet().squad("main", "h1", "h2", "h3").proc("h1", old(5000), RUNNING)
        .proc("h2", old(5000), RUNNING).proc("h3", old(5000), RUNNING).build();
    RolloutPlan r = rollout(s -> s.onePerHost(true).pool(java.util.Optional.empty()).balancer(java.util.Optional.empty()),
        fleet, PlanPolicy.defaults(), UpdatePolicy.builder().maxParallel(ProcCount.of(1)).canary(5).build());
    assertThat(shape(r)).containsExactly("canary +3 -0 in 6 peak 6", "+0 -3 in 3 peak 6");
  }

  @Nested
  class Output {
    static RolloutPlan example() {
      return rollout(6, sixOld(), b -> b.canary(1).maxParallel(ProcCount.of(2)).maxSurge(ProcCount.percent(50))
          .minHealthySeconds(10).drainSeconds(5));
    }

    @Test
    void rendersTheWavesAsTheGoldenText() {
      Golden.assertMatches("rollout_canary.txt", example().render());
    }

    @Test
    void writesTheGoldenJsonAndReadsItBack() {
      Golden.assertMatches("rollout_canary.json", VrJson.writeJson(example()) + "\n");
      assertThat(VrJson.readJson(Golden.read("rollout_canary.json"), RolloutPlan.class)).isEqualTo(example());
    }
  }
}
