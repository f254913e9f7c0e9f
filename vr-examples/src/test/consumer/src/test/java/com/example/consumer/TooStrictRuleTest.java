package com.example.consumer;

import io.velociraptor.testkit.PlanCase;
import io.velociraptor.testkit.PlannerProperty;

/**
 * A rule that is wrong on purpose (a plan may well start two procs on one host): its failure
 * prints the shrunk case and the line that replays it. Not part of this project's normal run.
 */
class TooStrictRuleTest {
  @PlannerProperty(cases = 300)
  void neverTwoStartsOnOneHost(PlanCase c) {
    long hosts = c.plan().starts().stream().map(s -> s.host()).distinct().count();
    if (hosts < c.plan().starts().size()) {
      throw new AssertionError("two starts on one host: " + c.plan().starts());
    }
  }
}
