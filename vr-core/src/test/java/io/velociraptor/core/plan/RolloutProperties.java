package io.velociraptor.core.plan;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.PlanCase;
import io.velociraptor.testkit.PlanGen;
import io.velociraptor.testkit.PlanInvariants;
import io.velociraptor.testkit.PlanSimulator;
import io.velociraptor.testkit.PropertyRunner;
import io.velociraptor.testkit.RolloutCase;
import io.velociraptor.testkit.RolloutGen;
import io.velociraptor.testkit.RolloutInvariants;
import java.util.Set;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
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

  @Test
  void aRollingRestartReplacesEveryCurrentProcWithTheSameReleaseOnFreshPorts() {
    property("rolling restart", c -> {
      RolloutCase restart = restartOfSettled(c);
      SortedSet<ProcRef> restarted = restart.plan().policy().restart();
      RolloutPlan rollout = restart.rollout();
      RolloutInvariants.checkAll(restart, rollout, new SplittableRandom(7));
      PlanInvariants.checkAll(restart.plan(), rollout.plan(), new SplittableRandom(7));
      FleetSnapshot after = restart.plan().fleet();
      for (Wave w : rollout.waves()) {
        after = PlanSimulator.apply(w.plan(), after);
      }
      SortedSet<ProcRef> now = current(restart.plan(), after);
      if (rollout.plan().unplaced().isEmpty()) {
        SortedSet<ProcRef> survivors = new TreeSet<>(now);
        survivors.retainAll(restarted);
        check(survivors.isEmpty(), "restarted procs still run: " + survivors);
        // a swarm that settled (had every proc it wants) has as many after its restart
        PlanPolicy settled = PlanPolicy.builder().pools(restart.plan().policy().pools()).build();
        if (Planner.plan(restart.plan().desired(), restart.plan().fleet(), settled).isNoop()) {
          check(now.size() == restarted.size(), restarted.size() + " current procs before the restart, " + now.size() + " after");
        }
      }
      for (Start s : rollout.plan().starts()) {
        check(s.name().hash().equals(restart.plan().desired().releaseHash()), s.ref() + " is of another release");
        for (ProcRef old : restarted) {
          check(!(old.host().equals(s.host()) && old.name().port().equals(java.util.Optional.of(s.port()))),
              s.ref() + " reuses the port of " + old);
        }
      }
    });
  }

  /** The case's fleet once its plan is applied, and a policy that restarts every current proc there. */
  private static RolloutCase restartOfSettled(RolloutCase c) {
    PlanCase base = c.plan();
    PlanPolicy settle = PlanPolicy.builder().pools(base.policy().pools()).build();
    SwarmPlan first = Planner.plan(base.desired(), base.fleet(), settle);
    PlanCase settled = new PlanCase(base.desired(), PlanSimulator.apply(first, base.fleet()), PlanSimulator.apply(first, settle));
    PlanPolicy restart = PlanPolicy.builder().from(settled.policy()).restart(current(settled, settled.fleet())).build();
    return new RolloutCase(new PlanCase(base.desired(), settled.fleet(), restart), c.update());
  }

  /** The swarm's current procs on the fleet's reachable hosts. */
  private static SortedSet<ProcRef> current(PlanCase c, FleetSnapshot fleet) {
    Set<HostName> squad = fleet.squad(c.desired().swarm().squad()).map(Squad::hosts).map(Set::copyOf).orElse(Set.of());
    SortedSet<ProcRef> out = new TreeSet<>();
    for (HostSnapshot h : fleet.hosts()) {
      for (ObservedProc p : h.procs()) {
        if (h.reachable() && PlanInvariants.isCurrent(p, c.desired(), squad)) {
          out.add(ProcRef.of(h.host().name(), p.name()));
        }
      }
    }
    return out;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }
}
