package io.velociraptor.core.plan;

import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.PlanGen;
import io.velociraptor.testkit.PropertyRunner;
import io.velociraptor.testkit.RolloutCase;
import io.velociraptor.testkit.RolloutGen;
import io.velociraptor.testkit.RolloutInvariants;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The staged planner's contract over generated fleets, swarm edits and update policies (vr.property.cases each). */
class RolloutProperties {
  private static void property(String name, Consumer<RolloutCase> check) {
    property(name, RolloutGen.cases(), check);
  }

  private static void property(String name, Gen<RolloutCase> gen, Consumer<RolloutCase> check) {
    PropertyRunner.property(name).describedBy((RolloutCase c) -> c + "rollout:\n" + c.rollout().render())
        .classifiedBy(RolloutGen::labels)
        .check(gen, RolloutGen.caseShrinker(), check);
  }

  @Test
  void minInServiceIsNeverViolated() {
    property("min_in_service never violated", c -> RolloutInvariants.minInServiceNeverViolated(c, c.rollout()));
  }

  @Test
  void theSurgeIsNeverExceeded() {
    property("surge never exceeded", c -> RolloutInvariants.surgeNeverExceeded(c, c.rollout()));
  }

  @Test
  void everyOldProcIsRetiredOnlyAfterItsReplacementIsRouted() {
    property("retired after the replacement", c -> RolloutInvariants.oldProcsRetiredOnlyAfterTheirReplacementsAreRouted(c.rollout()));
  }

  @Test
  void portsStayWithinTheLedger() {
    property("ports within the ledger", c -> RolloutInvariants.portsWithinTheLedger(c, c.rollout()));
  }

  @Test
  void theWavesConvergeToTheSingleDiffsFinalState() {
    property("waves converge to the single diff", c -> RolloutInvariants.convergesToTheSingleDiff(c, c.rollout()));
  }

  @Test
  void theCanaryWaveStartsExactlyTheCanariesBesideTheOldProcs() {
    property("canary wave", c -> RolloutInvariants.canaryWaveStartsTheCanariesBesideTheOld(c, c.rollout()));
  }

  @Test
  void theDefaultPolicyGivesOneWaveEqualToTheSingleDiff() {
    Gen<RolloutCase> defaults = (r, s) -> new RolloutCase(PlanGen.cases().generate(r, s), UpdatePolicy.defaults());
    property("default is one wave", defaults, c -> RolloutInvariants.defaultPolicyIsOneWaveEqualToTheSingleDiff(c, c.rollout()));
  }

  @Test
  void everyInvariantHoldsAtOnceThroughCheckAll() {
    property("all rollout invariants", c -> RolloutInvariants.checkAll(c, c.rollout(), new SplittableRandom(7)));
  }

  @Test
  void aUserRuleNeverUnderTwoInServiceHoldsForAPolicyThatSaysSo() {
    // what a user writes: "with min_in_service 2, never under 2 in service"
    Gen<RolloutCase> gen = (r, s) -> {
      RolloutCase c = RolloutGen.cases().generate(r, s);
      // a one-per-host swarm's size is its hosts, known when planning: the planner clamps 2 to them
      int size = c.plan().desired().swarm().onePerHost() ? 2 : c.plan().desired().swarm().size();
      return new RolloutCase(c.plan(), UpdatePolicy.builder().from(c.update()).minInService(ProcCount.of(Math.min(2, size))).build());
    };
    property("never under 2", gen, c -> RolloutInvariants.neverUnder(c.rollout(),
        Math.min(2, c.rollout().plan().target())));
  }
}
