package io.velociraptor.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.OnFailure;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.testkit.Fault;
import io.velociraptor.testkit.PlanSimulator;
import io.velociraptor.testkit.PropertyRunner;
import io.velociraptor.testkit.RolloutCase;
import io.velociraptor.testkit.RolloutGen;
import io.velociraptor.testkit.RolloutSimulation;
import io.velociraptor.testkit.RolloutSimulation.Outcome;
import io.velociraptor.testkit.RolloutSimulation.SimulatedWave;
import io.velociraptor.testkit.RolloutSimulator;
import io.velociraptor.testkit.RolloutSimulator.Scenario;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** {@link RolloutSimulator} over generated fleets, swarm edits and update policies (vr.property.cases each). */
class RolloutSimulationProperties {
  /** The case's swarm carrying the case's policy, as a swarm file with an update block gives it. */
  static DesiredSwarm desired(RolloutCase c) {
    DesiredSwarm d = c.plan().desired();
    Swarm swarm = d.swarm().toBuilder().update(c.update()).build();
    return new DesiredSwarm(swarm, d.releaseHash(), d.buildPending());
  }

  static RolloutSimulation simulate(RolloutCase c, Scenario s) {
    return RolloutSimulator.simulate(desired(c), c.plan().fleet(), c.plan().policy(), s);
  }

  private static void property(String name, Consumer<RolloutCase> check) {
    PropertyRunner.property(name).describedBy((RolloutCase c) -> c + "rollout:\n" + c.rollout().render())
        .classifiedBy(RolloutGen::labels)
        .check(RolloutGen.cases(), RolloutGen.caseShrinker(), check);
  }

  @Test
  void aCleanSimulatedRolloutEndsWhereTheSingleDiffLeadsAndServesWhatEachWaveSays() {
    property("clean simulation ends at the single diff", c -> {
      RolloutSimulation sim = simulate(c, Scenario.clean());
      RolloutPlan r = sim.rollout();
      assertThat(r).isEqualTo(RolloutPlanner.plan(desired(c), c.plan().fleet(), c.plan().policy()));
      assertThat(sim.outcome()).isEqualTo(Outcome.SUCCEEDED);
      assertThat(sim.fleetAfter()).isEqualTo(PlanSimulator.apply(r.plan(), c.plan().fleet()));
      long eta = 0;
      for (int i = 0; i < r.waves().size(); i++) {
        SimulatedWave w = sim.waves().get(i);
        // the simulator counts from the fleet; the planner from its lists: they agree
        assertThat(w.inService()).as("wave %d in service", w.number()).isEqualTo(r.waves().get(i).inService());
        eta += w.time().total();
        assertThat(w.etaSeconds()).isEqualTo(eta);
      }
      assertThat(sim.etaSeconds()).isEqualTo(eta);
    });
  }

  @Test
  void aSimulatedRevertRestoresThePreviousReleasesSize() {
    AtomicInteger reverted = new AtomicInteger();
    AtomicInteger cases = new AtomicInteger();
    property("a revert restores the previous size", c0 -> {
      cases.incrementAndGet();
      RolloutCase c = new RolloutCase(c0.plan(), UpdatePolicy.builder().from(c0.update()).autoRevert(false)
          .onFailure(OnFailure.REVERT).build());
      RolloutPlan r = c.rollout();
      if (r.plan().starts().isEmpty()) {
        return; // nothing is uptested: no wave can fail
      }
      // the host of the last wave's first start: every wave before it runs, then it fails
      Wave last = null;
      for (Wave w : r.waves()) {
        if (!w.plan().starts().isEmpty()) {
          last = w;
        }
      }
      RolloutSimulation sim = simulate(c, Scenario.clean().with(Fault.uptestFails(last.plan().starts().get(0).host(),
          last.number())));
      assertThat(sim.waves()).anyMatch(w -> w.outcome() == RolloutSimulation.WaveOutcome.FAILED);
      if (sim.previous().isEmpty()) {
        assertThat(sim.outcome()).isEqualTo(Outcome.FAILED);
        return;
      }
      reverted.incrementAndGet();
      assertThat(sim.outcome()).isEqualTo(Outcome.REVERTED);
      RolloutSimulation.Previous previous = sim.previous().get();
      SwarmPlan back = sim.revert().orElseThrow().rollout().plan();
      if (!back.onePerHost()) {
        assertThat(back.target()).isEqualTo(previous.size());
      }
      int unplaced = back.unplaced().stream().mapToInt(Unplaced::count).sum();
      // procs whose previous-release replacement could not be placed keep serving, as the planner keeps them
      long awaiting = back.keeps().stream().filter(k -> k.reason() == KeepReason.AWAITING_REPLACEMENT).count();
      int ofPrevious = 0;
      int others = 0;
      for (RolloutSimulation.Serving s : sim.serving()) {
        if (s.releaseHash().equals(previous.releaseHash().value()) && s.version().equals(previous.version())) {
          ofPrevious += s.procs();
        } else {
          others += s.procs();
        }
      }
      // (a proc awaiting its replacement may be of the previous release too, on a host outside the squad)
      assertThat(ofPrevious).as("procs of the previous release serving after the revert")
          .isGreaterThanOrEqualTo(back.target() - unplaced);
      assertThat(others).as("procs of other releases serving after the revert").isLessThanOrEqualTo((int) awaiting);
      assertThat(sim.procs()).as("the swarm's procs after the revert").isEqualTo(back.target() - unplaced + awaiting);
    });
    assertThat(reverted.get()).as("cases that reverted, of " + cases.get()).isGreaterThan(cases.get() / 10);
  }
}
