package io.velociraptor.testkit;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.plan.HostPorts;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.ProcRef;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.plan.Wave;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The staged planner's contract as checks over any input and its rollout, each throwing an
 * {@link AssertionError} that says what broke. They recount from the whole plan and the waves'
 * own lists, never trusting a wave's reported figures, and compare those figures with the count.
 */
public final class RolloutInvariants {
  private RolloutInvariants() {}

  /**
   * Runs every check below.
   *
   * @param c the input
   * @param r the staged planner's rollout for it
   * @param random where {@link #independentOfInputOrder} takes its order from
   * @throws AssertionError naming the first check that fails
   */
  public static void checkAll(RolloutCase c, RolloutPlan r, SplittableRandom random) {
    wholePlanIsThePlanners(c, r);
    convergesToTheSingleDiff(c, r);
    minInServiceNeverViolated(c, r);
    surgeNeverExceeded(c, r);
    oldProcsRetiredOnlyAfterTheirReplacementsAreRouted(r);
    canaryWaveStartsTheCanariesBesideTheOld(c, r);
    portsWithinTheLedger(c, r);
    everyWaveDoesSomething(r);
    defaultPolicyIsOneWaveEqualToTheSingleDiff(c, r);
    jsonRoundTrips(r);
    independentOfInputOrder(c, r, random);
  }

  /**
   * Checks that the rollout's whole plan is the single-diff planner's plan for the same input.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if the rollout's whole plan is not the planner's single diff
   */
  public static void wholePlanIsThePlanners(RolloutCase c, RolloutPlan r) {
    check(r.plan().equals(c.plan().plan()), "the rollout's plan is not the planner's single diff");
  }

  /**
   * Checks that the waves hold every action of the single diff exactly once and, applied one after
   * the other, lead where the single diff does.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if the waves do not hold every action of the single diff exactly once,
   *     or applying them one after the other does not lead where applying the single diff does
   */
  public static void convergesToTheSingleDiff(RolloutCase c, RolloutPlan r) {
    SwarmPlan whole = r.plan();
    List<Start> starts = new ArrayList<>();
    List<Stop> stops = new ArrayList<>();
    List<RouteChange> adds = new ArrayList<>();
    List<RouteChange> removes = new ArrayList<>();
    FleetSnapshot fleet = c.plan().fleet();
    PlanPolicy policy = c.plan().policy();
    for (Wave w : r.waves()) {
      starts.addAll(w.plan().starts());
      stops.addAll(w.plan().stops());
      adds.addAll(w.plan().routeAdds());
      removes.addAll(w.plan().routeRemoves());
      fleet = PlanSimulator.apply(w.plan(), fleet);
      policy = PlanSimulator.apply(w.plan(), policy);
    }
    sameOnce("starts", starts, whole.starts());
    sameOnce("stops", stops, whole.stops());
    sameOnce("route adds", adds, whole.routeAdds());
    sameOnce("route removes", removes, whole.routeRemoves());
    check(fleet.equals(PlanSimulator.apply(whole, c.plan().fleet())), "applying the waves in order does not lead to "
        + "the fleet the single diff leads to");
    check(policy.equals(PlanSimulator.apply(whole, c.plan().policy())), "applying the waves in order does not route "
        + "the policy's pools as the single diff does");
    for (Wave w : r.waves()) {
      SwarmPlan p = w.plan();
      check(p.swarmId().equals(whole.swarmId()) && p.target() == whole.target() && p.unplaced().equals(whole.unplaced())
          && p.unreachable().equals(whole.unreachable()), "wave " + w.number() + " does not carry the whole plan's header and reports");
    }
  }

  /**
   * In service: the swarm's up procs on reachable hosts, the new ones once started and routed.
   * Before the rollout it is the whole plan's keeps and up stops.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if after some wave fewer procs are in service than min_in_service
   *     (or than served before, when fewer did), or a wave reports another figure than the count
   */
  public static void minInServiceNeverViolated(RolloutCase c, RolloutPlan r) {
    int inService = r.plan().keeps().size();
    for (Stop s : r.plan().stops()) {
      inService += s.inService() ? 1 : 0;
    }
    check(inService == r.inServiceBefore(), "in service before is " + inService + ", the rollout says " + r.inServiceBefore());
    int floor = Math.min(c.update().minInServiceFor(r.plan().target()), inService);
    check(r.minInService() == floor, "min_in_service resolves to " + floor + ", the rollout says " + r.minInService());
    for (Wave w : r.waves()) {
      inService += w.plan().starts().size();
      for (Stop s : w.plan().stops()) {
        inService -= s.inService() ? 1 : 0;
      }
      check(inService == w.inService(), "wave " + w.number() + " leaves " + inService + " in service, it says " + w.inService());
      check(inService >= floor, "wave " + w.number() + " leaves " + inService + " procs in service, under min_in_service "
          + c.update().minInService() + " (" + floor + ")");
    }
  }

  /**
   * Checks that no wave runs more than size + max_surge of the swarm's procs at its peak, and that
   * each wave reports its peak right.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if a wave that starts procs runs more than size + max_surge procs of
   *     the swarm at its peak, or a wave reports another peak than the count
   */
  public static void surgeNeverExceeded(RolloutCase c, RolloutPlan r) {
    int procs = r.plan().keeps().size() + r.plan().stops().size();
    check(procs == r.procsBefore(), "procs before is " + procs + ", the rollout says " + r.procsBefore());
    Optional<Integer> limit = c.update().procLimitFor(r.plan().target());
    check(limit.equals(r.maxProcs()), "max procs resolves to " + limit + ", the rollout says " + r.maxProcs());
    for (Wave w : r.waves()) {
      int peak = procs + w.plan().starts().size();
      check(peak == w.peakProcs(), "wave " + w.number() + " peaks at " + peak + " procs, it says " + w.peakProcs());
      if (limit.isPresent() && !w.plan().starts().isEmpty()) {
        check(peak <= limit.get(), "wave " + w.number() + " starts procs up to " + peak + " procs, over size + max_surge "
            + limit.get());
      }
      if (!w.plan().starts().isEmpty()) {
        check(w.plan().starts().size() <= Math.max(r.maxParallel(), w.canary() ? c.update().canary() : 0),
            "wave " + w.number() + " starts " + w.plan().starts().size() + " procs, over max_parallel " + r.maxParallel());
      }
      procs = peak - w.plan().stops().size();
    }
  }

  /**
   * Checks that an in-service proc stops only in or after the wave that starts and routes its
   * replacement (never in the canary wave), and leaves its pool in the wave it stops.
   *
   * @param r a rollout
   * @throws AssertionError if an in-service proc stops in a wave before its replacement's, or in
   *     the canary wave itself, or a new proc is routed in another wave than it starts, or an old
   *     proc leaves the pool in another wave than it stops
   */
  public static void oldProcsRetiredOnlyAfterTheirReplacementsAreRouted(RolloutPlan r) {
    Map<ProcRef, Wave> startedIn = new HashMap<>();
    for (Wave w : r.waves()) {
      for (Start s : w.plan().starts()) {
        startedIn.put(s.ref(), w);
      }
    }
    for (Wave w : r.waves()) {
      for (Stop s : w.plan().stops()) {
        if (!s.inService()) {
          continue;
        }
        if (s.replacedBy().isPresent()) {
          Wave started = startedIn.get(s.replacedBy().get());
          check(started != null, "stop " + s.ref() + " names replacement " + s.replacedBy().get() + ", started in no wave");
          check(started.number() <= w.number(), "in-service " + s.ref() + " stops in wave " + w.number()
              + ", before its replacement starts in wave " + started.number());
          check(!started.canary() || started.number() < w.number(), "in-service " + s.ref()
              + " stops in canary wave " + w.number() + " beside its canary");
        }
      }
      for (RouteChange a : w.plan().routeAdds()) {
        if (a.proc().isPresent() && startedIn.containsKey(a.proc().get())) {
          check(startedIn.get(a.proc().get()) == w, "new proc " + a.proc().get() + " is routed in wave " + w.number()
              + " but starts in wave " + startedIn.get(a.proc().get()).number());
        }
      }
      for (RouteChange rm : w.plan().routeRemoves()) {
        if (rm.proc().isPresent()) {
          for (Wave other : r.waves()) {
            for (Stop s : other.plan().stops()) {
              check(!s.ref().equals(rm.proc().get()) || other == w, "stopped proc " + s.ref() + " leaves the pool in wave "
                  + w.number() + " but stops in wave " + other.number());
            }
          }
        }
      }
    }
  }

  /**
   * Checks that, under a policy with a canary, the first wave that starts procs starts exactly the
   * canaries and stops and unroutes nothing.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if a policy with a canary and procs to start has no canary wave as its
   *     first wave that starts procs, with exactly the canaries, stopping and unrouting nothing
   */
  public static void canaryWaveStartsTheCanariesBesideTheOld(RolloutCase c, RolloutPlan r) {
    UpdatePolicy u = c.update();
    int expected = Math.min(u.canary(), r.plan().starts().size());
    if (r.maxProcs().isPresent()) {
      expected = Math.min(expected, r.maxProcs().get() - r.plan().target());
    }
    Wave first = null;
    for (Wave w : r.waves()) {
      check(!w.canary() || first == null, "wave " + w.number() + " is a canary wave but not the first to start procs");
      if (first == null && !w.plan().starts().isEmpty()) {
        first = w;
      }
    }
    if (expected <= 0) {
      check(r.waves().stream().noneMatch(Wave::canary), "a canary wave without canaries to start");
      return;
    }
    check(first != null && first.canary(), "policy canary " + u.canary() + ": the first wave that starts procs is no canary wave");
    check(first.plan().starts().size() == expected, "canary wave starts " + first.plan().starts().size()
        + " procs, not the " + expected + " canaries");
    check(first.plan().stops().isEmpty() && first.plan().routeRemoves().isEmpty(),
        "the canary wave stops or unroutes something: " + first.plan().stops() + " " + first.plan().routeRemoves());
    for (RouteChange a : first.plan().routeAdds()) {
      check(a.proc().isPresent() && first.plan().starts().stream().anyMatch(s -> s.ref().equals(a.proc().get())),
          "the canary wave routes " + a.member() + ", which is no canary");
    }
  }

  /**
   * Checks that the single diff uses no port twice and that each wave's peak ports fit each host's
   * range and list every host the wave touches.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if the single diff uses a port twice, or a wave's peak holds more
   *     ports of a host than its range has, or a wave touches a host its peak ports do not list
   */
  public static void portsWithinTheLedger(RolloutCase c, RolloutPlan r) {
    PlanInvariants.noPortUsedTwice(c.plan(), r.plan());
    Map<HostName, HostSnapshot> hosts = new HashMap<>();
    for (HostSnapshot h : c.plan().fleet().hosts()) {
      hosts.put(h.host().name(), h);
    }
    for (Wave w : r.waves()) {
      java.util.Set<HostName> touched = new java.util.TreeSet<>();
      w.plan().starts().forEach(s -> touched.add(s.host()));
      w.plan().stops().forEach(s -> touched.add(s.host()));
      List<HostName> listed = new ArrayList<>();
      for (HostPorts p : w.peakPorts()) {
        listed.add(p.host());
        check(p.range() == hosts.get(p.host()).host().portRange().size(), "wave " + w.number() + " gives " + p.host()
            + " a range of " + p.range());
        check(p.used() <= p.range(), "wave " + w.number() + " holds " + p.used() + " ports of " + p.host() + "'s "
            + p.range());
      }
      check(listed.equals(new ArrayList<>(touched)), "wave " + w.number() + " lists peak ports of " + listed
          + ", it touches " + touched);
    }
  }

  /**
   * Checks that every wave starts, stops or reroutes something, that waves are numbered in order, and
   * that a rollout has no wave exactly when its plan is a no-op.
   *
   * @param r a rollout
   * @throws AssertionError if a wave starts, stops and reroutes nothing, or waves are misnumbered
   */
  public static void everyWaveDoesSomething(RolloutPlan r) {
    for (int i = 0; i < r.waves().size(); i++) {
      Wave w = r.waves().get(i);
      check(w.number() == i + 1, "wave " + (i + 1) + " is numbered " + w.number());
      check(!w.plan().isNoop(), "wave " + w.number() + " does nothing");
    }
    check(r.waves().isEmpty() == r.plan().isNoop(), "a rollout has no wave exactly when its plan is a no-op");
  }

  /**
   * Checks that the default policy gives one wave, equal to the single diff.
   *
   * @param c the input
   * @param r its rollout
   * @throws AssertionError if the default policy does not give one wave equal to the single diff
   */
  public static void defaultPolicyIsOneWaveEqualToTheSingleDiff(RolloutCase c, RolloutPlan r) {
    if (!c.update().isDefault()) {
      return;
    }
    check(r.waves().size() == (r.plan().isNoop() ? 0 : 1), "the default policy gives " + r.waves().size() + " waves");
    if (!r.waves().isEmpty()) {
      check(r.waves().get(0).plan().equals(r.plan()), "the default policy's one wave is not the single diff");
      check(r.render().equals(r.plan().render()), "one wave does not render as the single diff");
    }
  }

  /**
   * Checks that the rollout's JSON form reads back to an equal rollout.
   *
   * @param r a rollout
   * @throws AssertionError if its JSON form does not read back to an equal rollout
   */
  public static void jsonRoundTrips(RolloutPlan r) {
    String json = VrJson.writeJson(r);
    check(VrJson.readJson(json, RolloutPlan.class).equals(r), "JSON round trip changed the rollout:\n" + json);
  }

  /**
   * Checks that planning the same input in another random order ({@link PlanGen#shuffled}) gives
   * the same rollout.
   *
   * @param c the input
   * @param r its rollout
   * @param random where the new order comes from
   * @throws AssertionError if the same input in another order gives another rollout
   */
  public static void independentOfInputOrder(RolloutCase c, RolloutPlan r, SplittableRandom random) {
    RolloutPlan again = new RolloutCase(PlanGen.shuffled(c.plan(), random), c.update()).rollout();
    check(again.equals(r), "the same input in another order gives another rollout:\n" + again.render()
        + "\ninstead of\n" + r.render());
  }

  /**
   * A rule of your own over the procs in service after each wave, e.g. "never under 2".
   *
   * @param r a rollout
   * @param atLeast the fewest procs that must serve after every wave
   * @throws AssertionError naming the first wave that leaves fewer
   */
  public static void neverUnder(RolloutPlan r, int atLeast) {
    for (Wave w : r.waves()) {
      check(w.inService() >= Math.min(atLeast, r.inServiceBefore()), "wave " + w.number() + " leaves "
          + w.inService() + " in service, under " + atLeast);
    }
  }

  private static <T extends Comparable<? super T>> void sameOnce(String what, List<T> waves, List<T> whole) {
    List<T> sorted = new ArrayList<>(waves);
    java.util.Collections.sort(sorted);
    check(sorted.equals(whole), "the waves' " + what + " are not the single diff's, each once: " + sorted + " vs " + whole);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }
}
