package io.velociraptor.core.plan;

import static io.velociraptor.core.model.ProcState.EXITED;
import static io.velociraptor.core.model.ProcState.FATAL;
import static io.velociraptor.core.model.ProcState.RUNNING;
import static io.velociraptor.core.model.ProcState.STOPPED;
import static io.velociraptor.core.model.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ImmutableSwarm;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The planner's rules, one readable scenario each. */
class PlannerTest {
  static final String ID = "abcdefgh";
  static final String HASH = "0123456789ab";
  static final String OLD = "ba9876543210";

  /** A program name of the desired swarm: app shop, config prod, proc web. */
  static String name(String version, String hash, int port) {
    return "shop-" + version + "-prod-" + hash + "-web-" + port + "-" + ID;
  }

  static String current(int port) {
    return name("v2", HASH, port);
  }

  static String old(int port) {
    return name("v1", OLD, port);
  }

  static ImmutableSwarm.Builder swarm() {
    return Swarm.builder().id(SwarmId.of(ID)).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).version(Version.of("v2"))
        .pool(PoolName.of("web_pool")).balancer(BalancerName.of("lb"));
  }

  static SwarmPlan plan(int size, FleetSnapshot fleet) {
    return plan(s -> s.size(size), fleet, PlanPolicy.defaults());
  }

  static SwarmPlan plan(UnaryOperator<ImmutableSwarm.Builder> edit, FleetSnapshot fleet, PlanPolicy policy) {
    return Planner.plan(DesiredSwarm.of(edit.apply(swarm()).build(), ReleaseHash.of(HASH)), fleet, policy);
  }

  static List<String> starts(SwarmPlan plan) {
    return plan.starts().stream().map(s -> s.host() + ":" + s.port()).toList();
  }

  static List<String> stops(SwarmPlan plan) {
    return plan.stops().stream().map(s -> s.host() + "/" + s.name() + " " + s.reason()).toList();
  }

  static List<String> keeps(SwarmPlan plan) {
    return plan.keeps().stream().map(k -> k.host() + "/" + k.name() + " " + k.reason()).toList();
  }

  static ProcRef ref(String host, String name) {
    return ProcRef.of(HostName.of(host), ProcName.parse(name));
  }

  @Nested
  class FillingToSize {
    @Test
    void startsMissingProcsOnTheLeastLoadedHostsWithTheLowestFreePorts() {
      SwarmPlan plan = plan(3, fleet().squad("main", "h1", "h2").build());
      assertThat(starts(plan)).containsExactly("h1:5000", "h1:5001", "h2:5000");
      assertThat(plan.starts()).allMatch(s -> s.reason() == StartReason.MISSING && s.replaces().isEmpty());
      assertThat(plan.starts().get(0).name().format()).isEqualTo(current(5000));
      assertThat(plan.stops()).isEmpty();
    }

    @Test
    void keepsCurrentProcsAndPlansNothingWhenTheSwarmIsWhole() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", current(5000), RUNNING)
          .proc("h2", current(5000), RUNNING).pool("lb", "web_pool", "h1:5000", "h2:5000").build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(plan.isNoop()).isTrue();
      assertThat(plan.exitCode()).isEqualTo(SwarmPlan.EXIT_NO_CHANGE);
      assertThat(keeps(plan)).containsExactly("h1/" + current(5000) + " CURRENT", "h2/" + current(5000) + " CURRENT");
      assertThat(plan.render()).contains("No changes.");
    }

    @Test
    void placesOnTheHostWithFewestProcsOfThisSwarmThenFewestProcsOverallThenByName() {
      FleetSnapshot fleet = fleet().squad("main", "a", "b", "c")
          .proc("a", current(5000), RUNNING)
          .proc("b", "other-v1-prod-" + OLD + "-web-5000-bbbbbbbb", RUNNING)
          .build();
      SwarmPlan plan = plan(3, fleet);
      // c has no procs at all, b has one of another swarm, a has one of this swarm: c, then b
      assertThat(starts(plan)).containsExactly("b:5001", "c:5000");
    }

    @Test
    void stopsExcessProcsFromTheBusiestHostFirst() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2")
          .proc("h1", current(5000), RUNNING).proc("h1", current(5001), RUNNING).proc("h1", current(5002), RUNNING)
          .proc("h2", current(5000), RUNNING).build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(stops(plan)).containsExactly("h1/" + current(5001) + " EXCESS", "h1/" + current(5002) + " EXCESS");
      assertThat(plan.starts()).isEmpty();
      assertThat(plan.stops()).allMatch(s -> s.replacedBy().isEmpty());
    }

    @Test
    void drainsInactiveHostsFirstWhenShrinkingButKeepsTheirProcsOtherwise() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").inactive("h2")
          .proc("h1", current(5000), RUNNING).proc("h2", current(5000), RUNNING).build();
      assertThat(plan(2, fleet).isNoop()).isTrue();
      assertThat(stops(plan(1, fleet))).containsExactly("h2/" + current(5000) + " EXCESS");
    }

    @Test
    void neverPlacesOnAnInactiveHost() {
      SwarmPlan plan = plan(2, fleet().squad("main", "h1", "h2").inactive("h1").build());
      assertThat(starts(plan)).containsExactly("h2:5000", "h2:5001");
    }

    @Test
    void resizedToZeroStopsEveryProcAndEmptiesThePool() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), RUNNING)
          .proc("h1", old(5001), RUNNING).pool("lb", "web_pool", "h1:5000", "h1:5001").build();
      SwarmPlan plan = plan(0, fleet);
      assertThat(stops(plan)).containsExactlyInAnyOrder("h1/" + current(5000) + " EXCESS", "h1/" + old(5001) + " OLD_RELEASE");
      assertThat(plan.routeRemoves()).extracting(r -> r.member().format()).containsExactly("h1:5000", "h1:5001");
      assertThat(plan.starts()).isEmpty();
    }
  }

  @Nested
  class ChangingRelease {
    @Test
    void startsOneReplacementPerOldProcAndStopsEachOldProcPairedWithIt() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", old(5000), RUNNING)
          .proc("h2", old(5000), RUNNING).pool("lb", "web_pool", "h1:5000", "h2:5000").build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(starts(plan)).containsExactly("h1:5001", "h2:5001");
      assertThat(plan.starts()).allMatch(s -> s.reason() == StartReason.REPLACEMENT);
      assertThat(plan.starts().get(0).replaces()).contains(ref("h1", old(5000)));
      assertThat(stops(plan)).containsExactly("h1/" + old(5000) + " OLD_RELEASE", "h2/" + old(5000) + " OLD_RELEASE");
      assertThat(plan.stops().get(0).replacedBy()).contains(plan.starts().get(0).ref());
      assertThat(plan.stops().get(0).detail()).isEqualTo("release " + OLD + ", now " + HASH + "; version v1, now v2");
      assertThat(plan.replacements()).hasSize(2).containsEntry(ref("h2", old(5000)), plan.starts().get(1));
      assertThat(plan.routeAdds()).extracting(r -> r.member().format()).containsExactly("h1:5001", "h2:5001");
      assertThat(plan.routeRemoves()).extracting(r -> r.member() + " " + r.reason())
          .containsExactly("h1:5000 STOPPED_PROC", "h2:5000 STOPPED_PROC");
    }

    @Test
    void treatsANewVersionWithTheSameHashAsANewRelease() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", name("v1", HASH, 5000), RUNNING).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(stops(plan)).containsExactly("h1/" + name("v1", HASH, 5000) + " OLD_RELEASE");
      assertThat(plan.stops().get(0).detail()).isEqualTo("version v1, now v2");
      assertThat(starts(plan)).containsExactly("h1:5001");
    }

    @Test
    void comparesTheVersionByItsNameForm() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", name("release_1.0", HASH, 5000), RUNNING).build();
      SwarmPlan plan = plan(s -> s.size(1).version(Version.of("release-1.0")).pool(Optional.empty()),
          fleet, PlanPolicy.defaults());
      assertThat(plan.isNoop()).isTrue();
    }

    @Test
    void shrinkingAndChangingReleaseAtOnceReplacesOnlyWhatTheSwarmStillWants() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", old(5000), RUNNING).proc("h1", old(5001), RUNNING)
          .proc("h1", old(5002), RUNNING).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(starts(plan)).containsExactly("h1:5003");
      assertThat(plan.stops()).hasSize(3);
      assertThat(plan.stops().stream().filter(s -> s.replacedBy().isPresent())).hasSize(1);
    }

    @Test
    void stopsACurrentProcThatIsNotUpAsFailedAndReplacesIt() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), FATAL)
          .proc("h1", current(5001), RUNNING).build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(stops(plan)).containsExactly("h1/" + current(5000) + " FAILED");
      assertThat(plan.stops().get(0).detail()).contains("FATAL");
      assertThat(plan.starts()).singleElement().satisfies(s -> {
        assertThat(s.port().value()).isEqualTo(5002);
        assertThat(s.replaces()).contains(ref("h1", current(5000)));
      });
      assertThat(keeps(plan)).containsExactly("h1/" + current(5001) + " CURRENT");
    }

    @Test
    void countsStoppedAndExitedCurrentProcsAsFailedToo() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), STOPPED)
          .proc("h1", current(5001), EXITED).build();
      assertThat(plan(2, fleet).stops()).extracting(Stop::reason).containsOnly(StopReason.FAILED);
      assertThat(plan(2, fleet).starts()).hasSize(2);
    }
  }

  /** The original's "defunct procs" caveat, row by row: each identity change retires the old procs. */
  @Nested
  class Restarting {
    final FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", current(5000), RUNNING)
        .proc("h2", current(5000), RUNNING).pool("lb", "web_pool", "h1:5000", "h2:5000").build();

    @Test
    void replacesEachRestartedCurrentProcOnAFreshPortOfItsHostPairedLikeAReleaseChange() {
      SwarmPlan plan = plan(s -> s.size(2), fleet,
          PlanPolicy.restarting(List.of(ref("h1", current(5000)), ref("h2", current(5000)))));
      assertThat(starts(plan)).containsExactly("h1:5001", "h2:5001");
      assertThat(plan.starts()).allMatch(s -> s.reason() == StartReason.RESTART && s.name().hash().value().equals(HASH));
      assertThat(plan.starts().get(0).replaces()).contains(ref("h1", current(5000)));
      assertThat(stops(plan)).containsExactly("h1/" + current(5000) + " RESTARTED", "h2/" + current(5000) + " RESTARTED");
      assertThat(plan.stops().get(1).replacedBy()).contains(plan.starts().get(1).ref());
      assertThat(plan.keeps()).isEmpty();
      assertThat(plan.routeAdds()).extracting(r -> r.member().format()).containsExactly("h1:5001", "h2:5001");
      assertThat(plan.routeRemoves()).extracting(r -> r.member() + " " + r.reason())
          .containsExactly("h1:5000 STOPPED_PROC", "h2:5000 STOPPED_PROC");
      assertThat(plan.render()).contains("restart");
    }

    @Test
    void restartsOnlyTheProcsItNamesAndKeepsTheOthers() {
      SwarmPlan plan = plan(s -> s.size(2), fleet, PlanPolicy.restarting(List.of(ref("h2", current(5000)))));
      assertThat(starts(plan)).containsExactly("h2:5001");
      assertThat(keeps(plan)).containsExactly("h1/" + current(5000) + " CURRENT");
      assertThat(stops(plan)).containsExactly("h2/" + current(5000) + " RESTARTED");
    }

    @Test
    void aNamedProcThatIsNoLongerCurrentIsPlannedAsWithoutThePolicy() {
      SwarmPlan restarted = plan(s -> s.size(2), fleet, PlanPolicy.restarting(List.of(ref("h1", old(5000)),
          ref("h9", current(5000)))));
      assertThat(restarted.isNoop()).isTrue();
    }

    @Test
    void keepsARestartedProcServingWhileItsReplacementHasNoPort() {
      FleetSnapshot full = fleet().squad("main", "h1").range("h1", 5000, 5001).proc("h1", current(5000), RUNNING).build();
      SwarmPlan plan = plan(s -> s.size(1).pool(Optional.empty()), full,
          PlanPolicy.restarting(List.of(ref("h1", current(5000)))));
      assertThat(plan.starts()).isEmpty();
      assertThat(keeps(plan)).containsExactly("h1/" + current(5000) + " AWAITING_REPLACEMENT");
      assertThat(plan.unplaced()).extracting(Unplaced::reason).containsExactly(UnplacedReason.PORTS_EXHAUSTED);
    }

    @Test
    void restartsAOnePerHostSwarmHostByHost() {
      SwarmPlan plan = plan(s -> s.onePerHost(true), fleet, PlanPolicy.restarting(List.of(ref("h1", current(5000)))));
      assertThat(starts(plan)).containsExactly("h1:5001");
      assertThat(plan.starts().get(0).reason()).isEqualTo(StartReason.RESTART);
      assertThat(stops(plan)).containsExactly("h1/" + current(5000) + " RESTARTED");
      assertThat(keeps(plan)).containsExactly("h2/" + current(5000) + " CURRENT");
    }

    @Test
    void aShrinkDuringARestartStopsTheExcessAsExcess() {
      SwarmPlan plan = plan(s -> s.size(1), fleet,
          PlanPolicy.restarting(List.of(ref("h1", current(5000)), ref("h2", current(5000)))));
      assertThat(plan.starts()).hasSize(1);
      assertThat(plan.stops()).extracting(Stop::reason).containsExactlyInAnyOrder(StopReason.EXCESS, StopReason.RESTARTED);
    }

    @Test
    void aDeletingPolicyRestartsNothing() {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PlanPolicy.builder().deleting(true)
              .addRestart(ref("h1", current(5000))).build())
          .isInstanceOf(io.velociraptor.core.model.InvalidValueException.class).hasMessageContaining(current(5000));
    }
  }

  @Nested
  class ChangingIdentity {
    @Test
    void retiresProcsOfTheOldAppNameAsThePreviousManifestation() {
      String before = "oldshop-v2-prod-" + HASH + "-web-5000-" + ID;
      assertRetired(before, "app oldshop, now shop");
    }

    @Test
    void retiresProcsOfTheOldProcNameAsThePreviousManifestation() {
      String before = "shop-v2-prod-" + HASH + "-www-5000-" + ID;
      assertRetired(before, "proc www, now web");
    }

    @Test
    void retiresProcsOfTheOldConfigNameAsThePreviousManifestation() {
      String before = "shop-v2-staging-" + HASH + "-web-5000-" + ID;
      assertRetired(before, "config staging, now prod");
    }

    @Test
    void retiresProcsLeftOnTheOldSquadAsThePreviousManifestation() {
      FleetSnapshot fleet = fleet().squad("main", "h1").squad("edge", "e1").proc("e1", current(5000), RUNNING)
          .pool("lb", "web_pool", "e1:5000").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(stops(plan)).containsExactly("e1/" + current(5000) + " PREVIOUS_MANIFESTATION");
      assertThat(plan.stops().get(0).detail()).isEqualTo("host e1 is not in squad main");
      assertThat(plan.starts()).singleElement().satisfies(s -> {
        assertThat(s.host()).isEqualTo(HostName.of("h1"));
        assertThat(s.replaces()).contains(ref("e1", current(5000)));
      });
      assertThat(plan.routeRemoves()).extracting(r -> r.member() + " " + r.reason()).containsExactly("e1:5000 STOPPED_PROC");
    }

    @Test
    void removesTheProcsOfARenamedPoolFromTheOldPool() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), RUNNING)
          .pool("lb", "old_pool", "h1:5000", "h9:7000").pool("lb", "web_pool", "h1:5000").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.routeRemoves()).singleElement().satisfies(r -> {
        assertThat(r.pool().toString()).isEqualTo("lb/old_pool");
        assertThat(r.member().format()).isEqualTo("h1:5000");
        assertThat(r.reason()).isEqualTo(RouteReason.PREVIOUS_POOL);
      });
      assertThat(plan.starts()).isEmpty();
    }

    @Test
    void leavesAnotherSwarmWithTheSameAppConfigAndProcAlone() {
      FleetSnapshot fleet = fleet().squad("main", "h1")
          .proc("h1", "shop-v1-prod-" + OLD + "-web-5000-zzzzzzzz", RUNNING).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.stops()).isEmpty();
      assertThat(starts(plan)).containsExactly("h1:5001");
    }

    private void assertRetired(String before, String detail) {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", before, RUNNING).pool("lb", "web_pool", "h1:5000").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(stops(plan)).containsExactly("h1/" + before + " PREVIOUS_MANIFESTATION");
      assertThat(plan.stops().get(0).detail()).isEqualTo(detail);
      assertThat(plan.stops().get(0).replacedBy()).contains(ref("h1", current(5001)));
      assertThat(starts(plan)).containsExactly("h1:5001");
      assertThat(plan.routeAdds()).extracting(r -> r.member().format()).containsExactly("h1:5001");
      assertThat(plan.routeRemoves()).extracting(r -> r.member().format()).containsExactly("h1:5000");
    }
  }

  @Nested
  class Deleting {
    @Test
    void retiresEveryProcOfTheSwarmWhateverItsStateOrIdentityAndEmptiesThePool() {
      FleetSnapshot fleet = fleet().squad("main", "h1").squad("edge", "e1")
          .proc("h1", current(5000), RUNNING).proc("h1", old(5001), FATAL)
          .proc("e1", "oldshop-v2-prod-" + HASH + "-web-5000-" + ID, RUNNING)
          .proc("h1", "nginx", RUNNING)
          .pool("lb", "web_pool", "h1:5000", "h7:9000").build();
      SwarmPlan plan = plan(s -> s.size(3), fleet, PlanPolicy.deletingSwarm());
      assertThat(plan.stops()).hasSize(3).allMatch(s -> s.reason() == StopReason.SWARM_DELETED);
      assertThat(plan.starts()).isEmpty();
      assertThat(plan.keeps()).isEmpty();
      assertThat(plan.target()).isZero();
      assertThat(plan.routeRemoves()).extracting(r -> r.member().format()).containsExactly("h1:5000", "h7:9000");
    }
  }

  @Nested
  class LegacyProcs {
    static final String LEGACY_CURRENT = "shop-v2-prod-0a1b2c3d-web-5000";
    static final String LEGACY_OLD = "shop-v1-prod-99999999-web-5001";

    @Test
    void adoptsALegacyProcOfTheCurrentReleaseAsCurrent() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", LEGACY_CURRENT, RUNNING).build();
      SwarmPlan plan = Planner.plan(DesiredSwarm.of(swarm().size(1).pool(Optional.empty()).build(),
          ReleaseHash.of("0a1b2c3d")), fleet);
      assertThat(plan.isNoop()).isTrue();
      assertThat(keeps(plan)).containsExactly("h1/" + LEGACY_CURRENT + " CURRENT");
    }

    @Test
    void replacesALegacyProcOfAnotherReleaseLikeAnyOldProc() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", LEGACY_OLD, RUNNING).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(stops(plan)).containsExactly("h1/" + LEGACY_OLD + " OLD_RELEASE");
      assertThat(plan.starts()).singleElement().satisfies(s -> assertThat(s.replaces()).contains(ref("h1", LEGACY_OLD)));
    }

    @Test
    void leavesLegacyProcsOfAnotherAppConfigProcOrSquadAloneButCountsTheirPorts() {
      FleetSnapshot fleet = fleet().squad("main", "h1").squad("edge", "e1")
          .proc("h1", "shop-v1-staging-99999999-web-5000", RUNNING)
          .proc("h1", "shop-v1-prod-99999999-worker-5001", RUNNING)
          .proc("h1", "mall-v1-prod-99999999-web-5002", RUNNING)
          .proc("e1", LEGACY_OLD, RUNNING).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.stops()).isEmpty();
      assertThat(starts(plan)).containsExactly("h1:5003");
    }
  }

  @Nested
  class OnePerHost {
    @Test
    void runsExactlyOneProcOnEveryReachableActiveHostOfTheSquad() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2", "h3", "h4").inactive("h3")
          .unreachable("h4", "connection refused")
          .proc("h1", current(5000), RUNNING).proc("h1", current(5001), RUNNING)
          .proc("h3", current(5000), RUNNING).build();
      SwarmPlan plan = plan(s -> s.onePerHost(true).size(0).pool(Optional.empty()), fleet, PlanPolicy.defaults());
      assertThat(plan.target()).isEqualTo(2);
      assertThat(starts(plan)).containsExactly("h2:5000");
      assertThat(keeps(plan)).containsExactly("h1/" + current(5000) + " CURRENT");
      assertThat(stops(plan)).containsExactly("h1/" + current(5001) + " EXCESS", "h3/" + current(5000) + " EXCESS");
      assertThat(plan.stops().get(1).detail()).isEqualTo("one per host: h3 is inactive");
      assertThat(plan.unreachable()).singleElement().satisfies(u -> {
        assertThat(u.host()).isEqualTo(HostName.of("h4"));
        assertThat(u.inSquad()).isTrue();
      });
      assertThat(plan.routeAdds()).isEmpty();
    }

    @Test
    void replacesEachHostsOldWorkerOnThatSameHost() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", old(5000), RUNNING)
          .proc("h2", old(5000), RUNNING).build();
      SwarmPlan plan = plan(s -> s.onePerHost(true), fleet, PlanPolicy.defaults());
      assertThat(plan.starts()).hasSize(2).allSatisfy(s -> assertThat(s.replaces().get().host()).isEqualTo(s.host()));
    }

    @Test
    void reportsAHostWithoutFreePortsAsUnplacedOnThatHost() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").range("h2", 5000, 5001).foreign("h2", "redis", 5000).build();
      SwarmPlan plan = plan(s -> s.onePerHost(true), fleet, PlanPolicy.defaults());
      assertThat(starts(plan)).containsExactly("h1:5000");
      assertThat(plan.unplaced()).singleElement().satisfies(u -> {
        assertThat(u.host()).contains(HostName.of("h2"));
        assertThat(u.reason()).isEqualTo(UnplacedReason.PORTS_EXHAUSTED);
      });
    }
  }

  @Nested
  class OnePerHostStarved {
    @Test
    void keepsTheOldWorkerServingOnAHostWhoseReplacementHasNoPort() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").squad("edge", "e1").range("h2", 5000, 5001)
          .proc("h2", old(5000), RUNNING)
          .proc("e1", "oldshop-v2-prod-" + HASH + "-web-5000-" + ID, RUNNING)
          .build();
      SwarmPlan plan = plan(s -> s.onePerHost(true).pool(Optional.empty()), fleet, PlanPolicy.defaults());
      assertThat(starts(plan)).containsExactly("h1:5000");
      assertThat(keeps(plan)).containsExactly("h2/" + old(5000) + " AWAITING_REPLACEMENT");
      assertThat(plan.stops()).singleElement().satisfies(s -> {
        assertThat(s.host()).isEqualTo(HostName.of("e1"));
        assertThat(s.replacedBy()).contains(ref("h1", current(5000)));
      });
    }
  }

  @Nested
  class ForeignProcsAndPorts {
    @Test
    void neverListsForeignProcsButNeverReusesTheirPorts() {
      FleetSnapshot fleet = fleet().squad("main", "h1").foreign("h1", "postgres", 5000)
          .proc("h1", "some random program", RUNNING).proc("h1", "cron-job", FATAL).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(starts(plan)).containsExactly("h1:5001");
      assertThat(plan.stops()).isEmpty();
      assertThat(plan.keeps()).isEmpty();
      assertThat(plan.render()).doesNotContain("postgres", "cron-job", "random");
    }

    @Test
    void skipsPortsOfStoppedProcsOfOtherSwarmsAndHeldLocksAndEarlierStarts() {
      FleetSnapshot fleet = fleet().squad("main", "h1")
          .proc("h1", "other-v1-prod-" + OLD + "-web-5000-bbbbbbbb", STOPPED)
          .proc("h1", "mall-v1-prod-99999999-web-5001", EXITED)
          .lock("h1", 5002).lock("h1", 5004).build();
      SwarmPlan plan = plan(3, fleet);
      assertThat(starts(plan)).containsExactly("h1:5003", "h1:5005", "h1:5006");
    }

    @Test
    void usesEachHostsOwnRangeAndIgnoresPortsOutsideIt() {
      FleetSnapshot fleet = fleet().squad("main", "h1").range("h1", 8000, 8010).foreign("h1", "x", 5000).build();
      assertThat(starts(plan(1, fleet))).containsExactly("h1:8000");
    }

    @Test
    void reportsExhaustedPortsAsUnplacedAndKeepsTheOldProcServing() {
      FleetSnapshot fleet = fleet().squad("main", "h1").range("h1", 5000, 5002)
          .proc("h1", old(5000), RUNNING).proc("h1", old(5001), RUNNING).build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(plan.starts()).isEmpty();
      assertThat(plan.stops()).isEmpty();
      assertThat(keeps(plan)).containsExactly("h1/" + old(5000) + " AWAITING_REPLACEMENT",
          "h1/" + old(5001) + " AWAITING_REPLACEMENT");
      assertThat(plan.unplaced()).singleElement().satisfies(u -> {
        assertThat(u.count()).isEqualTo(2);
        assertThat(u.reason()).isEqualTo(UnplacedReason.PORTS_EXHAUSTED);
        assertThat(u.detail()).contains("squad main");
      });
    }

    @Test
    void placesWhatFitsAndKeepsOnlyAsManyOldProcsAsAreUnplaced() {
      FleetSnapshot fleet = fleet().squad("main", "h1").range("h1", 5000, 5003)
          .proc("h1", old(5000), RUNNING).proc("h1", old(5001), RUNNING).build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(starts(plan)).containsExactly("h1:5002");
      assertThat(plan.stops()).singleElement().satisfies(s -> assertThat(s.replacedBy()).isPresent());
      assertThat(plan.keeps()).singleElement().satisfies(k -> assertThat(k.reason()).isEqualTo(KeepReason.AWAITING_REPLACEMENT));
      assertThat(plan.summary().unplaced()).isEqualTo(1);
    }
  }

  @Nested
  class Hosts {
    @Test
    void neitherCountsNorStopsProcsOnAnUnreachableHostAndPlacesTheirReplacementsElsewhere() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", current(5000), RUNNING)
          .proc("h2", old(5000), RUNNING).unreachable("h1", "connect timed out after 10s").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(starts(plan)).containsExactly("h2:5001");
      assertThat(stops(plan)).containsExactly("h2/" + old(5000) + " OLD_RELEASE");
      assertThat(plan.unreachable()).singleElement().satisfies(u -> {
        assertThat(u.reason()).isEqualTo("connect timed out after 10s");
        assertThat(u.procs()).containsExactly(ProcName.parse(current(5000)));
      });
      assertThat(plan.render()).contains("?   unreachable h1 (in squad): connect timed out after 10s; not counted, not stopped");
    }

    @Test
    void reportsAnUnreachableHostOutsideTheSquadOnlyWhenItHoldsProcsOfTheSwarm() {
      FleetSnapshot fleet = fleet().squad("main", "h1").squad("edge", "e1", "e2")
          .proc("e1", current(5000), RUNNING).unreachable("e1", "refused").unreachable("e2", "refused").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.unreachable()).extracting(UnreachableHost::host).containsExactly(HostName.of("e1"));
      assertThat(plan.stops()).isEmpty();
    }

    @Test
    void saysWhyWhenTheSquadHasNoReachableActiveHost() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").inactive("h1").unreachable("h2", "refused").build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(plan.unplaced()).singleElement().satisfies(u -> {
        assertThat(u.count()).isEqualTo(2);
        assertThat(u.reason()).isEqualTo(UnplacedReason.NO_ELIGIBLE_HOST);
        assertThat(u.detail()).isEqualTo("squad main has no reachable active host (2 hosts: 1 unreachable, 1 inactive)");
      });
      assertThat(plan.isNoop()).isTrue();
    }

    @Test
    void saysWhenTheSquadIsNotInTheSnapshot() {
      SwarmPlan plan = plan(1, fleet().squad("edge", "e1").build());
      assertThat(plan.unplaced()).singleElement()
          .satisfies(u -> assertThat(u.detail()).isEqualTo("squad main is not in the fleet snapshot"));
    }
  }

  @Nested
  class Routing {
    @Test
    void addsKeptProcsThePoolLacksAndRemovesMembersThatAreNotProcsOfTheSwarm() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), RUNNING)
          .pool("lb", "web_pool", "h9:8000").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.routeAdds()).singleElement().satisfies(r -> {
        assertThat(r.member().format()).isEqualTo("h1:5000");
        assertThat(r.reason()).isEqualTo(RouteReason.KEPT_NOT_ROUTED);
      });
      assertThat(plan.routeRemoves()).singleElement().satisfies(r -> {
        assertThat(r.member().format()).isEqualTo("h9:8000");
        assertThat(r.reason()).isEqualTo(RouteReason.NOT_IN_SWARM);
        assertThat(r.proc()).isEmpty();
      });
    }

    @Test
    void aMemberOnAnUnreachableHostIsSaidToBeThereNotOutsideTheSwarm() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", current(5000), RUNNING)
          .unreachable("h2", "refused").pool("lb", "web_pool", "h1:5000", "h2:5003").build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.routeRemoves()).singleElement().satisfies(r -> {
        assertThat(r.member().format()).isEqualTo("h2:5003");
        assertThat(r.reason()).isEqualTo(RouteReason.ON_UNREACHABLE_HOST);
      });
      assertThat(plan.render()).contains("remove h2:5003  (on unreachable host)").doesNotContain("not in swarm");
    }

    @Test
    void routesBlindWhenThePoolsMembersAreUnknown() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", old(5000), RUNNING).build();
      SwarmPlan plan = plan(1, fleet);
      assertThat(plan.routingKnown()).isFalse();
      assertThat(plan.routeAdds()).extracting(r -> r.member().format()).containsExactly("h1:5001");
      assertThat(plan.routeRemoves()).extracting(r -> r.member().format()).containsExactly("h1:5000");
      assertThat(plan.render()).contains("members unknown");
    }

    @Test
    void prefersThePolicysFreshMembersOverTheSnapshots() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", current(5000), RUNNING)
          .pool("lb", "web_pool").build();
      PlanPolicy fresh = PlanPolicy.builder().addPools(PoolState.builder().balancer(BalancerName.of("lb"))
          .pool(PoolName.of("web_pool")).addMembers(PoolMember.parse("h1:5000")).build()).build();
      assertThat(plan(s -> s.size(1), fleet, fresh).isNoop()).isTrue();
      assertThat(plan(s -> s.size(1), fleet, PlanPolicy.defaults()).routeAdds()).hasSize(1);
    }

    @Test
    void leavesTheRouteOfAProcOnAnUnreachableHostAlone() {
      FleetSnapshot fleet = fleet().squad("main", "h1", "h2").proc("h1", current(5000), RUNNING)
          .proc("h2", current(5000), RUNNING).unreachable("h2", "refused")
          .pool("lb", "web_pool", "h1:5000", "h2:5000").build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(starts(plan)).containsExactly("h1:5001");
      assertThat(plan.routeRemoves()).isEmpty();
    }

    @Test
    void neverRoutesASwarmWithoutAPool() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", old(5000), RUNNING).build();
      SwarmPlan plan = plan(s -> s.size(1).pool(Optional.empty()).balancer(Optional.empty()),
          fleet, PlanPolicy.defaults());
      assertThat(plan.routeAdds()).isEmpty();
      assertThat(plan.routeRemoves()).isEmpty();
      assertThat(plan.routingKnown()).isTrue();
      assertThat(plan.render()).contains("no pool: never routed");
    }
  }

  @Nested
  class Output {
    @Test
    void summarisesCountsAndGivesExitCodeOneForChanges() {
      FleetSnapshot fleet = fleet().squad("main", "h1").proc("h1", old(5000), RUNNING).build();
      SwarmPlan plan = plan(2, fleet);
      assertThat(plan.exitCode()).isEqualTo(SwarmPlan.EXIT_CHANGES);
      assertThat(plan.summary()).isEqualTo(new PlanSummary(2, 1, 1, 0, 2, 1, 0, 0));
      assertThat(plan.summary()).hasToString(
          "2 to start (1 replaces a proc), 1 to stop, 0 kept, 2 route adds, 1 route remove");
    }
  }
}
