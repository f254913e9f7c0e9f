package io.velociraptor.core.plan;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * One run of the planner. Indexes the snapshot in a single pass (the swarm's procs by class, per
 * squad host its counts; port bitsets lazily, only for hosts that receive a start), then decides
 * what to keep, stop and start, where, and how to route.
 */
final class PlanComputation {
  private final Swarm swarm;
  private final SwarmId id;
  private final AppName app;
  private final ConfigName config;
  private final ProcTypeName procType;
  private final ReleaseHash hash;
  private final boolean buildPending;
  private final String hashText;
  private final String versionName;
  private final boolean deleting;
  private final FleetSnapshot snapshot;
  private final PlanPolicy policy;

  /** Squad hosts, in name order. */
  private final List<HostState> squadHosts = new ArrayList<>();
  private final List<Retiree> retirees = new ArrayList<>();
  private final List<Stop> stops = new ArrayList<>();
  private final List<Keep> keeps = new ArrayList<>();
  /** The proc behind each entry of {@link #keeps}, same index. */
  private final List<Mine> keptMines = new ArrayList<>();
  private final List<Start> starts = new ArrayList<>();
  /** The host of each entry of {@link #starts}, same index. */
  private final List<HostState> startHosts = new ArrayList<>();
  private final List<Unplaced> unplaced = new ArrayList<>();
  private final List<UnreachableHost> unreachable = new ArrayList<>();
  /** Every proc of this swarm on any host, reachable or not. */
  private final List<Mine> mines = new ArrayList<>();
  /** {@link #mines} by pool member, built only when some pool is known. */
  private Map<PoolMember, Mine> mineByMember;
  private final Map<ProcRef, Mine> stopped = new HashMap<>();
  private Map<HostName, List<PortLock>> locksByHost;
  private int target;
  /** {@link PlanPolicy#restart()}, hashed: its natural order compares formatted names. */
  private final Set<ProcRef> restart;

  PlanComputation(DesiredSwarm desired, FleetSnapshot snapshot, PlanPolicy policy) {
    this.swarm = desired.swarm();
    this.id = swarm.id();
    this.app = swarm.app();
    this.config = swarm.config();
    this.procType = swarm.procType();
    this.hash = desired.releaseHash();
    this.buildPending = desired.buildPending();
    this.hashText = hash.value();
    this.versionName = swarm.version().nameForm();
    this.deleting = policy.deleting();
    this.snapshot = snapshot;
    this.policy = policy;
    this.restart = policy.restart().isEmpty() ? Set.of() : new HashSet<>(policy.restart());
  }

  SwarmPlan run() {
    Optional<Squad> squad = snapshot.squad(swarm.squad());
    SortedSet<HostName> squadNames = squad.isPresent() ? squad.get().hosts() : Collections.emptySortedSet();
    index(squadNames);
    int eligible = 0;
    for (HostState h : squadHosts) {
      if (h.eligible) {
        eligible++;
      }
    }
    target = deleting ? 0 : swarm.onePerHost() ? eligible : swarm.size();
    int kept = deleting ? 0 : swarm.onePerHost() ? keepOnePerHost() : keepUpToSize();
    if (!deleting) {
      if (swarm.onePerHost()) {
        placeOnePerHost();
      } else {
        placeBySize(target - kept, eligible, squad.isPresent());
      }
    }
    retire();
    Routes routes = route();
    return SwarmPlan.builder()
        .swarmId(id)
        .swarmName(swarm.name())
        .squad(swarm.squad())
        .releaseHash(hash)
        .buildPending(buildPending)
        .version(swarm.version())
        .target(target)
        .onePerHost(swarm.onePerHost())
        .deleting(deleting)
        .pool(poolOf(swarm))
        .routingKnown(routes.known)
        .starts(sorted(starts))
        .stops(sortedByProc(stops, Stop::host, Stop::name))
        .keeps(sortedByProc(keeps, Keep::host, Keep::name))
        .routeAdds(sorted(routes.adds))
        .routeRemoves(sorted(routes.removes))
        .unplaced(sorted(unplaced))
        .unreachable(sorted(unreachable))
        .build();
  }

  // --- indexing ------------------------------------------------------------------------------

  /** One pass over every proc of every host: classifies this swarm's procs; ignores the rest. */
  private void index(SortedSet<HostName> squadNames) {
    // hosts and squad members are both sorted by name: walk them together instead of looking up
    Iterator<HostName> members = squadNames.iterator();
    HostName nextMember = members.hasNext() ? members.next() : null;
    for (HostSnapshot hs : snapshot.hosts()) {
      HostName hostName = hs.host().name();
      while (nextMember != null && nextMember.compareTo(hostName) < 0) {
        nextMember = members.hasNext() ? members.next() : null;
      }
      boolean inSquad = nextMember != null && nextMember.equals(hostName);
      HostState state = null;
      if (inSquad) {
        state = new HostState(hs);
        squadHosts.add(state);
      }
      List<ProcName> lost = null;
      for (ObservedProc p : hs.procs()) {
        ProcName n = p.name();
        boolean sameIdentity;
        boolean sameRelease;
        if (n instanceof ProcName.Ours o) {
          if (!o.swarmId().equals(id)) {
            continue;
          }
          sameIdentity = o.app().equals(app) && o.config().equals(config) && o.procType().equals(procType);
          sameRelease = o.hash().value().equals(hashText) && o.versionName().equals(versionName);
        } else if (n instanceof ProcName.Legacy l) {
          // the original's membership rule: app, config and proc name, on a host of the squad
          if (!inSquad || !l.app().equals(app) || !l.config().equals(config) || !l.procType().equals(procType)) {
            continue;
          }
          sameIdentity = true;
          sameRelease = l.hash().equals(hashText) && l.versionName().equals(versionName);
        } else {
          continue;
        }
        Mine mine = new Mine(hs, p);
        mines.add(mine);
        if (!hs.reachable()) {
          if (lost == null) {
            lost = new ArrayList<>();
          }
          lost.add(n);
        } else if (deleting) {
          retirees.add(new Retiree(mine, StopReason.SWARM_DELETED, "swarm " + swarm.name() + " is being deleted"));
        } else if (!sameIdentity || !inSquad) {
          retirees.add(new Retiree(mine, StopReason.PREVIOUS_MANIFESTATION, manifestationDetail(n, hostName, inSquad)));
        } else if (!sameRelease) {
          retirees.add(new Retiree(mine, StopReason.OLD_RELEASE, releaseDetail(n)));
        } else if (!p.state().isUp()) {
          retirees.add(new Retiree(mine, StopReason.FAILED, "current release but " + p.state()));
        } else {
          state.current.add(mine);
        }
      }
      if (!hs.reachable() && (inSquad || lost != null)) {
        unreachable.add(new UnreachableHost(hostName, hs.unreachableReason().orElse("unreachable"), inSquad,
            lost == null ? List.of() : lost));
      }
    }
  }

  private String manifestationDetail(ProcName n, HostName host, boolean inSquad) {
    List<String> diffs = new ArrayList<>(4);
    if (n instanceof ProcName.Ours o) {
      if (!o.app().equals(app)) {
        diffs.add("app " + o.app() + ", now " + app);
      }
      if (!o.procType().equals(procType)) {
        diffs.add("proc " + o.procType() + ", now " + procType);
      }
      if (!o.config().equals(config)) {
        diffs.add("config " + o.config() + ", now " + config);
      }
    }
    if (!inSquad) {
      diffs.add("host " + host + " is not in squad " + swarm.squad());
    }
    return String.join("; ", diffs);
  }

  private String releaseDetail(ProcName n) {
    String oldHash = n instanceof ProcName.Ours o ? o.hash().value() : ((ProcName.Legacy) n).hash();
    String oldVersion = n instanceof ProcName.Ours o ? o.versionName() : ((ProcName.Legacy) n).versionName();
    List<String> diffs = new ArrayList<>(2);
    if (!oldHash.equals(hashText)) {
      diffs.add("release " + oldHash + ", now " + hashText);
    }
    if (!oldVersion.equals(versionName)) {
      diffs.add("version " + oldVersion + ", now " + versionName);
    }
    return String.join("; ", diffs);
  }

  // --- what to keep --------------------------------------------------------------------------

  /** Keeps up to {@code size} current procs; stops the excess from the busiest hosts first. */
  private int keepUpToSize() {
    int current = 0;
    for (HostState h : squadHosts) {
      current += h.current.size();
    }
    int excess = current - target;
    if (excess > 0) {
      // inactive hosts drain first, then the host with most procs of this swarm, then most procs
      PriorityQueue<HostState> busiest = new PriorityQueue<>(Comparator
          .comparing((HostState h) -> h.snapshot.host().active())
          .thenComparing(Comparator.comparingInt((HostState h) -> h.current.size()).reversed())
          .thenComparing(Comparator.comparingInt((HostState h) -> h.total).reversed())
          .thenComparing(h -> h.name));
      for (HostState h : squadHosts) {
        if (!h.current.isEmpty()) {
          busiest.add(h);
        }
      }
      for (int i = 0; i < excess; i++) {
        HostState h = busiest.poll();
        Mine m = h.current.remove(h.current.size() - 1);
        h.total--;
        stop(m, StopReason.EXCESS, "swarm wants " + target + (target == 1 ? " proc" : " procs"), Optional.empty());
        if (!h.current.isEmpty()) {
          busiest.add(h);
        }
      }
    }
    int kept = 0;
    for (HostState h : squadHosts) {
      if (!restart.isEmpty()) {
        h.current.removeIf(this::retireIfRestarted);
      }
      for (Mine m : h.current) {
        keep(m, KeepReason.CURRENT);
        kept++;
      }
    }
    return kept;
  }

  /**
   * @return whether the policy restarts this current proc, which then is a retiree like an old
   *     release's proc (placement sees its host without it, so it is replaced by the usual rules)
   */
  private boolean retireIfRestarted(Mine m) {
    if (!restart.contains(m.ref())) {
      return false;
    }
    retirees.add(new Retiree(m, StopReason.RESTARTED, "restart: replaced by a new proc of the same release"));
    return true;
  }

  /** Keeps one current proc per eligible host; stops the others and those on inactive hosts. */
  private int keepOnePerHost() {
    int kept = 0;
    for (HostState h : squadHosts) {
      boolean restarted = false;
      for (int i = 0; i < h.current.size(); i++) {
        Mine m = h.current.get(i);
        if (h.eligible && i == 0 && retireIfRestarted(m)) {
          restarted = true;
        } else if (h.eligible && i == 0) {
          keep(m, KeepReason.CURRENT);
          kept++;
        } else if (h.eligible) {
          stop(m, StopReason.EXCESS, "one per host: " + h.name + " already runs " + h.current.get(0).proc.name(), Optional.empty());
        } else {
          stop(m, StopReason.EXCESS, "one per host: " + h.name + " is inactive", Optional.empty());
        }
      }
      if (restarted) {
        h.current.clear(); // its one proc is restarted: the host gets a new one
      } else if (h.current.size() > 1 || (!h.eligible && !h.current.isEmpty())) {
        h.current.subList(h.eligible ? 1 : 0, h.current.size()).clear();
      }
    }
    return kept;
  }

  // --- where to start ------------------------------------------------------------------------

  /** Places {@code missing} procs, each on the best-ranked host with a free port. */
  private void placeBySize(int missing, int eligible, boolean squadKnown) {
    if (missing <= 0) {
      return;
    }
    if (eligible == 0) {
      unplaced.add(new Unplaced(missing, UnplacedReason.NO_ELIGIBLE_HOST, Optional.empty(), noHostDetail(squadKnown)));
      return;
    }
    // ARCHITECTURE 6 rule 3: fewest procs of this swarm, then fewest procs overall, then by name
    PriorityQueue<HostState> ranking = new PriorityQueue<>(eligible, PlanComputation::rank);
    for (HostState h : squadHosts) {
      if (h.eligible) {
        h.swarmCount = h.current.size();
        ranking.add(h);
      }
    }
    int placed = 0;
    while (placed < missing && !ranking.isEmpty()) {
      HostState h = ranking.poll();
      int port = h.takeLowestFreePort(this);
      if (port < 0) {
        continue;
      }
      addStart(h, port);
      placed++;
      ranking.add(h);
    }
    if (placed < missing) {
      unplaced.add(new Unplaced(missing - placed, UnplacedReason.PORTS_EXHAUSTED, Optional.empty(),
          "all " + eligible + " reachable active hosts of squad " + swarm.squad()
              + " have no free port left in their ranges"));
    }
  }

  private static int rank(HostState a, HostState b) {
    int c = Integer.compare(a.swarmCount, b.swarmCount);
    if (c != 0) {
      return c;
    }
    c = Integer.compare(a.total, b.total);
    return c != 0 ? c : a.name.compareTo(b.name);
  }

  private String noHostDetail(boolean squadKnown) {
    if (!squadKnown) {
      return "squad " + swarm.squad() + " is not in the fleet snapshot";
    }
    int unreachableHosts = 0;
    int inactive = 0;
    for (HostState h : squadHosts) {
      if (!h.snapshot.reachable()) {
        unreachableHosts++;
      } else if (!h.snapshot.host().active()) {
        inactive++;
      }
    }
    return "squad " + swarm.squad() + " has no reachable active host (" + squadHosts.size() + " hosts: "
        + unreachableHosts + " unreachable, " + inactive + " inactive)";
  }

  /** One start on every eligible host that keeps no current proc. */
  private void placeOnePerHost() {
    for (HostState h : squadHosts) {
      if (!h.eligible || !h.current.isEmpty()) {
        continue;
      }
      int port = h.takeLowestFreePort(this);
      if (port < 0) {
        unplaced.add(new Unplaced(1, UnplacedReason.PORTS_EXHAUSTED, Optional.of(h.name),
            "host " + h.name + " has no free port in " + h.snapshot.host().portRange()));
      } else {
        addStart(h, port);
      }
    }
  }

  private void addStart(HostState h, int port) {
    Port p = Port.of(port);
    ProcName.Ours name = new ProcName.Ours(app, versionName, config, hash, procType, p, id);
    starts.add(new Start(h.name, p, name, StartReason.MISSING, Optional.empty()));
    startHosts.add(h);
    h.swarmCount++;
    h.total++;
  }

  Map<HostName, List<PortLock>> locksByHost() {
    if (locksByHost == null) {
      locksByHost = new HashMap<>();
      for (PortLock lock : snapshot.portLocks()) {
        locksByHost.computeIfAbsent(lock.host(), k -> new ArrayList<>(2)).add(lock);
      }
    }
    return locksByHost;
  }

  // --- what to retire ------------------------------------------------------------------------

  /**
   * Pairs starts with the procs they retire (same host first, then in order: in-service procs,
   * old releases before previous manifestations before failed ones, then host and name), keeps
   * unpaired in-service procs while their replacements are unplaced, and stops the rest.
   */
  private void retire() {
    retirees.sort(Retiree.ORDER);
    int awaiting = 0;
    Set<HostName> starved = new HashSet<>();
    for (Unplaced u : unplaced) {
      awaiting += u.count();
      u.host().ifPresent(starved::add);
    }
    // one per host: the old proc on a host that gets no replacement is paired last and kept first
    List<Retiree> pairOrder = retirees;
    List<Retiree> keepOrder = retirees;
    if (!starved.isEmpty()) {
      pairOrder = new ArrayList<>(retirees);
      pairOrder.sort(Comparator.comparing((Retiree r) -> starved.contains(r.mine.host())));
      keepOrder = new ArrayList<>(retirees);
      keepOrder.sort(Comparator.comparing((Retiree r) -> !starved.contains(r.mine.host())));
    }
    Map<HostName, ArrayDeque<Retiree>> byHost = new HashMap<>();
    for (Retiree r : retirees) {
      if (r.reason != StopReason.SWARM_DELETED) {
        byHost.computeIfAbsent(r.mine.host(), k -> new ArrayDeque<>()).add(r);
      }
    }
    boolean[] paired = new boolean[starts.size()];
    if (!byHost.isEmpty()) {
      for (int i = 0; i < starts.size(); i++) {
        ArrayDeque<Retiree> local = byHost.get(starts.get(i).host());
        if (local != null && !local.isEmpty()) {
          pair(i, local.poll());
          paired[i] = true;
        }
      }
      int next = 0;
      for (int i = 0; i < starts.size(); i++) {
        if (paired[i]) {
          continue;
        }
        while (next < pairOrder.size() && (pairOrder.get(next).replacedBy != null
            || pairOrder.get(next).reason == StopReason.SWARM_DELETED)) {
          next++;
        }
        if (next == pairOrder.size()) {
          break;
        }
        pair(i, pairOrder.get(next++));
      }
    }
    for (Retiree r : keepOrder) {
      if (r.replacedBy != null) {
        stop(r.mine, r.reason, r.detail, Optional.of(r.replacedBy));
      } else if (awaiting > 0 && r.mine.proc.state().isUp() && r.reason != StopReason.SWARM_DELETED) {
        keep(r.mine, KeepReason.AWAITING_REPLACEMENT);
        awaiting--;
      } else {
        stop(r.mine, r.reason, r.detail, Optional.empty());
      }
    }
  }

  private void pair(int startIndex, Retiree r) {
    Start s = starts.get(startIndex);
    r.replacedBy = s.ref();
    StartReason reason = r.reason == StopReason.RESTARTED ? StartReason.RESTART : StartReason.REPLACEMENT;
    starts.set(startIndex, new Start(s.host(), s.port(), s.name(), reason, Optional.of(r.mine.ref())));
  }

  private void keep(Mine m, KeepReason reason) {
    keeps.add(new Keep(m.host(), m.proc.name(), reason));
    keptMines.add(m);
  }

  private void stop(Mine m, StopReason reason, String detail, Optional<ProcRef> replacedBy) {
    Stop s = new Stop(m.host(), m.proc.name(), m.proc.state(), reason, detail, replacedBy);
    stops.add(s);
    stopped.put(s.ref(), m);
  }

  // --- routing -------------------------------------------------------------------------------

  private static final class Routes {
    final List<RouteChange> adds = new ArrayList<>();
    final List<RouteChange> removes = new ArrayList<>();
    boolean known = true;
  }

  private static Optional<PoolRef> poolOf(Swarm swarm) {
    return swarm.pool().isPresent() && swarm.balancer().isPresent()
        ? Optional.of(new PoolRef(swarm.balancer().get(), swarm.pool().get()))
        : Optional.empty();
  }

  private Routes route() {
    Routes routes = new Routes();
    Map<PoolRef, SortedSet<PoolMember>> pools = new TreeMap<>();
    for (PoolState p : snapshot.pools()) {
      pools.put(new PoolRef(p.balancer(), p.pool()), p.members());
    }
    for (PoolState p : policy.pools()) {
      pools.put(new PoolRef(p.balancer(), p.pool()), p.members());
    }
    Optional<PoolRef> own = poolOf(swarm);
    mineByMember = new HashMap<>();
    if (!pools.isEmpty()) {
      for (Mine m : mines) {
        mineByMember.put(m.member(), m);
      }
    }
    for (Map.Entry<PoolRef, SortedSet<PoolMember>> e : pools.entrySet()) {
      if (own.isPresent() && own.get().equals(e.getKey())) {
        continue;
      }
      for (PoolMember member : e.getValue()) {
        Mine m = mineByMember.get(member);
        if (m != null) {
          routes.removes.add(new RouteChange(e.getKey(), member, RouteReason.PREVIOUS_POOL, Optional.of(m.ref())));
        }
      }
    }
    if (own.isEmpty()) {
      return routes;
    }
    PoolRef pool = own.get();
    SortedSet<PoolMember> members = pools.get(pool);
    if (members == null) {
      // blind: the new procs are surely missing; the stopped ones may be there
      routes.known = false;
      for (int i = 0; i < starts.size(); i++) {
        Start s = starts.get(i);
        routes.adds.add(new RouteChange(pool, startHosts.get(i).member(s.port()), RouteReason.NEW_PROC, Optional.of(s.ref())));
      }
      for (Stop s : stops) {
        Mine m = stopped.get(s.ref());
        routes.removes.add(new RouteChange(pool, m.member(), RouteReason.STOPPED_PROC, Optional.of(s.ref())));
      }
      return routes;
    }
    Map<PoolMember, ProcRef> wanted = new HashMap<>();
    for (int i = 0; i < keeps.size(); i++) {
      Keep k = keeps.get(i);
      Mine m = keptMines.get(i);
      wanted.put(m.member(), k.ref());
      if (k.reason() == KeepReason.CURRENT && !members.contains(m.member())) {
        routes.adds.add(new RouteChange(pool, m.member(), RouteReason.KEPT_NOT_ROUTED, Optional.of(k.ref())));
      }
    }
    for (int i = 0; i < starts.size(); i++) {
      Start s = starts.get(i);
      PoolMember member = startHosts.get(i).member(s.port());
      wanted.put(member, s.ref());
      if (!members.contains(member)) {
        routes.adds.add(new RouteChange(pool, member, RouteReason.NEW_PROC, Optional.of(s.ref())));
      }
    }
    for (PoolMember member : members) {
      if (wanted.containsKey(member)) {
        continue;
      }
      Mine m = mineByMember.get(member);
      if (m != null && !m.host.reachable()) {
        continue; // unknown, never empty: a proc on an unreachable host keeps its route
      }
      RouteReason reason = m != null && stopped.containsKey(m.ref()) ? RouteReason.STOPPED_PROC
          : m == null && onUnreachableHost(member) ? RouteReason.ON_UNREACHABLE_HOST : RouteReason.NOT_IN_SWARM;
      routes.removes.add(new RouteChange(pool, member, reason, Optional.ofNullable(m).map(Mine::ref)));
    }
    return routes;
  }

  /** @return whether the member is an address and port of an unreachable host's range */
  private boolean onUnreachableHost(PoolMember member) {
    for (HostSnapshot h : snapshot.hosts()) {
      if (!h.reachable() && h.host().address().equals(member.address()) && h.host().portRange().contains(member.port().value())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Sorts entries into their natural order (host, then program name) with one key string per
   * entry: {@link ProcName#compareTo} formats both names on every comparison.
   */
  private static <T> List<T> sortedByProc(List<T> list, java.util.function.Function<T, HostName> host,
      java.util.function.Function<T, ProcName> name) {
    String[] keys = new String[list.size()];
    Integer[] index = new Integer[list.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = host.apply(list.get(i)).value() + '\u0000' + name.apply(list.get(i)).format();
      index[i] = i;
    }
    java.util.Arrays.sort(index, (a, b) -> keys[a].compareTo(keys[b]));
    List<T> out = new ArrayList<>(keys.length);
    for (Integer i : index) {
      out.add(list.get(i));
    }
    return out;
  }

  private static <T extends Comparable<? super T>> List<T> sorted(List<T> list) {
    List<T> copy = new ArrayList<>(list);
    Collections.sort(copy);
    return copy;
  }

  // --- per-host and per-proc state -----------------------------------------------------------

  /** A proc of this swarm, with the host it was seen on. */
  private static final class Mine {
    final HostSnapshot host;
    final ObservedProc proc;
    /** The program name's text, computed once: comparing ProcNames formats them each time. */
    final String nameText;
    private PoolMember member;

    Mine(HostSnapshot host, ObservedProc proc) {
      this.host = host;
      this.proc = proc;
      this.nameText = proc.name().format();
    }

    HostName host() {
      return host.host().name();
    }

    ProcRef ref() {
      return new ProcRef(host(), proc.name());
    }

    PoolMember member() {
      if (member == null) {
        Optional<Port> port = proc.port();
        member = new PoolMember(host.host().address(), port.isPresent() ? port.get() : proc.name().port().orElseThrow());
      }
      return member;
    }
  }

  /** A proc to retire, and the start it is paired with once pairing ran. */
  private static final class Retiree {
    static final Comparator<Retiree> ORDER = Comparator
        .comparing((Retiree r) -> !r.mine.proc.state().isUp())
        .thenComparing(r -> r.reason)
        .thenComparing(r -> r.mine.host())
        .thenComparing(r -> r.mine.nameText);

    final Mine mine;
    final StopReason reason;
    final String detail;
    ProcRef replacedBy;

    Retiree(Mine mine, StopReason reason, String detail) {
      this.mine = mine;
      this.reason = reason;
      this.detail = detail;
    }
  }

  /** A host of the squad: its counts for ranking, its current procs, and its port ledger. */
  private static final class HostState {
    final HostSnapshot snapshot;
    final HostName name;
    final boolean eligible;
    final List<Mine> current = new ArrayList<>(); // no array until the first add
    int swarmCount;
    int total;
    private BitSet used;

    HostState(HostSnapshot snapshot) {
      this.snapshot = snapshot;
      this.name = snapshot.host().name();
      this.eligible = snapshot.reachable() && snapshot.host().active();
      this.total = snapshot.procs().size();
    }

    PoolMember member(Port port) {
      return new PoolMember(snapshot.host().address(), port);
    }

    /** @return the lowest port of the range no proc, lock or earlier start holds, taken; or -1 */
    int takeLowestFreePort(PlanComputation plan) {
      PortRange range = snapshot.host().portRange();
      if (used == null) {
        used = new BitSet(range.size());
        for (ObservedProc p : snapshot.procs()) {
          Optional<Port> port = p.port();
          if (port.isPresent() && range.contains(port.get().value())) {
            used.set(port.get().value() - range.start());
          }
        }
        List<PortLock> locks = plan.locksByHost().get(name);
        if (locks != null) {
          for (PortLock lock : locks) {
            if (range.contains(lock.port().value())) {
              used.set(lock.port().value() - range.start());
            }
          }
        }
      }
      int free = used.nextClearBit(0);
      if (free >= range.size()) {
        return -1;
      }
      used.set(free);
      return range.start() + free;
    }
  }

}
