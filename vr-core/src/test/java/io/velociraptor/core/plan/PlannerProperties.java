package io.velociraptor.core.plan;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.ModelGen;
import io.velociraptor.testkit.PlanCase;
import io.velociraptor.testkit.PlanGen;
import io.velociraptor.testkit.PlanInvariants;
import io.velociraptor.testkit.PlanShrinker;
import io.velociraptor.testkit.PlanSimulator;
import io.velociraptor.testkit.PropertyRunner;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The planner's contract over generated fleets and swarm edits (vr.property.cases each, 1,000 in CI). */
class PlannerProperties {
  private static void property(String name, Consumer<PlanCase> check) {
    PropertyRunner.property(name).describedBy((PlanCase c) -> c + "plan:\n" + c.plan().render())
        .classifiedBy(PlanGen::labels)
        .check(PlanGen.cases(), PlanShrinker.shrinker(), check);
  }

  @Test
  void afterApplyingThePlanTheSwarmHasExactlyItsTargetOfCurrentProcsOrThePlanSaysWhy() {
    property("target reached or unplaced", c -> PlanInvariants.reachesTargetOrSaysWhy(c, c.plan()));
  }

  @Test
  void noPortIsEverUsedTwiceOnAHost() {
    property("no port used twice", c -> PlanInvariants.noPortUsedTwice(c, c.plan()));
  }

  @Test
  void noForeignProcAppearsInAnyList() {
    property("no foreign proc listed", c -> PlanInvariants.noForeignProcInAnyList(c.plan()));
  }

  @Test
  void everyStopOfAnInServiceProcIsPairedWithAReplacementOrTheSwarmIsShrinking() {
    property("in-service stops paired", c -> PlanInvariants.inServiceStopsArePairedOrTheSwarmShrinks(c, c.plan()));
  }

  @Test
  void applyingThePlanAndPlanningAgainGivesANoop() {
    property("replan is a no-op", c -> PlanInvariants.replanningAfterApplyingIsNoop(c, c.plan()));
  }

  @Test
  void thePlanDoesNotDependOnTheOrderOfTheInput() {
    property("order independent", c -> PlanInvariants.independentOfInputOrder(c, c.plan(),
        new SplittableRandom(c.desired().swarm().id().hashCode())));
  }

  @Test
  void aPlanNeverStopsProcsOnAnUnreachableHostNorStartsOutsideTheSquadsReachableActiveHosts() {
    property("unreachable hosts untouched", c -> {
      SwarmPlan plan = c.plan();
      PlanInvariants.neverTouchesAnUnreachableHost(c, plan);
      PlanInvariants.startsOnlyOnReachableActiveSquadHosts(c, plan);
    });
  }

  @Test
  void everyListIsSortedAndTheJsonFormReadsBackToTheSamePlan() {
    property("sorted and round-trips", c -> {
      SwarmPlan plan = c.plan();
      PlanInvariants.listsAreSorted(plan);
      if (!VrJson.readJson(VrJson.writeJson(plan), SwarmPlan.class).equals(plan)) {
        throw new AssertionError("JSON round trip changed the plan:\n" + VrJson.writeJson(plan));
      }
    });
  }

  @Test
  void everyInvariantHoldsAtOnceThroughCheckAll() {
    property("all invariants", c -> PlanInvariants.checkAll(c, c.plan(), new SplittableRandom(7)));
  }

  @Test
  void thePlannerIsTotalForAnyValidSwarmOnAnyFleet() {
    Gen<PlanCase> anySwarm = (r, s) -> {
      PlanCase c = PlanGen.cases().generate(r, s);
      Swarm swarm = ModelGen.swarms().generate(r, s);
      return new PlanCase(DesiredSwarm.of(swarm, ModelGen.releaseHashes().generate(r, s)), c.fleet(), c.policy());
    };
    PropertyRunner.property("total").check(anySwarm, PlanShrinker.shrinker(), c -> {
      SwarmPlan plan = c.plan();
      PlanInvariants.listsAreSorted(plan);
      PlanInvariants.noPortUsedTwice(c, plan);
      PlanInvariants.reachesTargetOrSaysWhy(c, plan);
    });
  }

  @Test
  void theSimulatorAppliesEveryPlanTheGeneratorsLeadTo() {
    property("simulator applies", c -> PlanSimulator.apply(c.plan(), c.fleet()));
  }
}
