package io.velociraptor.core.plan;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.UpdatePolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cuts one single diff into waves. Every action of the diff goes to exactly one wave, so the
 * waves end where the diff ends; placement, ports and pairs are the planner's. Wave by wave:
 * start up to max_parallel new procs (round robin over hosts) while the swarm stays within size +
 * max_surge; then stop the in-service procs whose replacements are now started and routed, in the
 * first wave that is no canary every proc that is not up, and as many in-service procs without a
 * replacement (excess, shrink) as keep min_in_service in service.
 */
final class RolloutComputation {
  /** A route change tied to no start or stop: done in the first wave that is no canary. */
  private static final int FIRST = -1;
  /** A route change done in the last wave: an awaiting proc's previous pool keeps it until then. */
  private static final int LAST = -2;

  private final SwarmPlan plan;
  private final FleetSnapshot snapshot;
  private final UpdatePolicy update;
  private final List<Start> starts;
  private final List<Stop> stops;
  private final int[] startWave;
  private final int[] stopWave;

  RolloutComputation(SwarmPlan plan, FleetSnapshot snapshot, UpdatePolicy update) {
    this.plan = plan;
    this.snapshot = snapshot;
    this.update = update;
    this.starts = plan.starts();
    this.stops = plan.stops();
    this.startWave = new int[starts.size()];
    this.stopWave = new int[stops.size()];
  }

  RolloutPlan run() {
    int target = plan.target();
    int parallel = update.parallelFor(target);
    Optional<Integer> limit = update.procLimitFor(target);
    int canary = Math.min(update.canary(), starts.size());
    if (limit.isPresent()) {
      canary = Math.min(canary, limit.get() - target); // a one-per-host swarm's percent surge, known only now
    }
    int procsBefore = plan.keeps().size() + stops.size();
    int inServiceBefore = plan.keeps().size();
    for (Stop s : stops) {
      if (s.inService()) {
        inServiceBefore++;
      }
    }
    int floor = Math.min(update.minInServiceFor(target), inServiceBefore);

    Map<ProcRef, Integer> startIndex = new HashMap<>();
    for (int i = 0; i < starts.size(); i++) {
      startIndex.put(starts.get(i).ref(), i);
    }
    Map<ProcRef, Integer> stopIndex = new HashMap<>();
    // the in-service proc each start retires, stopped once that start is routed
    int[] pairedStop = new int[starts.size()];
    Arrays.fill(pairedStop, -1);
    List<Integer> down = new ArrayList<>();
    List<Integer> unpairedUp = new ArrayList<>();
    for (int j = 0; j < stops.size(); j++) {
      Stop s = stops.get(j);
      stopIndex.put(s.ref(), j);
      if (!s.inService()) {
        down.add(j);
      } else if (s.replacedBy().isPresent() && startIndex.containsKey(s.replacedBy().get())) {
        pairedStop[startIndex.get(s.replacedBy().get())] = j;
      } else {
        unpairedUp.add(j);
      }
    }
    int[] addTie = new int[plan.routeAdds().size()];
    for (int i = 0; i < addTie.length; i++) {
      Optional<ProcRef> proc = plan.routeAdds().get(i).proc();
      Integer s = proc.isPresent() && plan.routeAdds().get(i).reason() == RouteReason.NEW_PROC ? startIndex.get(proc.get()) : null;
      addTie[i] = s != null ? s : FIRST;
    }
    Set<ProcRef> awaiting = new HashSet<>();
    for (Keep k : plan.keeps()) {
      if (k.reason() == KeepReason.AWAITING_REPLACEMENT) {
        awaiting.add(k.ref());
      }
    }
    int[] removeTie = new int[plan.routeRemoves().size()];
    boolean anyFirst = false;
    boolean anyLast = false;
    for (int i = 0; i < removeTie.length; i++) {
      Optional<ProcRef> proc = plan.routeRemoves().get(i).proc();
      Integer s = proc.isPresent() ? stopIndex.get(proc.get()) : null;
      removeTie[i] = s != null ? s : proc.isPresent() && awaiting.contains(proc.get()) ? LAST : FIRST;
      anyFirst |= removeTie[i] == FIRST;
      anyLast |= removeTie[i] == LAST;
    }
    for (int t : addTie) {
      anyFirst |= t == FIRST;
    }

    int[] order = roundRobin();
    List<int[]> meta = new ArrayList<>(); // per wave: canary (0/1), peak procs, in service after
    int procs = procsBefore;
    int inService = inServiceBefore;
    int next = 0;
    int remainingStops = stops.size();
    int firstWave = 0;
    boolean canaryPending = canary > 0;
    List<Integer> releasable = new ArrayList<>();
    int unpairedNext = 0;
    int wave = 0;
    while (next < starts.size() || remainingStops > 0 || (firstWave == 0 && anyFirst)) {
      wave++;
      int room = limit.isPresent() ? limit.get() - procs : Integer.MAX_VALUE;
      boolean isCanary = false;
      int n;
      if (canaryPending) {
        // above the limit (a shrinking swarm), a wave of stops goes first to make room for the canaries
        isCanary = room >= canary;
        n = isCanary ? canary : 0;
        canaryPending = !isCanary;
      } else {
        n = Math.min(Math.min(parallel, starts.size() - next), Math.max(room, 0));
      }
      for (int i = 0; i < n; i++) {
        int s = order[next++];
        startWave[s] = wave;
        if (pairedStop[s] >= 0) {
          releasable.add(pairedStop[s]);
        }
      }
      int peak = procs + n;
      procs += n;
      inService += n;
      int stopped = 0;
      if (!isCanary) {
        for (int j : releasable) {
          stopWave[j] = wave;
          stopped++;
          inService--;
        }
        releasable.clear();
        if (firstWave == 0) {
          firstWave = wave;
          for (int j : down) {
            stopWave[j] = wave;
            stopped++;
          }
        }
        while (unpairedNext < unpairedUp.size() && inService > floor) {
          stopWave[unpairedUp.get(unpairedNext++)] = wave;
          stopped++;
          inService--;
        }
      }
      procs -= stopped;
      remainingStops -= stopped;
      if (n == 0 && stopped == 0 && !(wave == firstWave && anyFirst)) {
        // cannot happen by the rules above (docs/rollouts.md shows why); never loop: finish here
        for (int i = next; i < order.length; i++) {
          startWave[order[i]] = wave;
        }
        next = order.length;
        for (int j = 0; j < stopWave.length; j++) {
          if (stopWave[j] == 0) {
            stopWave[j] = wave;
          }
        }
        remainingStops = 0;
      }
      meta.add(new int[] {isCanary ? 1 : 0, peak, inService});
    }
    if (wave == 0 && anyLast) {
      wave = 1;
      firstWave = 1;
      meta.add(new int[] {0, procs, inService});
    }
    return RolloutPlan.builder()
        .plan(plan)
        .update(update)
        .maxParallel(parallel)
        .maxProcs(limit)
        .minInService(floor)
        .procsBefore(procsBefore)
        .inServiceBefore(inServiceBefore)
        .waves(waves(meta, addTie, removeTie, firstWave))
        .build();
  }

  /** Start indexes, round robin over hosts: each host's first start, then each host's second... */
  private int[] roundRobin() {
    Map<HostName, List<Integer>> byHost = new LinkedHashMap<>();
    for (int i = 0; i < starts.size(); i++) {
      byHost.computeIfAbsent(starts.get(i).host(), k -> new ArrayList<>(2)).add(i);
    }
    int[] order = new int[starts.size()];
    int n = 0;
    for (int round = 0; n < order.length; round++) {
      for (List<Integer> host : byHost.values()) {
        if (round < host.size()) {
          order[n++] = host.get(round);
        }
      }
    }
    return order;
  }

  private List<Wave> waves(List<int[]> meta, int[] addTie, int[] removeTie, int firstWave) {
    int count = meta.size();
    // the swarm's procs in (host, name) order, once: each wave's keeps are a pass over it
    List<SwarmProc> procs = new ArrayList<>(plan.keeps().size() + stops.size() + starts.size());
    for (Keep k : plan.keeps()) {
      procs.add(new SwarmProc(k.ref(), k, -1, -1));
    }
    for (int j = 0; j < stops.size(); j++) {
      procs.add(new SwarmProc(stops.get(j).ref(), null, j, -1));
    }
    for (int i = 0; i < starts.size(); i++) {
      procs.add(new SwarmProc(starts.get(i).ref(), null, -1, i));
    }
    procs.sort((a, b) -> a.ref().compareTo(b.ref()));
    Ports ports = new Ports();
    List<Wave> out = new ArrayList<>(count);
    for (int w = 1; w <= count; w++) {
      List<Start> waveStarts = new ArrayList<>();
      for (int i = 0; i < starts.size(); i++) {
        if (startWave[i] == w) {
          waveStarts.add(starts.get(i));
        }
      }
      List<Stop> waveStops = new ArrayList<>();
      for (int j = 0; j < stops.size(); j++) {
        if (stopWave[j] == w) {
          waveStops.add(stops.get(j));
        }
      }
      List<RouteChange> adds = new ArrayList<>();
      for (int i = 0; i < addTie.length; i++) {
        int at = addTie[i] >= 0 ? startWave[addTie[i]] : firstWave;
        if (at == w) {
          adds.add(plan.routeAdds().get(i));
        }
      }
      List<RouteChange> removes = new ArrayList<>();
      for (int i = 0; i < removeTie.length; i++) {
        int at = removeTie[i] >= 0 ? stopWave[removeTie[i]] : removeTie[i] == LAST ? count : firstWave;
        if (at == w) {
          removes.add(plan.routeRemoves().get(i));
        }
      }
      List<Keep> keeps = new ArrayList<>();
      for (SwarmProc p : procs) {
        if (p.keep() != null) {
          keeps.add(p.keep());
        } else if (p.stop() >= 0 && stopWave[p.stop()] > w) {
          keeps.add(new Keep(p.ref().host(), p.ref().name(), KeepReason.AWAITING_REPLACEMENT));
        } else if (p.start() >= 0 && startWave[p.start()] < w) {
          keeps.add(new Keep(p.ref().host(), p.ref().name(), KeepReason.CURRENT));
        }
      }
      int[] m = meta.get(w - 1);
      SwarmPlan wavePlan = SwarmPlan.builder().from(plan).starts(waveStarts).stops(waveStops).keeps(keeps)
          .routeAdds(adds).routeRemoves(removes).build();
      out.add(Wave.builder().number(w).canary(m[0] == 1).peakProcs(m[1]).inService(m[2])
          .peakPorts(ports.wave(waveStarts, waveStops)).plan(wavePlan).build());
    }
    return out;
  }

  /** A proc of the swarm: one the whole plan keeps, or the index of its stop or its start. */
  private record SwarmProc(ProcRef ref, Keep keep, int stop, int start) {}

  /** The port ledger of the hosts the waves touch, carried from wave to wave. */
  private final class Ports {
    private final Map<HostName, Map<Integer, Integer>> held = new HashMap<>();
    private final Map<HostName, PortRange> ranges = new HashMap<>();
    private Map<HostName, List<PortLock>> locks;

    /** @return per touched host the ports held after the starts (and then applies the stops) */
    List<HostPorts> wave(List<Start> waveStarts, List<Stop> waveStops) {
      Map<HostName, Map<Integer, Integer>> touched = new TreeMap<>();
      for (Start s : waveStarts) {
        Map<Integer, Integer> h = host(s.host());
        touched.put(s.host(), h);
        if (ranges.get(s.host()).contains(s.port().value())) {
          h.merge(s.port().value(), 1, Integer::sum);
        }
      }
      for (Stop s : waveStops) {
        touched.put(s.host(), host(s.host()));
      }
      List<HostPorts> out = new ArrayList<>(touched.size());
      touched.forEach((name, h) -> out.add(new HostPorts(name, h.size(), ranges.get(name).size())));
      for (Stop s : waveStops) {
        Optional<Port> port = s.name().port();
        if (port.isPresent()) {
          held.get(s.host()).computeIfPresent(port.get().value(), (k, v) -> v == 1 ? null : v - 1);
        }
      }
      return out;
    }

    private Map<Integer, Integer> host(HostName name) {
      Map<Integer, Integer> h = held.get(name);
      if (h != null) {
        return h;
      }
      h = new HashMap<>();
      HostSnapshot hs = find(name);
      PortRange range = hs.host().portRange();
      ranges.put(name, range);
      for (ObservedProc p : hs.procs()) {
        Optional<Port> port = p.port();
        if (port.isPresent() && range.contains(port.get().value())) {
          h.merge(port.get().value(), 1, Integer::sum);
        }
      }
      if (locks == null) {
        locks = new HashMap<>();
        for (PortLock l : snapshot.portLocks()) {
          locks.computeIfAbsent(l.host(), k -> new ArrayList<>(2)).add(l);
        }
      }
      for (PortLock l : locks.getOrDefault(name, List.of())) {
        if (range.contains(l.port().value())) {
          h.merge(l.port().value(), 1, Integer::sum);
        }
      }
      held.put(name, h);
      return h;
    }

    /** Hosts are sorted by name: a binary search. */
    private HostSnapshot find(HostName name) {
      List<HostSnapshot> hosts = snapshot.hosts();
      int lo = 0;
      int hi = hosts.size() - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = hosts.get(mid).host().name().compareTo(name);
        if (c == 0) {
          return hosts.get(mid);
        } else if (c < 0) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      throw new IllegalArgumentException("the plan touches host " + name + ", which the snapshot lacks: stage a plan with the snapshot it was made from");
    }
  }
}
