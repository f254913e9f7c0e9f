package com.example.consumer;

import io.velociraptor.core.plan.Start;
import io.velociraptor.testkit.PlanCase;
import io.velociraptor.testkit.PlanInvariants;
import io.velociraptor.testkit.PlannerProperty;

/** This team's own planner rules, stated as properties over vr's generated fleets. */
class PortRulesProperties {
  @PlannerProperty(cases = 200)
  void noPortIsHandedOutTwice(PlanCase c) {
    PlanInvariants.noPortUsedTwice(c, c.plan());
  }

  @PlannerProperty(cases = 200)
  void everyStartIsInItsHostsRange(PlanCase c) {
    for (Start s : c.plan().starts()) {
      boolean inRange = c.fleet().hosts().stream().filter(h -> h.host().name().equals(s.host()))
          .allMatch(h -> h.host().portRange().contains(s.port().value()));
      if (!inRange) {
        throw new AssertionError(s + " is outside its host's port range");
      }
    }
  }
}
