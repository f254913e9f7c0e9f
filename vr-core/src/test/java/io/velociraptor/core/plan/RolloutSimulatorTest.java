package io.velociraptor.core.plan;

import static io.velociraptor.core.plan.PlannerTest.old;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ImmutableUpdatePolicy;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.OnFailure;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.testkit.Fault;
import io.velociraptor.testkit.PlanSimulator;
import io.velociraptor.testkit.RolloutSimulation;
import io.velociraptor.testkit.RolloutSimulation.Outcome;
import io.velociraptor.testkit.RolloutSimulation.SimulatedWave;
import io.velociraptor.testkit.RolloutSimulation.WaveOutcome;
import io.velociraptor.testkit.RolloutSimulator;
import io.velociraptor.testkit.RolloutSimulator.Scenario;
import io.velociraptor.testkit.StepSeconds;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link RolloutSimulator}: the dispatcher's wave machine over the planner, with faults, pauses and times. */
class RolloutSimulatorTest {
  private static final StepSeconds STEPS = new StepSeconds(2, 1, 1, 1);

  private static DesiredSwarm desired(UnaryOperator<ImmutableUpdatePolicy.Builder> policy) {
    return DesiredSwarm.of(PlannerTest.swarm().size(6).update(policy.apply(UpdatePolicy.builder()).build()).build(),
        ReleaseHash.of(PlannerTest.HASH));
  }

  private static UnaryOperator<ImmutableUpdatePolicy.Builder> twoAWave() {
    return b -> b.maxParallel(ProcCount.of(2)).minHealthySeconds(10).drainSeconds(5);
  }

  private static RolloutSimulation simulate(DesiredSwarm d, Scenario s) {
    return RolloutSimulator.simulate(d, RolloutPlannerTest.sixOld(), s.withSteps(STEPS));
  }

  private static List<String> shape(RolloutSimulation sim) {
    return sim.waves().stream().map(w -> w.number() + " +" + w.starts() + " -" + w.stops() + " in " + w.inService()
        + " " + w.outcome().wire() + " eta " + w.etaSeconds()).toList();
  }

  private static long ofRelease(FleetSnapshot fleet, String hash) {
    return fleet.hosts().stream().filter(HostSnapshot::reachable).flatMap(h -> h.procs().stream())
        .map(ObservedProc::name).filter(n -> n instanceof ProcName.Ours o && o.hash().value().equals(hash)).count();
  }

  @Test
  void aCleanRolloutRunsEveryWaveAndTimesThemLikeTheDispatcher() {
    RolloutSimulation sim = simulate(desired(twoAWave()), Scenario.clean());

    // each wave: one start on each of two hosts (start 2 x 1), their uptests (1 x 1), healthy 10, one
    // balancer call for the adds and one for the removes (1 x 2), drain 5, one stop per host (1 x 1): 21 s
    assertThat(shape(sim)).containsExactly("1 +2 -2 in 6 done eta 21", "2 +2 -2 in 6 done eta 42",
        "3 +2 -2 in 6 done eta 63");
    assertThat(sim.waves().get(0).time()).isEqualTo(new RolloutSimulation.WaveTime(2, 1, 10, 2, 5, 1, 0));
    assertThat(sim.outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(sim.exitCode()).isZero();
    assertThat(sim.etaSeconds()).isEqualTo(63);
    assertThat(sim.inService()).isEqualTo(6);
    assertThat(sim.waves()).extracting(SimulatedWave::peakProcs).containsExactly(8, 8, 8);
    assertThat(sim.fleetAfter()).isEqualTo(PlanSimulator.apply(sim.rollout().plan(), RolloutPlannerTest.sixOld()));
    assertThat(sim.serving()).containsExactly(new RolloutSimulation.Serving(PlannerTest.HASH, "v2", 6));
    assertThat(sim.previous()).contains(new RolloutSimulation.Previous(ReleaseHash.of(PlannerTest.OLD), "v1", 6));
    assertThat(sim.render()).contains("wave 1/3: +2 -2 ~4 routes, in service 6, procs 6, peak procs 8")
        .contains("done after 21 s (start 2 + uptest 1 + healthy 10 + route 2 + drain 5 + stop 1), ETA 21 s")
        .contains("Outcome: succeeded. the rollout succeeds in 3 waves.");
  }

  @Test
  void stepsOnOneHostAddUpAndHostsRunInParallel() {
    // the default policy: one wave starting 6 procs, two on each host; stops two a host
    RolloutSimulation sim = simulate(desired(b -> b), Scenario.clean());
    assertThat(sim.waves()).hasSize(1);
    assertThat(sim.waves().get(0).time()).isEqualTo(new RolloutSimulation.WaveTime(4, 2, 0, 2, 0, 2, 0));
    assertThat(sim.etaSeconds()).isEqualTo(10);
  }

  @Test
  void anUptestFaultWithOnFailureStopFailsTheFirstWaveThatStartsAProcThereAndKeepsWhatServes() {
    RolloutSimulation sim = simulate(desired(twoAWave()), Scenario.clean().with(Fault.uptestFails(HostName.of("h3"))));

    // wave 1 starts on h1 and h2, wave 2 on h3 and h1: wave 2 fails; its 2 new procs are torn down (start 2,
    // uptest 1, teardown 1 x 2), and the 2 new procs of wave 1 and the 4 old ones still serve
    assertThat(shape(sim)).containsExactly("1 +2 -2 in 6 done eta 21", "2 +2 -2 in 6 failed eta 26",
        "3 +2 -2 in 6 not_run eta 26");
    assertThat(sim.waves().get(1).time()).isEqualTo(new RolloutSimulation.WaveTime(2, 1, 0, 0, 0, 0, 2));
    assertThat(sim.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(sim.exitCode()).isEqualTo(1);
    assertThat(sim.revert()).isEmpty();
    assertThat(sim.serving()).containsExactly(new RolloutSimulation.Serving(PlannerTest.HASH, "v2", 2),
        new RolloutSimulation.Serving(PlannerTest.OLD, "v1", 4));
    assertThat(sim.waves().get(1).notes()).anyMatch(n -> n.contains("uptests fail on h3"))
        .anyMatch(n -> n.startsWith("on_failure stop"));
    assertThat(sim.render()).contains("wave 3/3: +2 -2 ~4 routes: not run").contains("Outcome: failed.");
  }

  @Test
  void anUptestFaultFromALaterWaveSparesTheEarlierOnes() {
    // h2 starts procs in waves 1 and 3
    RolloutSimulation sim = simulate(desired(twoAWave()), Scenario.clean().with(Fault.uptestFails(HostName.of("h2"), 3)));
    assertThat(sim.waves()).extracting(w -> w.outcome()).containsExactly(WaveOutcome.DONE, WaveOutcome.DONE,
        WaveOutcome.FAILED);
  }

  @Test
  void anUptestFaultWithOnFailureRevertReDispatchesThePreviousReleaseWithTheSamePolicy() {
    RolloutSimulation sim = simulate(desired(b -> twoAWave().apply(b).onFailure(OnFailure.REVERT)),
        Scenario.clean().with(Fault.uptestFails(HostName.of("h3"))));

    assertThat(sim.outcome()).isEqualTo(Outcome.REVERTED);
    assertThat(sim.exitCode()).isEqualTo(1);
    RolloutSimulation.Revert revert = sim.revert().orElseThrow();
    assertThat(revert.rollout().plan().releaseHash()).isEqualTo(ReleaseHash.of(PlannerTest.OLD));
    assertThat(revert.rollout().update()).isEqualTo(sim.rollout().update());
    // wave 1's two new procs are replaced by the old release in one wave of max_parallel 2
    assertThat(revert.waves()).extracting(w -> "+" + w.starts() + " -" + w.stops() + " in " + w.inService())
        .containsExactly("+2 -2 in 6");
    assertThat(revert.waves().get(0).etaSeconds()).isEqualTo(26 + 21);
    assertThat(ofRelease(sim.fleetAfter(), PlannerTest.OLD)).isEqualTo(6);
    assertThat(ofRelease(sim.fleetAfter(), PlannerTest.HASH)).isZero();
    assertThat(sim.serving()).containsExactly(new RolloutSimulation.Serving(PlannerTest.OLD, "v1", 6));
    assertThat(sim.render()).contains("revert (on_failure revert after wave 2/3 fails (uptests fail on h3 (1 proc(s)))):"
        + " release " + PlannerTest.OLD + ", version v1, 6 procs, 1 wave, same policy").contains("revert wave 1/1: +2 -2");
  }

  @Test
  void aRevertWithNothingBeforeFailsTheRun() {
    FleetSnapshot empty = io.velociraptor.core.model.FleetBuilder.fleet().squad("main", "h1", "h2").build();
    RolloutSimulation sim = RolloutSimulator.simulate(desired(b -> b.maxParallel(ProcCount.of(2)).onFailure(OnFailure.REVERT)),
        empty, Scenario.clean().with(Fault.uptestFails(HostName.of("h2"), 2)));
    assertThat(sim.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(sim.previous()).isEmpty();
    assertThat(sim.summary()).contains("nothing to revert to");
    assertThat(sim.inService()).isEqualTo(2);
  }

  @Test
  void aLostHostFailsTheFirstWaveThatNeedsItAndServesNothingFromThen() {
    RolloutSimulation sim = simulate(desired(twoAWave()), Scenario.clean().with(Fault.hostLost(HostName.of("h2"), 2)));

    // h2 is lost at wave 2: its two procs (one old, one wave 1's) stop serving; wave 2 starts on h3 and h1
    // and stops an old proc on each, so it needs no h2 and succeeds; wave 3 starts on h2 and fails at once
    assertThat(shape(sim)).containsExactly("1 +2 -2 in 6 done eta 21", "2 +2 -2 in 4 done eta 42",
        "3 +2 -2 in 4 failed eta 45");
    assertThat(sim.waves().get(1).notes()).anyMatch(n -> n.startsWith("host h2 is lost"));
    assertThat(sim.waves().get(2).notes()).anyMatch(n -> n.contains("cannot start 1 proc(s) on lost host h2"));
    // wave 3's start on h3 (2 s) is torn down (1 s); nothing was uptested
    assertThat(sim.waves().get(2).time()).isEqualTo(new RolloutSimulation.WaveTime(2, 0, 0, 0, 0, 0, 1));
    assertThat(sim.fleetAfter().host(HostName.of("h2")).orElseThrow().reachable()).isFalse();
    assertThat(sim.outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void aLostHostWithRevertIsAvoidedByTheRevertsPlan() {
    RolloutSimulation sim = simulate(desired(b -> twoAWave().apply(b).onFailure(OnFailure.REVERT)),
        Scenario.clean().with(Fault.hostLost(HostName.of("h2"), 2)));
    assertThat(sim.outcome()).isEqualTo(Outcome.REVERTED);
    RolloutSimulation.Revert revert = sim.revert().orElseThrow();
    assertThat(revert.rollout().plan().starts()).noneMatch(s -> s.host().equals(HostName.of("h2")));
    assertThat(sim.procs()).isEqualTo(6);
    assertThat(ofRelease(sim.fleetAfter(), PlannerTest.OLD)).isEqualTo(6);
  }

  @Test
  void aCanaryWavePausesAndIsSimulatedAsPromoted() {
    RolloutSimulation sim = simulate(desired(b -> b.maxParallel(ProcCount.of(2)).maxSurge(ProcCount.percent(50)).canary(1)),
        Scenario.clean());
    assertThat(sim.waves().get(0).canary()).isTrue();
    assertThat(sim.waves().get(0).outcome()).isEqualTo(WaveOutcome.PAUSED);
    assertThat(sim.waves().get(0).inService()).isEqualTo(7);
    assertThat(sim.waves().get(0).notes()).anyMatch(n -> n.contains("`vr promote shop-prod-web`")
        && n.contains("simulated as promoted"));
    assertThat(sim.outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(sim.fleetAfter()).isEqualTo(PlanSimulator.apply(sim.rollout().plan(), RolloutPlannerTest.sixOld()));
    assertThat(sim.render()).contains("wave 1/4 (canary)").contains("plus the canary's wait for `vr promote`");
  }

  @Test
  void aRevertedCanaryRetiresTheCanariesAndNothingElse() {
    RolloutSimulation sim = simulate(desired(b -> b.maxParallel(ProcCount.of(2)).maxSurge(ProcCount.percent(50)).canary(1)),
        Scenario.clean().withRevertCanary(true));
    assertThat(sim.waves()).extracting(SimulatedWave::outcome).containsExactly(WaveOutcome.PAUSED, WaveOutcome.NOT_RUN,
        WaveOutcome.NOT_RUN, WaveOutcome.NOT_RUN);
    assertThat(sim.outcome()).isEqualTo(Outcome.REVERTED);
    assertThat(sim.revert().orElseThrow().waves()).extracting(w -> "+" + w.starts() + " -" + w.stops())
        .containsExactly("+0 -1");
    assertThat(sim.fleetAfter().hosts()).isEqualTo(RolloutPlannerTest.sixOld().hosts());
  }

  @Test
  void theSimulationReadsBackFromItsJson() {
    RolloutSimulation sim = simulate(desired(b -> twoAWave().apply(b).onFailure(OnFailure.REVERT)),
        Scenario.clean().with(Fault.uptestFails(HostName.of("h3"))).with(Fault.hostLost(HostName.of("h1"), 2)));
    String json = VrJson.writeJson(sim);
    assertThat(json).contains("\"eta_seconds\"").contains("\"outcome\" : \"reverted\"").contains("\"uptest_fails\"");
    assertThat(VrJson.readJson(json, RolloutSimulation.class)).isEqualTo(sim);
  }

  @Test
  void aFaultOnAHostTheSnapshotLacksOrAWaveTheRolloutLacksIsRefusedNamingIt() {
    assertThatThrownBy(() -> simulate(desired(twoAWave()), Scenario.clean().with(Fault.uptestFails(HostName.of("h9")))))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("invalid --fail \"uptest@h9\": host h9 is not in the snapshot");
    assertThatThrownBy(() -> simulate(desired(twoAWave()), Scenario.clean().with(Fault.hostLost(HostName.of("h1"), 4))))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("invalid --lose-host \"h1@wave4\": the rollout has 3 waves");
  }

  @Test
  void faultsAndStepsParseTheCommandLinesFormsAndNameWhatIsWrong() {
    assertThat(Fault.parseFail("uptest@h2")).isEqualTo(Fault.uptestFails(HostName.of("h2")));
    assertThat(Fault.parseFail("uptest@h2@wave3")).isEqualTo(Fault.uptestFails(HostName.of("h2"), 3));
    assertThat(Fault.parseLoseHost("h3@wave2")).isEqualTo(Fault.hostLost(HostName.of("h3"), 2));
    assertThat(Fault.parseLoseHost("h3@2").format()).isEqualTo("h3@wave2");
    assertThatThrownBy(() -> Fault.parseFail("upptest@h2")).hasMessageStartingWith(
        "invalid --fail \"upptest@h2\": \"upptest\" is not a fault vr can simulate");
    assertThatThrownBy(() -> Fault.parseFail("uptest@h2@wave0")).hasMessage(
        "invalid --fail \"uptest@h2@wave0\": waves are numbered from 1");
    assertThatThrownBy(() -> Fault.parseLoseHost("h3")).hasMessage(
        "invalid --lose-host \"h3\": write HOST@waveN: the host is lost at the start of wave N");
    assertThatThrownBy(() -> Fault.parseLoseHost("h3@wavetwo")).hasMessage(
        "invalid --lose-host \"h3@wavetwo\": \"wavetwo\" is not a wave: write waveN, N from 1");
    assertThatThrownBy(() -> Fault.parseLoseHost("h 3@wave1")).hasMessageStartingWith(
        "invalid --lose-host \"h 3@wave1\": \"h 3\" is not a host name");

    assertThat(StepSeconds.parse("start=2,uptest=1")).isEqualTo(new StepSeconds(2, 1, 1, 2));
    assertThatThrownBy(() -> StepSeconds.parse("strat=2")).hasMessageStartingWith(
        "invalid --step-seconds \"strat=2\": \"strat\" is not a step: give start, uptest, route or stop");
    assertThatThrownBy(() -> StepSeconds.parse("start=-1")).hasMessage(
        "invalid --step-seconds \"start=-1\": \"-1\" for start is not a whole number of seconds from 0 to 86400");
    assertThatThrownBy(() -> StepSeconds.parse("start=1,start=2")).hasMessage(
        "invalid --step-seconds \"start=1,start=2\": start is given twice");
  }
}
