package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.plan.KeepReason;
import io.velociraptor.core.plan.Keep;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.plan.Unplaced;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The generators reach every corner of the planner, so the properties are not vacuous. */
class PlanGenTest extends PrivateFailureMemory {
  @Test
  void theShrinkerReducesAFailingCaseToOneHostAndOneProc() {
    // a false claim: "no plan ever stops a proc"; the smallest counterexample is one host with one proc
    AssertionError failure = null;
    try {
      PropertyRunner.property("never stops").cases(500).describedBy((PlanCase c) -> c.toString())
          .check(PlanGen.cases(), PlanShrinker.shrinker(), c -> {
            if (!c.plan().stops().isEmpty()) {
              throw new AssertionError("stops");
            }
          });
    } catch (AssertionError e) {
      failure = e;
    }
    assertThat(failure).isNotNull();
    String shrunk = failure.getMessage().replaceAll("(?s).*steps to:\n(.*?)\nfailure:.*", "$1");
    assertThat(shrunk.lines().filter(l -> l.startsWith("  host "))).hasSize(1);
    assertThat(shrunk.lines().filter(l -> l.startsWith("    "))).hasSize(1);
    assertThat(shrunk.lines().filter(l -> l.startsWith("  lock ") || l.startsWith("  pool ") || l.startsWith("  policy "))).isEmpty();
  }

  @Test
  void generatedCasesExerciseEveryReasonOfEveryList() {
    TreeSet<String> seen = new TreeSet<>();
    for (int i = 0; i < 2000; i++) {
      PlanCase c = PlanGen.cases().generate(new SplittableRandom(i), 1 + i % 100);
      SwarmPlan plan = c.plan();
      for (Start s : plan.starts()) {
        seen.add("start " + s.reason());
      }
      for (Stop s : plan.stops()) {
        seen.add("stop " + s.reason() + (s.replacedBy().isPresent() ? " paired" : ""));
      }
      for (Keep k : plan.keeps()) {
        seen.add("keep " + k.reason() + (k.name().kind() == ProcName.Kind.LEGACY ? " legacy" : ""));
      }
      for (RouteChange r : plan.routeAdds()) {
        seen.add("add " + r.reason());
      }
      for (RouteChange r : plan.routeRemoves()) {
        seen.add("remove " + r.reason());
      }
      for (Unplaced u : plan.unplaced()) {
        seen.add("unplaced " + u.reason() + (u.host().isPresent() ? " on host" : ""));
      }
      if (!plan.unreachable().isEmpty()) {
        seen.add("unreachable");
      }
      if (plan.isNoop()) {
        seen.add("noop");
      }
      if (!plan.routingKnown()) {
        seen.add("routing blind");
      }
    }
    assertThat(seen).contains("start MISSING", "start REPLACEMENT",
        "stop EXCESS", "stop OLD_RELEASE", "stop OLD_RELEASE paired", "stop PREVIOUS_MANIFESTATION paired",
        "stop FAILED", "stop FAILED paired", "stop SWARM_DELETED",
        "keep CURRENT", "keep CURRENT legacy", "keep " + KeepReason.AWAITING_REPLACEMENT,
        "add NEW_PROC", "add KEPT_NOT_ROUTED", "remove STOPPED_PROC", "remove NOT_IN_SWARM", "remove PREVIOUS_POOL",
        "unplaced NO_ELIGIBLE_HOST", "unplaced PORTS_EXHAUSTED", "unplaced PORTS_EXHAUSTED on host",
        "unreachable", "noop", "routing blind");
  }
}
