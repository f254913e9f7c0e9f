package io.velociraptor.testkit;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.OnFailure;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.Keep;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.PoolRef;
import io.velociraptor.core.plan.ProcRef;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.RolloutPlanner;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.plan.UnreachableHost;
import io.velociraptor.core.plan.Wave;
import io.velociraptor.testkit.RolloutSimulation.Outcome;
import io.velociraptor.testkit.RolloutSimulation.Previous;
import io.velociraptor.testkit.RolloutSimulation.Revert;
import io.velociraptor.testkit.RolloutSimulation.Serving;
import io.velociraptor.testkit.RolloutSimulation.SimulatedWave;
import io.velociraptor.testkit.RolloutSimulation.WaveOutcome;
import io.velociraptor.testkit.RolloutSimulation.WaveTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Runs the dispatcher's rollout state machine over the staged planner and {@link PlanSimulator},
 * with injected {@link Fault}s, and says what a dispatch would do: pure, no host is touched. The
 * model, rule by rule (it follows the dispatcher's execution of waves, {@code docs/rollouts.md}):
 *
 * <ul>
 *   <li>The rollout is {@link RolloutPlanner#plan} of the swarm against the snapshot, planned once
 *       up front as the dispatcher plans it; the waves run in order, each applied with
 *       {@link PlanSimulator} when it succeeds.
 *   <li>A host lost at wave N is unreachable from the start of wave N on (its procs stay as last
 *       known and serve nothing). The dispatcher does not re-plan between waves, so the first wave
 *       that needs the host fails: one that starts or uptests a proc there fails before routing (its
 *       other new procs are torn down); one that only stops procs there fails at its stops, after
 *       routing (its new procs stay, its other stops are done).
 *   <li>An uptest fault on host h from wave N fails the first wave from N on that uptests a proc on
 *       h (its starts, and kept procs it adds to the pool): before routing, so the wave's new procs
 *       are torn down and nothing else changes.
 *   <li>A failed wave fails the run. With {@code on_failure: stop} the run ends there: earlier
 *       waves' procs and the old procs not yet stopped keep serving. With {@code on_failure: revert}
 *       the previous release is re-dispatched with the same policy: planned with the staged planner
 *       from the fleet as the failure left it, towards the release most of the swarm's procs in
 *       service ran before the rollout (then most procs) at the size of the swarm's procs before the
 *       rollout (the swarm as stored is not in a snapshot). Its waves run without faults (lost hosts
 *       stay lost, so its plan avoids them). A swarm without procs before has nothing to revert to:
 *       the run fails.
 *   <li>A canary wave pauses the run (state {@code canary}): the simulation goes on as if promoted
 *       ({@code vr promote}), or, with {@link Scenario#revertCanary()}, reverts as {@code vr revert}
 *       does: a re-plan to the previous release, which retires the canaries.
 *   <li>Time (see {@link RolloutSimulation.WaveTime}): hosts work in parallel and one proc after the
 *       other on a host, as the dispatcher does, so each step takes its duration times the most procs
 *       it has on one host; routing takes one balancer call per pool for adds and one for removes;
 *       min_healthy_seconds after the uptests of a wave that starts procs; drain_seconds before the
 *       stops of a wave that removes routes. A failure before routing adds the teardown of the wave's
 *       new procs, one by one. The ETA is cumulative and leaves out a canary's wait for an operator.
 * </ul>
 */
public final class RolloutSimulator {
  private RolloutSimulator() {}

  /**
   * What to simulate: faults, step durations and what an operator does at a canary pause.
   *
   * @param faults the faults to inject
   * @param steps how long each step takes
   * @param revertCanary whether the canary is reverted ({@code vr revert}) rather than promoted
   */
  public record Scenario(List<Fault> faults, StepSeconds steps, boolean revertCanary) {
    /**
     * A scenario.
     *
     * @param faults the faults
     * @param steps the step durations
     * @param revertCanary whether the canary is reverted
     * @throws NullPointerException if a field is null
     */
    public Scenario {
      faults = List.copyOf(faults);
      Objects.requireNonNull(steps, "steps");
    }

    /** No fault, the default step durations, a canary promoted. */
    public static Scenario clean() {
      return new Scenario(List.of(), StepSeconds.defaults(), false);
    }

    /**
     * This scenario with one more fault.
     *
     * @param fault the fault
     * @return the scenario with it
     */
    public Scenario with(Fault fault) {
      List<Fault> all = new ArrayList<>(faults);
      all.add(fault);
      return new Scenario(all, steps, revertCanary);
    }

    /**
     * This scenario with those step durations.
     *
     * @param seconds the step durations
     * @return the scenario with them
     */
    public Scenario withSteps(StepSeconds seconds) {
      return new Scenario(faults, seconds, revertCanary);
    }

    /**
     * This scenario with the canary reverted (or promoted).
     *
     * @param revert whether the canary is reverted
     * @return the scenario so
     */
    public Scenario withRevertCanary(boolean revert) {
      return new Scenario(faults, steps, revert);
    }
  }

  /**
   * Simulates a dispatch of the swarm, with pool members from the snapshot.
   *
   * @param desired the swarm as it should be, with its release hash
   * @param snapshot the fleet before the dispatch
   * @param scenario faults, step durations, canary decision
   * @return the simulation
   * @throws InvalidValueException if a fault names a host the snapshot lacks, loses a host already
   *     unreachable, or names a wave the rollout does not have
   */
  public static RolloutSimulation simulate(DesiredSwarm desired, FleetSnapshot snapshot, Scenario scenario) {
    return simulate(desired, snapshot, PlanPolicy.defaults(), scenario);
  }

  /**
   * Simulates a dispatch of the swarm.
   *
   * @param desired the swarm as it should be, with its release hash
   * @param snapshot the fleet before the dispatch
   * @param policy pool members fresher than the snapshot's (deleting is not simulated)
   * @param scenario faults, step durations, canary decision
   * @return the simulation
   * @throws InvalidValueException if a fault names a host the snapshot lacks, loses a host already
   *     unreachable, or names a wave the rollout does not have
   */
  public static RolloutSimulation simulate(DesiredSwarm desired, FleetSnapshot snapshot, PlanPolicy policy,
      Scenario scenario) {
    Objects.requireNonNull(desired, "desired");
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(scenario, "scenario");
    UpdatePolicy update = desired.swarm().updatePolicy();
    RolloutPlan rollout = RolloutPlanner.plan(desired, snapshot, policy, update);
    check(scenario, snapshot, rollout);
    return new Run(desired, rollout, scenario, snapshot, policy).run();
  }

  private static void check(Scenario scenario, FleetSnapshot snapshot, RolloutPlan rollout) {
    int waves = rollout.waves().size();
    for (Fault f : scenario.faults()) {
      String option = f.kind() == Fault.Kind.HOST_LOST ? "--lose-host" : "--fail";
      Optional<HostSnapshot> h = snapshot.host(f.host());
      if (h.isEmpty()) {
        throw InvalidValueException.of(option, f.format(), "host " + f.host() + " is not in the snapshot");
      }
      if (f.kind() == Fault.Kind.HOST_LOST && !h.get().reachable()) {
        throw InvalidValueException.of(option, f.format(), "host " + f.host() + " is unreachable in the snapshot already");
      }
      if (f.wave() > waves) {
        throw InvalidValueException.of(option, f.format(), "the rollout has " + (waves == 0 ? "no wave (nothing to do)"
            : waves == 1 ? "1 wave" : waves + " waves"));
      }
    }
  }

  /** The state of one simulated run. */
  private static final class Run {
    private final DesiredSwarm desired;
    private final RolloutPlan rollout;
    private final Scenario scenario;
    private final FleetSnapshot before;
    private final UpdatePolicy update;
    /** Every proc of the swarm the run knows of: the rollout's and the revert's. */
    private final Set<ProcRef> universe = new HashSet<>();
    private final Set<HostName> lost = new TreeSet<>();
    private FleetSnapshot fleet;
    private PlanPolicy policy;
    private long eta;

    Run(DesiredSwarm desired, RolloutPlan rollout, Scenario scenario, FleetSnapshot before, PlanPolicy policy) {
      this.desired = desired;
      this.rollout = rollout;
      this.scenario = scenario;
      this.before = before;
      this.update = rollout.update();
      this.fleet = before;
      // the revert re-dispatches a swarm; it deletes nothing
      this.policy = PlanPolicy.builder().from(policy).deleting(false).build();
      addToUniverse(rollout.plan());
    }

    RolloutSimulation run() {
      Optional<Previous> previous = previous(rollout.plan());
      List<SimulatedWave> waves = new ArrayList<>();
      Optional<Revert> revert = Optional.empty();
      Outcome outcome = Outcome.SUCCEEDED;
      String summary = null;
      int total = rollout.waves().size();
      int i = 0;
      for (; i < total; i++) {
        Wave w = rollout.waves().get(i);
        List<String> notes = new ArrayList<>();
        for (Fault f : scenario.faults()) {
          if (f.kind() == Fault.Kind.HOST_LOST && f.wave() == w.number()) {
            lose(f.host(), w.number());
            notes.add("host " + f.host() + " is lost: it is unreachable from now on and its procs serve nothing");
          }
        }
        Step step = step(w, true, notes);
        waves.add(wave(w, total, step, notes));
        if (step.outcome == WaveOutcome.FAILED) {
          String failure = "wave " + w.number() + "/" + total + " fails (" + step.why + ")";
          if (update.onFailure() == OnFailure.REVERT && previous.isPresent()) {
            revert = Optional.of(revert(previous.get(), "on_failure revert after " + failure));
            outcome = Outcome.REVERTED;
            summary = failure + "; on_failure revert: release " + previous.get().releaseHash() + " (version "
                + previous.get().version() + ") is re-dispatched with the same policy in " + waveCount(revert.get());
          } else if (update.onFailure() == OnFailure.REVERT) {
            waves.get(waves.size() - 1).notes().add("on_failure revert: the swarm had no procs before the rollout,"
                + " so there is nothing to revert to; the run fails");
            outcome = Outcome.FAILED;
            summary = failure + "; nothing to revert to: the run fails";
          } else {
            waves.get(waves.size() - 1).notes().add("on_failure stop: the run fails here; what serves keeps serving,"
                + " and the next dispatch plans again from the fleet");
            outcome = Outcome.FAILED;
            summary = failure + "; on_failure stop: the run fails";
          }
          i++;
          break;
        }
        if (w.canary()) {
          if (scenario.revertCanary() && previous.isPresent()) {
            waves.get(waves.size() - 1).notes().add("pause: the run waits in state canary; simulated as reverted"
                + " (`vr revert " + rollout.plan().swarmName() + "`): the canaries are retired");
            revert = Optional.of(revert(previous.get(), "the canary is reverted (vr revert)"));
            outcome = Outcome.REVERTED;
            summary = "the canary wave is reverted: release " + previous.get().releaseHash() + " (version "
                + previous.get().version() + ") is re-dispatched in " + waveCount(revert.get());
            i++;
            break;
          }
          waves.get(waves.size() - 1).notes().add("pause: the run waits in state canary for `vr promote "
              + rollout.plan().swarmName() + "` or `vr revert " + rollout.plan().swarmName() + "`; simulated as "
              + (scenario.revertCanary() ? "promoted (nothing to revert to: the swarm had no procs before)" : "promoted")
              + "; the ETA leaves out the wait");
        }
      }
      for (; i < total; i++) {
        Wave w = rollout.waves().get(i);
        waves.add(new SimulatedWave(w.number(), total, w.canary(), w.plan().starts().size(), w.plan().stops().size(),
            w.plan().routeAdds().size(), w.plan().routeRemoves().size(), inService(), procs(), w.peakProcs(),
            w.peakPorts(), WaveOutcome.NOT_RUN, new ArrayList<>(), new WaveTime(0, 0, 0, 0, 0, 0, 0), eta));
      }
      if (summary == null) {
        summary = total == 0 ? "nothing to do: the swarm already runs as it should"
            : "the rollout succeeds in " + (total == 1 ? "1 wave" : total + " waves");
      }
      List<SimulatedWave> frozen = waves.stream().map(RolloutSimulator::frozen).toList();
      revert = revert.map(r -> new Revert(r.reason(), r.rollout(), r.waves().stream().map(RolloutSimulator::frozen).toList()));
      return new RolloutSimulation(rollout, scenario, previous, frozen, revert, outcome, summary, inService(), procs(),
          serving(), eta, fleet);
    }

    private static String waveCount(Revert r) {
      int n = r.waves().size();
      return n == 0 ? "no wave (nothing to change)" : n == 1 ? "1 wave" : n + " waves";
    }

    private Revert revert(Previous previous, String reason) {
      Swarm swarm = desired.swarm();
      Version version = swarm.version().nameForm().equals(previous.version()) ? swarm.version()
          : Version.of(previous.version());
      Swarm old = swarm.withVersion(version);
      if (!swarm.onePerHost()) {
        try {
          old = old.withSize(previous.size());
        } catch (InvalidValueException policyDoesNotFit) {
          // the policy is checked against the size; the stored swarm's was valid for it, this one need not be
          old = old.toBuilder().size(previous.size()).update(Optional.empty()).build();
        }
      }
      DesiredSwarm back = DesiredSwarm.of(old, previous.releaseHash());
      RolloutPlan plan = RolloutPlanner.plan(back, fleet, policy, old.updatePolicy());
      addToUniverse(plan.plan());
      List<SimulatedWave> waves = new ArrayList<>();
      int total = plan.waves().size();
      for (Wave w : plan.waves()) {
        List<String> notes = new ArrayList<>();
        Step step = step(w, false, notes);
        if (w.canary()) {
          notes.add("the revert's canary wave: simulated as promoted");
        }
        waves.add(wave(w, total, step, notes));
      }
      return new Revert(reason, plan, waves);
    }

    private SimulatedWave wave(Wave w, int total, Step step, List<String> notes) {
      return new SimulatedWave(w.number(), total, w.canary(), w.plan().starts().size(), w.plan().stops().size(),
          w.plan().routeAdds().size(), w.plan().routeRemoves().size(), inService(), procs(), w.peakProcs(),
          w.peakPorts(), step.outcome, notes, step.time, eta);
    }

    /** What one wave does to the fleet, how long it takes, and whether it fails. */
    private record Step(WaveOutcome outcome, WaveTime time, String why) {}

    private Step step(Wave w, boolean faults, List<String> notes) {
      SwarmPlan p = w.plan();
      StepSeconds s = scenario.steps();
      List<ProcRef> toUptest = toUptest(p);
      List<Start> reachableStarts = p.starts().stream().filter(x -> !lost.contains(x.host())).toList();
      List<Start> lostStarts = p.starts().stream().filter(x -> lost.contains(x.host())).toList();
      List<ProcRef> lostUptests = toUptest.stream().filter(r -> lost.contains(r.host())).toList();
      int start = s.start() * most(reachableStarts, Start::host);
      if (!lostStarts.isEmpty() || !lostUptests.isEmpty()) {
        HostName h = !lostStarts.isEmpty() ? lostStarts.get(0).host() : lostUptests.get(0).host();
        int created = reachableStarts.size();
        String why = lostStarts.isEmpty() ? "cannot uptest " + lostUptests.size() + " proc(s) on lost host " + h
            : "cannot start " + lostStarts.size() + " proc(s) on lost host " + h;
        int uptest = lostStarts.isEmpty() ? s.uptest() * most(toUptest.stream().filter(r -> !lost.contains(r.host()))
            .toList(), ProcRef::host) : 0;
        notes.add("fails: " + why + "; routing had not begun, so the wave's " + created + " new proc(s) elsewhere are"
            + " torn down and nothing else changes");
        return finish(new Step(WaveOutcome.FAILED, new WaveTime(start, uptest, 0, 0, 0, 0, s.stop() * created), why));
      }
      int uptest = s.uptest() * most(toUptest, ProcRef::host);
      if (faults) {
        Set<HostName> failing = new TreeSet<>();
        for (Fault f : scenario.faults()) {
          if (f.kind() == Fault.Kind.UPTEST_FAILS && f.wave() <= w.number()
              && toUptest.stream().anyMatch(r -> r.host().equals(f.host()))) {
            failing.add(f.host());
          }
        }
        if (!failing.isEmpty()) {
          long count = toUptest.stream().filter(r -> failing.contains(r.host())).count();
          String why = "uptests fail on " + String.join(", ", failing.stream().map(HostName::value).toList()) + " ("
              + count + " proc(s))";
          notes.add("fails: " + why + "; routing had not begun, so the wave's " + p.starts().size()
              + " new proc(s) are torn down and nothing else changes");
          return finish(new Step(WaveOutcome.FAILED, new WaveTime(start, uptest, 0, 0, 0, 0, s.stop() * p.starts().size()),
              why));
        }
      }
      int healthy = p.starts().isEmpty() ? 0 : update.minHealthySeconds();
      int route = s.route() * (pools(p.routeAdds()) + pools(p.routeRemoves()));
      int drain = !p.routeRemoves().isEmpty() && !p.stops().isEmpty() ? update.drainSeconds() : 0;
      List<Stop> reachableStops = p.stops().stream().filter(x -> !lost.contains(x.host())).toList();
      List<Stop> lostStops = p.stops().stream().filter(x -> lost.contains(x.host())).toList();
      int stop = s.stop() * most(reachableStops, Stop::host);
      WaveTime time = new WaveTime(start, uptest, healthy, route, drain, stop, 0);
      if (!lostStops.isEmpty()) {
        apply(SwarmPlan.builder().from(p).stops(reachableStops).build());
        String why = "cannot stop " + lostStops.size() + " proc(s) on lost host " + lostStops.get(0).host();
        notes.add("fails: " + why + "; routing had begun, so the wave's new procs stay and its other stops are done");
        return finish(new Step(WaveOutcome.FAILED, time, why));
      }
      apply(p);
      return finish(new Step(w.canary() ? WaveOutcome.PAUSED : WaveOutcome.DONE, time, ""));
    }

    private Step finish(Step step) {
      eta += step.time.total();
      return step;
    }

    private void apply(SwarmPlan p) {
      // never a start or stop on a lost host: a wave that needs one fails first, or its stops there are left out
      fleet = PlanSimulator.apply(p, fleet);
      policy = PlanSimulator.apply(p, policy);
    }

    private void lose(HostName host, int wave) {
      lost.add(host);
      List<HostSnapshot> hosts = new ArrayList<>();
      for (HostSnapshot h : fleet.hosts()) {
        hosts.add(!h.host().name().equals(host) ? h : HostSnapshot.builder().from(h).reachable(false)
            .unreachableReason("lost at wave " + wave + " (simulated)").build());
      }
      fleet = fleet.toBuilder().hosts(hosts).build();
    }

    private void addToUniverse(SwarmPlan p) {
      for (Keep k : p.keeps()) {
        universe.add(new ProcRef(k.host(), k.name()));
      }
      for (Stop s : p.stops()) {
        universe.add(s.ref());
      }
      for (Start s : p.starts()) {
        universe.add(s.ref());
      }
      for (UnreachableHost u : p.unreachable()) {
        for (ProcName n : u.procs()) {
          universe.add(new ProcRef(u.host(), n));
        }
      }
    }

    private List<ObservedProc> swarmProcs() {
      List<ObservedProc> out = new ArrayList<>();
      for (HostSnapshot h : fleet.hosts()) {
        if (!h.reachable()) {
          continue;
        }
        for (ObservedProc o : h.procs()) {
          if (universe.contains(new ProcRef(h.host().name(), o.name()))) {
            out.add(o);
          }
        }
      }
      return out;
    }

    private int inService() {
      return (int) swarmProcs().stream().filter(o -> o.state().isUp()).count();
    }

    private int procs() {
      return swarmProcs().size();
    }

    private List<Serving> serving() {
      Map<String, Integer> counts = new TreeMap<>();
      for (ObservedProc o : swarmProcs()) {
        if (o.state().isUp()) {
          counts.merge(releaseOf(o.name()) + " " + versionOf(o.name()), 1, Integer::sum);
        }
      }
      List<Serving> out = new ArrayList<>();
      counts.forEach((k, n) -> out.add(new Serving(k.substring(0, k.indexOf(' ')), k.substring(k.indexOf(' ') + 1), n)));
      return out;
    }
  }

  /** The release the swarm ran before: most procs in service, then most procs, then the greater hash. */
  static Optional<Previous> previous(SwarmPlan whole) {
    Map<String, int[]> byRelease = new TreeMap<>();
    int size = 0;
    List<Map.Entry<ProcName, Boolean>> procs = new ArrayList<>();
    for (Keep k : whole.keeps()) {
      procs.add(Map.entry(k.name(), true));
    }
    for (Stop s : whole.stops()) {
      procs.add(Map.entry(s.name(), s.inService()));
    }
    for (UnreachableHost u : whole.unreachable()) {
      for (ProcName n : u.procs()) {
        procs.add(Map.entry(n, false));
      }
    }
    for (Map.Entry<ProcName, Boolean> e : procs) {
      size++;
      String hash = releaseOf(e.getKey());
      if (!ReleaseHash.isValid(hash)) {
        continue;
      }
      int[] c = byRelease.computeIfAbsent(hash + " " + versionOf(e.getKey()), k -> new int[2]);
      c[0] += e.getValue() ? 1 : 0;
      c[1]++;
    }
    String best = null;
    for (Map.Entry<String, int[]> e : byRelease.entrySet()) {
      int[] c = e.getValue();
      if (best == null || c[0] > byRelease.get(best)[0] || (c[0] == byRelease.get(best)[0] && c[1] >= byRelease.get(best)[1])) {
        best = e.getKey();
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    int space = best.indexOf(' ');
    return Optional.of(new Previous(ReleaseHash.of(best.substring(0, space)), best.substring(space + 1), size));
  }

  private static String releaseOf(ProcName n) {
    if (n instanceof ProcName.Ours o) {
      return o.hash().value();
    }
    return n instanceof ProcName.Legacy l ? l.hash() : "";
  }

  private static String versionOf(ProcName n) {
    if (n instanceof ProcName.Ours o) {
      return o.versionName();
    }
    return n instanceof ProcName.Legacy l ? l.versionName() : "";
  }

  /** What the dispatcher uptests in a wave: its starts, and the procs behind its route adds. */
  private static List<ProcRef> toUptest(SwarmPlan p) {
    Set<ProcRef> out = new TreeSet<>();
    for (Start s : p.starts()) {
      out.add(s.ref());
    }
    for (RouteChange a : p.routeAdds()) {
      a.proc().ifPresent(out::add);
    }
    return new ArrayList<>(out);
  }

  private static <T> int most(List<T> items, Function<T, HostName> host) {
    Map<HostName, Integer> per = new HashMap<>();
    int most = 0;
    for (T t : items) {
      most = Math.max(most, per.merge(host.apply(t), 1, Integer::sum));
    }
    return most;
  }

  private static int pools(List<RouteChange> changes) {
    Set<PoolRef> pools = new HashSet<>();
    changes.forEach(c -> pools.add(c.pool()));
    return pools.size();
  }

  private static SimulatedWave frozen(SimulatedWave w) {
    return new SimulatedWave(w.number(), w.of(), w.canary(), w.starts(), w.stops(), w.routeAdds(), w.routeRemoves(),
        w.inService(), w.procs(), w.peakProcs(), w.peakPorts(), w.outcome(), List.copyOf(w.notes()), w.time(),
        w.etaSeconds());
  }
}
