package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.Wave;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The rollout generators reach every rule of the staged planner, so its properties are not vacuous. */
class RolloutGenTest extends PrivateFailureMemory {

  @Test
  void theCasesReachCanariesSurgeLimitsFloorsAndManyWaves() {
    TreeSet<String> seen = new TreeSet<>();
    for (int i = 0; i < 2000; i++) {
      RolloutCase c = RolloutGen.cases().generate(new SplittableRandom(i), 1 + i % 100);
      seen.addAll(RolloutGen.labels(c));
      RolloutPlan r = c.rollout();
      for (Wave w : r.waves()) {
        if (w.plan().starts().isEmpty() && !w.plan().stops().isEmpty() && w.number() < r.waves().size()) {
          seen.add("a wave that only stops, before others");
        }
        if (w.canary() && w.number() > 1) {
          seen.add("a canary after a wave of stops");
        }
        if (w.plan().stops().stream().anyMatch(s -> !s.inService()) && !w.plan().starts().isEmpty()) {
          seen.add("a proc that is not up stopped beside starts");
        }
      }
    }
    assertThat(seen).contains("canary", "surge limit", "above the limit", "in-service floor below what serves",
        "4+ waves", "2-3 waves", "1 wave", "0 waves", "a wave that only stops, before others",
        "a proc that is not up stopped beside starts");
  }

  @Test
  void theShrinkerReducesAFailingCaseAndItsPolicy() {
    // a false claim: "no rollout has two waves"; the smallest counterexample has one host and a plain policy
    AssertionError failure = null;
    try {
      PropertyRunner.property("never two waves").cases(500).describedBy((RolloutCase c) -> c.toString())
          .check(RolloutGen.cases(), RolloutGen.caseShrinker(), c -> {
            if (c.rollout().waves().size() >= 2) {
              throw new AssertionError("two waves");
            }
          });
    } catch (AssertionError e) {
      failure = e;
    }
    assertThat(failure).isNotNull();
    String shrunk = failure.getMessage().substring(failure.getMessage().indexOf("shrunk"),
        failure.getMessage().indexOf("failure:"));
    assertThat(shrunk.lines().filter(l -> l.startsWith("  host ")).count()).isEqualTo(1);
    assertThat(shrunk).contains("canary: 0");
  }

  @Test
  void everyGeneratedPolicyIsValidForItsSwarm() {
    for (int i = 0; i < 2000; i++) {
      RolloutCase c = RolloutGen.cases().generate(new SplittableRandom(i), 1 + i % 100);
      UpdatePolicy u = c.update();
      // a swarm carrying the policy is checked against its size: building it must not throw
      c.plan().desired().swarm().toBuilder().update(u).build();
    }
  }
}
