package io.velociraptor.core.deploy;

import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.ProcRef;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.StartReason;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.plan.UnreachableHost;
import io.velociraptor.core.spi.Reclaimed;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.spi.UptestResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the fleet right without a command: every interval (and soon after a {@link #nudge}), a
 * pass observes every host once and drives every stored swarm that has a successful run to its
 * stored desired state through the {@link Dispatcher} and the swarm's update policy. It replaces
 * FATAL and EXITED procs, re-adds missing pool members, retires strays of a previous
 * manifestation, re-places the procs of a host lost for longer than the grace period (the plan
 * never stops what it cannot see, so a host that comes back has its excess retired by the next
 * pass), uptests running routed procs periodically and replaces one that fails too often, and does
 * housekeeping on its own schedule. Every action is a persisted run whose history says why
 * ({@code reconcile: proc web-1 FATAL on h2}); a swarm whose reconcile run failed backs off
 * exponentially, and one whose release failed to start or pass its uptests is not retried until
 * someone dispatches it again.
 *
 * <p>Passes run one at a time; {@link #runOnce()} runs one on the caller's thread (tests drive it
 * with a fake clock), {@link #start()} runs them on a daemon thread.
 */
public final class Reconciler implements AutoCloseable {
  /** The reason of a pass run by {@link #runOnce()}. */
  public static final String BY_HAND = "run by hand";
  /** The reason of a pass the schedule ran (the first one, then one every interval). */
  public static final String SCHEDULED = "interval";
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  /** The most characters of a periodic uptest's output kept per result. */
  static final int OUTPUT_EXCERPT = 600;
  /** The most reasons named in a run's reason; the rest are counted. */
  private static final int REASONS_NAMED = 3;

  private final Dispatcher d;
  private final Store store;
  private final Clock clock;
  private final Duration interval;
  private final Duration hostGrace;
  private final Duration uptestInterval;
  private final int uptestFailures;
  private final Duration backoffFirst;
  private final Duration backoffCap;
  private final Duration housekeepingInterval;
  private final int keepReleases;
  private final PassGuard passGuard;
  private final List<ReconcileListener> listeners = new CopyOnWriteArrayList<>();

  /** Held for a whole pass: passes never overlap. */
  private final Object passLock = new Object();
  // What passes learn; guarded by this (held briefly, never across a dispatch).
  private final Map<HostName, ReconcilerStatus.LostHost> lost = new TreeMap<>();
  private final Map<HostName, List<ObservedProc>> lastSeen = new TreeMap<>();
  private final Map<SwarmId, Track> tracks = new TreeMap<>();
  private final Map<ProcRef, UptestTrack> uptests = new TreeMap<>();
  private Optional<Instant> lastPass = Optional.empty();
  private Optional<String> lastPassReason = Optional.empty();
  private Optional<Instant> lastHousekeeping = Optional.empty();
  /** The runs this reconciler began: any other later run of a swarm is someone's new dispatch. */
  private final Set<String> ourRuns = ConcurrentHashMap.newKeySet();

  private volatile boolean paused;
  private volatile boolean closed;
  private volatile ScheduledExecutorService scheduler;
  private final AtomicBoolean nudgeQueued = new AtomicBoolean();
  /** The reasons of the nudges folded into the queued nudged pass, oldest first; guarded by itself. */
  private final List<String> nudgeReasons = new ArrayList<>();
  /** The most nudge reasons a pass's reason names; the rest are counted. */
  static final int NUDGES_NAMED = 5;

  /** What the reconciler keeps about one swarm between passes. */
  private static final class Track {
    String name;
    int failures;
    Optional<Instant> backoffUntil = Optional.empty();
    /** The last failed reconcile run: a later run that is not ours ends the backoff and the hold. */
    Optional<String> failedRun = Optional.empty();
    Optional<String> held = Optional.empty();
    Optional<Swarm> heldSwarm = Optional.empty();
    Optional<String> lastAction = Optional.empty();
    Optional<Instant> lastActionAt = Optional.empty();
    Optional<String> lastFailure = Optional.empty();
    Optional<String> skipped = Optional.empty();
    Optional<Instant> lastUptest = Optional.empty();

    Track(String name) {
      this.name = name;
    }
  }

  /** The recent periodic uptests of one proc. */
  private static final class UptestTrack {
    final SwarmId swarm;
    final Deque<ProcUptests.Check> recent = new ArrayDeque<>();
    int consecutiveFailures;

    UptestTrack(SwarmId swarm) {
      this.swarm = swarm;
    }
  }

  private Reconciler(Builder b) {
    this.d = Objects.requireNonNull(b.dispatcher, "dispatcher");
    this.store = b.store == null ? d.store : b.store;
    this.clock = b.clock == null ? d.clock : b.clock;
    this.interval = b.interval;
    this.hostGrace = b.hostGrace;
    this.uptestInterval = b.uptestInterval;
    this.uptestFailures = b.uptestFailures;
    this.backoffFirst = b.backoffFirst;
    this.backoffCap = b.backoffCap;
    this.housekeepingInterval = b.housekeepingInterval;
    this.keepReleases = b.keepReleases;
    this.passGuard = b.passGuard;
    this.listeners.addAll(b.listeners);
  }

  /** A new builder for a {@link Reconciler}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Adds a listener for every later event.
   *
   * @param listener receives every later event, on the thread running the pass
   */
  public void addListener(ReconcileListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Runs one pass now, on this thread, at the clock's instant; waits for a pass in flight first.
   * While paused, it does nothing and returns an empty pass. A pass that cannot observe or read
   * the store emits {@link ReconcileEvent.PassFailed} and returns what it did so far. Its reason
   * is {@code run by hand}.
   *
   * @return what the pass did
   */
  public ReconcilePass runOnce() {
    return runOnce(BY_HAND);
  }

  /**
   * Runs one pass now, on this thread, as {@link #runOnce()} does, saying why.
   *
   * @param reason why the pass runs ({@link ReconcilerStatus#lastPassReason()} shows it)
   * @return what the pass did
   */
  public ReconcilePass runOnce(String reason) {
    Objects.requireNonNull(reason, "reason");
    synchronized (passLock) {
      Instant now = clock.instant();
      if (paused) {
        return new ReconcilePass(now, reason, List.of(), List.of(), false);
      }
      Optional<ReconcilePass> done;
      try {
        done = passGuard.run(() -> pass(now, reason));
      } catch (RuntimeException e) {
        LOG.warn("reconcile pass failed: {}", message(e));
        emit(new ReconcileEvent.PassFailed(now, message(e)));
        done = Optional.empty();
      }
      if (done.isEmpty()) {
        LOG.debug("reconcile pass skipped: another reconciler acts now");
        synchronized (this) {
          lastPass = Optional.of(now);
        }
        return new ReconcilePass(now, reason, List.of(), List.of(), false);
      }
      return done.get();
    }
  }

  /** One pass's work, under the pass lock (and the {@link PassGuard}). */
  private ReconcilePass pass(Instant now, String reason) {
    { // indented as it was inside runOnce, to keep this change small
      List<ReconcileEvent.Action> actions = new ArrayList<>();
      List<ReconcileEvent.Skipped> skipped = new ArrayList<>();
      boolean housekept = false;
      try {
        List<Swarm> stored = new ArrayList<>(store.swarms());
        stored.sort(Comparator.comparing(Swarm::name).thenComparing(s -> s.id().value()));
        List<HostSnapshot> hosts = d.observer.observe(d.fleet.hosts());
        trackHosts(hosts, now);
        Set<SwarmId> withOrphans = Set.of();
        if (housekeepingDue(now)) {
          withOrphans = housekeep(hosts, stored, now);
          housekept = true;
        }
        for (Swarm s : stored) {
          try {
            reconcileSwarm(s, hosts, withOrphans.contains(s.id()), now, actions, skipped);
          } catch (RuntimeException e) {
            String why = message(e);
            LOG.warn("reconcile of swarm {} failed: {}", s.name(), why);
            backOff(track(s), s, Optional.empty(), "could not reconcile: " + why, now);
          }
        }
        forgetUnstored(stored);
      } catch (RuntimeException e) {
        LOG.warn("reconcile pass failed: {}", message(e));
        emit(new ReconcileEvent.PassFailed(now, message(e)));
      }
      synchronized (this) {
        lastPass = Optional.of(now);
        lastPassReason = Optional.of(reason);
      }
      return new ReconcilePass(now, reason, actions, skipped, housekept);
    }
  }

  private void reconcileSwarm(Swarm s, List<HostSnapshot> hosts, boolean hasOrphans, Instant now,
      List<ReconcileEvent.Action> actions, List<ReconcileEvent.Skipped> skipped) {
    Track t = track(s);
    List<SwarmRun> history = store.history(s.id());
    if (history.stream().noneMatch(r -> r.state() == RunState.DONE)) {
      skip(t, s, "it has never been dispatched successfully: dispatch it first", now, skipped);
      return;
    }
    Optional<SwarmRun> live = store.activeRun(s.id());
    if (live.isPresent()) {
      SwarmRun r = live.get();
      skip(t, s, "busy: run " + r.id() + " is " + r.state().wire() + " (" + r.owner() + ")", now, skipped);
      return;
    }
    synchronized (this) {
      if (t.failedRun.isPresent() && (someoneDispatchedSince(t.failedRun.get(), history)
          || t.heldSwarm.isPresent() && !t.heldSwarm.get().equals(s))) {
        t.failures = 0;
        t.backoffUntil = Optional.empty();
        t.failedRun = Optional.empty();
        t.held = Optional.empty();
        t.heldSwarm = Optional.empty();
      }
    }
    if (t.held.isPresent()) {
      skip(t, s, t.held.get(), now, skipped);
      return;
    }
    if (t.backoffUntil.isPresent() && now.isBefore(t.backoffUntil.get())) {
      skip(t, s, "backing off until " + t.backoffUntil.get() + " after " + t.failures + " failed reconcile run(s)",
          now, skipped);
      return;
    }
    FleetSnapshot snapshot = d.snapshot(s, hosts);
    Optional<Build> build = d.existingBuild(s);
    if (build.isPresent()) {
      uptestIfDue(t, s, snapshot, now);
    }
    List<ProcRef> failing = failingUptests(s, snapshot);
    PlanPolicy policy = failing.isEmpty() ? PlanPolicy.defaults() : PlanPolicy.restarting(failing);
    SwarmPlan plan = Planner.plan(DesiredSwarm.resolve(s, snapshot), snapshot, policy);
    if (plan.isNoop() && !hasOrphans) {
      synchronized (this) {
        t.skipped = Optional.empty();
      }
      return;
    }
    Optional<String> waiting = withinGrace(s, plan, snapshot, policy, now);
    if (waiting.isPresent() && !hasOrphans) {
      skip(t, s, waiting.get(), now, skipped);
      return;
    }
    if (!store.swarm(s.id()).equals(Optional.of(s))) {
      // a dispatch replaced (or deleted) the swarm after this pass read it: the plan above is of the old
      // swarm (its procs would look excess or missing), so this pass leaves it to the next
      skip(t, s, "changed since this pass read it: the next pass plans from the stored swarm", now, skipped);
      return;
    }
    String reason = "reconcile: " + reasons(plan, failing, hasOrphans, now);
    LOG.info("swarm {}: {}", s.name(), reason);
    DispatchResult result;
    try {
      result = d.reconcile(s, reason, failing);
    } catch (DispatchException.Busy busy) {
      skip(t, s, "busy: " + busy.getMessage(), now, skipped);
      return;
    }
    ourRuns.add(result.run().id());
    Instant end = clock.instant();
    SwarmRun run = result.run();
    String outcome = run.history().isEmpty() ? run.state().wire() : run.history().get(run.history().size() - 1).message();
    synchronized (this) {
      t.skipped = Optional.empty();
      t.lastAction = Optional.of(reason + " (run " + run.id() + " " + run.state().wire() + ")");
      t.lastActionAt = Optional.of(end);
    }
    ReconcileEvent.Action action = new ReconcileEvent.Action(end, s.name(), s.id().value(), run.id(), reason,
        result.succeeded(), outcome);
    actions.add(action);
    emit(action);
    if (result.succeeded()) {
      synchronized (this) {
        t.failures = 0;
        t.backoffUntil = Optional.empty();
        t.failedRun = Optional.empty();
        failing.forEach(uptests::remove);
      }
    } else {
      backOff(t, s, Optional.of(run), run.failureReason().orElse(outcome), now);
    }
  }

  /** Whether a run that this reconciler did not begin came after {@code runId} in the history. */
  private boolean someoneDispatchedSince(String runId, List<SwarmRun> history) {
    boolean after = false;
    for (SwarmRun r : history) {
      if (after && !ourRuns.contains(r.id())) {
        return true;
      }
      after |= r.id().equals(runId);
    }
    return false;
  }

  /**
   * Backs the swarm off after a failed reconcile; holds it when its release failed to start or
   * pass its uptests (retrying the same release would fail the same way).
   */
  private void backOff(Track t, Swarm s, Optional<SwarmRun> run, String why, Instant now) {
    Instant until;
    int failures;
    synchronized (this) {
      t.failures++;
      failures = t.failures;
      until = now.plus(backoff(failures));
      t.backoffUntil = Optional.of(until);
      t.lastFailure = Optional.of(why);
      run.ifPresent(r -> t.failedRun = Optional.of(r.id()));
      Optional<RunState> failedIn = run.flatMap(Reconciler::failedIn);
      if (failedIn.isPresent() && (failedIn.get() == RunState.DEPLOYING || failedIn.get() == RunState.UPTESTING)) {
        t.held = Optional.of("held: reconcile run " + run.get().id() + " of release " + run.get().release()
            .map(Object::toString).orElse("?") + " failed while " + failedIn.get().wire()
            + "; not retried until the swarm is dispatched again");
        t.heldSwarm = Optional.of(s);
      }
    }
    emit(new ReconcileEvent.Backoff(now, s.name(), s.id().value(), failures, until, why));
  }

  /** The state a failed run was in when it failed. */
  private static Optional<RunState> failedIn(SwarmRun run) {
    List<SwarmRun.Transition> h = run.history();
    for (int i = h.size() - 1; i >= 0; i--) {
      if (!h.get(i).state().isTerminal()) {
        return Optional.of(h.get(i).state());
      }
    }
    return Optional.empty();
  }

  /** The pause after {@code failures} failed reconcile runs in a row: doubling from the first, capped. */
  Duration backoff(int failures) {
    Duration out = backoffFirst;
    for (int i = 1; i < failures && out.compareTo(backoffCap) < 0; i++) {
      out = out.multipliedBy(2);
    }
    return out.compareTo(backoffCap) > 0 ? backoffCap : out;
  }

  private void skip(Track t, Swarm s, String reason, Instant now, List<ReconcileEvent.Skipped> skipped) {
    ReconcileEvent.Skipped e = new ReconcileEvent.Skipped(now, s.name(), s.id().value(), reason);
    skipped.add(e);
    boolean changed;
    synchronized (this) {
      // a backoff's or a grace's text changes every pass; its kind is what an operator follows
      changed = t.skipped.map(Reconciler::kind).map(k -> !k.equals(kind(reason))).orElse(true);
      t.skipped = Optional.of(reason);
    }
    if (changed) {
      emit(e);
    }
  }

  private static String kind(String reason) {
    int colon = reason.indexOf(':');
    int space = reason.indexOf(' ');
    int cut = colon < 0 ? space : space < 0 ? colon : Math.min(colon, space);
    return cut < 0 ? reason : reason.substring(0, cut);
  }

  // ---------------------------------------------------------------- hosts

  private void trackHosts(List<HostSnapshot> hosts, Instant now) {
    List<ReconcileEvent> events = new ArrayList<>();
    synchronized (this) {
      for (HostSnapshot h : hosts) {
        HostName name = h.host().name();
        if (h.reachable()) {
          lastSeen.put(name, h.procs().stream().filter(p -> p.name().kind() == ProcName.Kind.OURS).toList());
          ReconcilerStatus.LostHost was = lost.remove(name);
          if (was != null) {
            events.add(new ReconcileEvent.HostBack(now, name, Duration.between(was.since(), now).toSeconds()));
          }
        } else if (!lost.containsKey(name)) {
          String reason = h.unreachableReason().orElse("unreachable");
          lost.put(name, new ReconcilerStatus.LostHost(name, now, reason));
          events.add(new ReconcileEvent.HostLost(now, name, reason, lastSeen.getOrDefault(name, List.of()).size()));
        }
      }
    }
    events.forEach(this::emit);
  }

  /**
   * Why the swarm waits, when a host of it has been lost for less than the grace period and what
   * the plan wants would be nothing if that host's procs were still there as last seen (or when
   * they were never seen: then it cannot be told, and the swarm waits for the grace to pass).
   */
  private Optional<String> withinGrace(Swarm s, SwarmPlan plan, FleetSnapshot snapshot, PlanPolicy policy, Instant now) {
    Map<HostName, HostSnapshot> asIf = new TreeMap<>();
    List<String> waiting = new ArrayList<>();
    synchronized (this) {
      for (UnreachableHost u : plan.unreachable()) {
        ReconcilerStatus.LostHost l = lost.get(u.host());
        if (l == null || !now.isBefore(l.since().plus(hostGrace))) {
          continue;
        }
        waiting.add("host " + u.host() + " lost " + Duration.between(l.since(), now).toSeconds() + " s");
        List<ObservedProc> seen = lastSeen.get(u.host());
        if (seen == null) {
          return Optional.of("waiting: " + String.join(", ", waiting) + " (grace " + hostGrace.toSeconds()
              + " s), its procs were never seen");
        }
        HostSnapshot was = snapshot.hosts().stream().filter(h -> h.host().name().equals(u.host())).findFirst().orElseThrow();
        asIf.put(u.host(), HostSnapshot.reachable(was.host(), seen));
      }
    }
    if (asIf.isEmpty()) {
      return Optional.empty();
    }
    List<HostSnapshot> hosts = snapshot.hosts().stream().map(h -> asIf.getOrDefault(h.host().name(), h)).toList();
    FleetSnapshot seen = snapshot.toBuilder().hosts(hosts).build();
    SwarmPlan ifThere = Planner.plan(DesiredSwarm.resolve(s, seen), seen, policy);
    if (!ifThere.isNoop()) {
      return Optional.empty();
    }
    return Optional.of("waiting: " + String.join(", ", waiting) + " (grace " + hostGrace.toSeconds()
        + " s): its procs are not re-placed yet");
  }

  // ---------------------------------------------------------------- uptests

  /** The swarm's own uptest interval, or the reconciler's. */
  private Duration uptestIntervalOf(Swarm s) {
    return s.uptestIntervalSeconds().map(Duration::ofSeconds).orElse(uptestInterval);
  }

  private void uptestIfDue(Track t, Swarm s, FleetSnapshot snapshot, Instant now) {
    if (t.lastUptest.isPresent() && now.isBefore(t.lastUptest.get().plus(uptestIntervalOf(s)))) {
      return;
    }
    Map<ProcRef, List<UptestResult>> results = d.uptest(s, snapshot);
    List<ReconcileEvent> events = new ArrayList<>();
    synchronized (this) {
      t.lastUptest = Optional.of(now);
      // a proc gone from a host that answers has no more history to show
      Set<ProcRef> present = new HashSet<>();
      for (HostSnapshot h : snapshot.hosts()) {
        h.procs().forEach(p -> present.add(ProcRef.of(h.host().name(), p.name())));
      }
      Set<HostName> reachable = new HashSet<>();
      snapshot.hosts().stream().filter(HostSnapshot::reachable).forEach(h -> reachable.add(h.host().name()));
      uptests.entrySet().removeIf(e -> e.getValue().swarm.equals(s.id()) && reachable.contains(e.getKey().host())
          && !present.contains(e.getKey()));
      for (Map.Entry<ProcRef, List<UptestResult>> e : results.entrySet()) {
        ProcRef ref = e.getKey();
        List<UptestResult> r = e.getValue();
        boolean passed = r.stream().allMatch(UptestResult::passed);
        UptestTrack u = uptests.computeIfAbsent(ref, k -> new UptestTrack(s.id()));
        u.consecutiveFailures = passed ? 0 : u.consecutiveFailures + 1;
        String output = passed ? "" : RunExecution.uptestDetail(r);
        u.recent.addLast(new ProcUptests.Check(now, passed, output.length() > OUTPUT_EXCERPT
            ? output.substring(0, OUTPUT_EXCERPT) + "..." : output));
        while (u.recent.size() > ProcUptests.KEPT) {
          u.recent.removeFirst();
        }
        events.add(passed
            ? new ReconcileEvent.UptestPassed(now, s.name(), ref.host(), ref.name().format(), r)
            : new ReconcileEvent.UptestFailed(now, s.name(), ref.host(), ref.name().format(), u.consecutiveFailures, r));
      }
    }
    events.forEach(this::emit);
  }

  /** The swarm's procs, still there, whose periodic uptests failed {@code uptestFailures} times in a row. */
  private List<ProcRef> failingUptests(Swarm s, FleetSnapshot snapshot) {
    Set<ProcRef> present = new HashSet<>();
    for (HostSnapshot h : snapshot.hosts()) {
      if (h.reachable()) {
        h.procs().forEach(p -> present.add(ProcRef.of(h.host().name(), p.name())));
      }
    }
    List<ProcRef> out = new ArrayList<>();
    synchronized (this) {
      uptests.forEach((ref, u) -> {
        if (u.swarm.equals(s.id()) && u.consecutiveFailures >= uptestFailures && present.contains(ref)) {
          out.add(ref);
        }
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- reasons

  /** Why the plan acts, in a person's words: the first few causes, the rest counted. */
  private String reasons(SwarmPlan plan, List<ProcRef> failing, boolean hasOrphans, Instant now) {
    List<String> why = new ArrayList<>();
    Set<ProcRef> restarted = new TreeSet<>(failing);
    for (Stop st : plan.stops()) {
      String at = st.name().format() + " on " + st.host();
      switch (st.reason()) {
        case FAILED -> why.add("proc " + st.name().format() + " " + st.state().name() + " on " + st.host());
        case RESTARTED -> {
          if (restarted.contains(st.ref())) {
            int n;
            synchronized (this) {
              UptestTrack u = uptests.get(st.ref());
              n = u == null ? uptestFailures : u.consecutiveFailures;
            }
            why.add("uptest of " + at + " failed " + n + " times");
          }
        }
        case PREVIOUS_MANIFESTATION -> why.add("stray " + at + " (previous manifestation)");
        case OLD_RELEASE -> why.add("stray " + at + " (old release)");
        case EXCESS -> why.add("excess proc " + at);
        case SWARM_DELETED -> why.add("proc " + at + " of a deleted swarm");
      }
    }
    int lostProcs = 0;
    synchronized (this) {
      for (UnreachableHost u : plan.unreachable()) {
        if (u.procs().isEmpty() && !u.inSquad()) {
          continue;
        }
        ReconcilerStatus.LostHost l = lost.get(u.host());
        int procs = u.procs().isEmpty() ? countOf(lastSeen.get(u.host()), plan.swarmId()) : u.procs().size();
        lostProcs += procs;
        if (procs > 0 || l != null && !lastSeen.containsKey(u.host()) && !plan.starts().isEmpty()) {
          why.add("host " + u.host() + " lost " + (l == null ? "?" : Duration.between(l.since(), now).toSeconds()) + " s");
        }
      }
    }
    long missing = plan.starts().stream().filter(st -> st.reason() == StartReason.MISSING).count() - lostProcs;
    if (missing > 0) {
      why.add(missing + " proc(s) missing");
    }
    Set<ProcRef> starting = new HashSet<>();
    plan.starts().forEach(st -> starting.add(st.ref()));
    Set<ProcRef> stopping = new HashSet<>();
    plan.stops().forEach(st -> stopping.add(st.ref()));
    for (RouteChange add : plan.routeAdds()) {
      if (add.proc().isPresent() && !starting.contains(add.proc().get())) {
        why.add("pool member " + add.member().address() + ":" + add.member().port() + " missing");
      }
    }
    for (RouteChange rm : plan.routeRemoves()) {
      // a lost host's members go with it (named above); a stopped proc's with the proc
      if (rm.reason() != io.velociraptor.core.plan.RouteReason.ON_UNREACHABLE_HOST
          && rm.proc().map(p -> !stopping.contains(p)).orElse(true)) {
        why.add("stray pool member " + rm.member().address() + ":" + rm.member().port());
      }
    }
    if (plan.buildPending()) {
      why.add("the build of " + plan.version() + " is missing");
    }
    if (hasOrphans) {
      why.add("orphaned proc directories");
    }
    if (why.isEmpty()) {
      why.add(plan.summary().toString());
    }
    if (why.size() <= REASONS_NAMED) {
      return String.join("; ", why);
    }
    return String.join("; ", why.subList(0, REASONS_NAMED)) + "; and " + (why.size() - REASONS_NAMED) + " more";
  }

  private static int countOf(List<ObservedProc> procs, SwarmId id) {
    if (procs == null) {
      return 0;
    }
    return (int) procs.stream().filter(p -> p.name() instanceof ProcName.Ours o && o.swarmId().equals(id)).count();
  }

  // ---------------------------------------------------------------- housekeeping

  private synchronized boolean housekeepingDue(Instant now) {
    return lastHousekeeping.map(t -> !now.isBefore(t.plus(housekeepingInterval))).orElse(true);
  }

  /**
   * Reclaims stale runs and port locks, garbage-collects builds (keeping what rollbacks need) and
   * removes orphaned proc directories of unstored swarms.
   *
   * @return the stored swarms with orphaned proc directories, for this pass to reconcile
   */
  private Set<SwarmId> housekeep(List<HostSnapshot> hosts, List<Swarm> stored, Instant now) {
    List<String> problems = new ArrayList<>();
    int failedRuns = 0;
    int releasedLocks = 0;
    try {
      Reclaimed r = store.reclaimStale();
      failedRuns = r.failedRuns().size();
      releasedLocks = r.releasedLocks().size();
    } catch (RuntimeException e) {
      problems.add("reclaiming stale runs and locks: " + message(e));
    }
    Set<SwarmId> withOrphans = Set.of();
    try {
      withOrphans = d.sweepOrphanDirs(hosts, stored);
    } catch (RuntimeException e) {
      problems.add("sweeping orphaned proc directories: " + message(e));
    }
    Optional<GcReport> gc = Optional.empty();
    try {
      gc = Optional.of(d.gc(keepReleases, false));
      problems.addAll(gc.get().warnings());
    } catch (RuntimeException e) {
      problems.add("garbage-collecting builds: " + message(e));
    }
    synchronized (this) {
      lastHousekeeping = Optional.of(now);
    }
    List<String> orphanSwarms = new ArrayList<>();
    for (Swarm s : stored) {
      if (withOrphans.contains(s.id())) {
        orphanSwarms.add(s.name());
      }
    }
    emit(new ReconcileEvent.Housekeeping(now, failedRuns, releasedLocks, gc.map(g -> g.deletedBuilds().size()).orElse(0),
        orphanSwarms, problems, gc));
    return withOrphans;
  }

  private synchronized void forgetUnstored(List<Swarm> stored) {
    Set<SwarmId> ids = new HashSet<>();
    stored.forEach(s -> ids.add(s.id()));
    tracks.keySet().retainAll(ids);
    uptests.values().removeIf(u -> !ids.contains(u.swarm));
  }

  private synchronized Track track(Swarm s) {
    Track t = tracks.computeIfAbsent(s.id(), k -> new Track(s.name()));
    t.name = s.name();
    return t;
  }

  // ---------------------------------------------------------------- status

  /**
   * What the reconciler knows now.
   *
   * @return its status: last pass, each swarm's state, lost hosts
   */
  public synchronized ReconcilerStatus status() {
    List<ReconcilerStatus.SwarmState> swarms = new ArrayList<>();
    for (Map.Entry<SwarmId, Track> e : tracks.entrySet()) {
      Track t = e.getValue();
      Optional<Instant> backoff = t.backoffUntil.filter(u -> clock.instant().isBefore(u));
      swarms.add(new ReconcilerStatus.SwarmState(e.getKey().value(), t.name, t.failures, backoff, t.held,
          t.lastAction, t.lastActionAt, t.lastFailure, t.skipped, t.lastUptest));
    }
    swarms.sort(Comparator.comparing(ReconcilerStatus.SwarmState::swarm).thenComparing(ReconcilerStatus.SwarmState::swarmId));
    return new ReconcilerStatus(scheduler != null && !closed, paused, interval, hostGrace, lastPass, lastPassReason,
        lastHousekeeping, swarms, new ArrayList<>(lost.values()));
  }

  /**
   * The recent periodic uptests of every proc, in host and proc order.
   *
   * @return per proc, its recent results and consecutive failures
   */
  public synchronized List<ProcUptests> uptests() {
    List<ProcUptests> out = new ArrayList<>();
    uptests.forEach((ref, u) -> out.add(new ProcUptests(u.swarm.value(), ref.host(), ref.name().format(),
        u.consecutiveFailures, new ArrayList<>(u.recent))));
    return out;
  }

  /**
   * The recent periodic uptests of one swarm's procs, in host and proc order.
   *
   * @param id the swarm
   * @return per proc, its recent results and consecutive failures (empty for an unknown swarm)
   */
  public List<ProcUptests> uptests(SwarmId id) {
    return uptests().stream().filter(u -> u.swarmId().equals(id.value())).toList();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts running passes on a daemon thread: one at once, then one every interval after the
   * previous ended. Starting a started reconciler does nothing.
   *
   * @throws IllegalStateException if it was closed
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the reconciler was closed; build a new one");
    }
    if (scheduler != null) {
      return;
    }
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vr-reconciler");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(() -> passQuietly(SCHEDULED), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    scheduler = s;
  }

  /**
   * Asks for a pass soon, on the reconciler's thread (after the pass in flight, if any): what a
   * Supervisor event such as a proc going FATAL calls. Nudges while one is queued are folded into
   * it: that pass's reason names each of them ({@link ReconcilerStatus#lastPassReason()}), the
   * first {@value #NUDGES_NAMED} by name and the rest counted. Does nothing unless started.
   *
   * @param reason why, for the log and the pass's reason
   */
  public void nudge(String reason) {
    Objects.requireNonNull(reason, "reason");
    ScheduledExecutorService s = scheduler;
    if (s == null || closed) {
      return;
    }
    LOG.debug("reconcile nudged: {}", reason);
    synchronized (nudgeReasons) {
      nudgeReasons.add(reason);
    }
    if (nudgeQueued.compareAndSet(false, true)) {
      try {
        s.execute(() -> {
          nudgeQueued.set(false);
          passQuietly(takeNudgeReasons());
        });
      } catch (RejectedExecutionException closing) {
        nudgeQueued.set(false);
      }
    }
  }

  /** The reasons of the nudges folded into this pass, as one reason; clears them. */
  private String takeNudgeReasons() {
    List<String> r;
    synchronized (nudgeReasons) {
      r = List.copyOf(nudgeReasons);
      nudgeReasons.clear();
    }
    if (r.isEmpty()) {
      // a nudge that arrived after the previous nudged pass took the reasons, already served by it
      return "nudged";
    }
    List<String> distinct = r.stream().distinct().toList();
    String named = String.join("; ", distinct.subList(0, Math.min(NUDGES_NAMED, distinct.size())));
    return "nudged: " + named + (distinct.size() > NUDGES_NAMED ? "; and " + (distinct.size() - NUDGES_NAMED)
        + " more" : "");
  }

  /** Makes passes do nothing until {@link #resume()}; a pass in flight finishes. */
  public void pause() {
    paused = true;
  }

  /** Lets passes act again after {@link #pause()}. */
  public void resume() {
    paused = false;
  }

  /** Whether passes are paused. */
  public boolean paused() {
    return paused;
  }

  private void passQuietly(String reason) {
    if (closed) {
      return;
    }
    try {
      runOnce(reason);
    } catch (RuntimeException | Error e) {
      LOG.error("reconcile pass failed", e);
    }
  }

  /**
   * Stops running passes and waits for the pass in flight to end (it may be dispatching); the
   * dispatcher is not closed. Idempotent.
   */
  @Override
  public void close() {
    ScheduledExecutorService s;
    synchronized (this) {
      closed = true;
      s = scheduler;
    }
    if (s == null) {
      return;
    }
    s.shutdown();
    try {
      if (!s.awaitTermination(10, TimeUnit.MINUTES)) {
        s.shutdownNow();
      }
    } catch (InterruptedException e) {
      s.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void emit(ReconcileEvent event) {
    for (ReconcileListener l : listeners) {
      try {
        l.on(event);
      } catch (RuntimeException e) {
        LOG.warn("reconcile listener {} failed on {}: {}", l, event.getClass().getSimpleName(), e.toString());
      }
    }
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** Decides whether a pass acts: several reconcilers on one store take turns through it. */
  @FunctionalInterface
  public interface PassGuard {
    /** Every pass acts. */
    PassGuard ALWAYS = pass -> Optional.of(pass.get());

    /**
     * Runs the pass if this reconciler may act now.
     *
     * @param pass the pass's work
     * @return what it did, or empty when it did not run (another reconciler acts now)
     */
    Optional<ReconcilePass> run(java.util.function.Supplier<ReconcilePass> pass);
  }

  /** Configures a {@link Reconciler}. */
  public static final class Builder {
    private Dispatcher dispatcher;
    private Store store;
    private Clock clock;
    private Duration interval = Duration.ofSeconds(10);
    private Duration hostGrace = Duration.ofSeconds(60);
    private Duration uptestInterval = Duration.ofSeconds(60);
    private int uptestFailures = 3;
    private Duration backoffFirst = Duration.ofSeconds(10);
    private Duration backoffCap = Duration.ofMinutes(10);
    private Duration housekeepingInterval = Duration.ofMinutes(10);
    private int keepReleases = 5;
    private PassGuard passGuard = PassGuard.ALWAYS;
    private final List<ReconcileListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the dispatcher every run goes through (required).
     *
     * @param dispatcher the dispatcher
     * @return this
     */
    public Builder dispatcher(Dispatcher dispatcher) {
      this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
      return this;
    }

    /**
     * Sets the store the swarms and runs are read from (default: the dispatcher's).
     *
     * @param store the store
     * @return this
     */
    public Builder store(Store store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Sets the clock that times passes, grace periods, backoffs and uptests (default: the
     * dispatcher's).
     *
     * @param clock the clock
     * @return this
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the time between two passes (default 10 s).
     *
     * @param interval the time between two passes
     * @return this
     * @throws InvalidValueException if it is not positive
     */
    public Builder interval(Duration interval) {
      this.interval = positive("reconcile interval", interval);
      return this;
    }

    /**
     * Sets how long a host may be unreachable before its procs are re-placed (default 60 s).
     *
     * @param grace the grace period; zero re-places at once
     * @return this
     * @throws InvalidValueException if it is negative
     */
    public Builder hostGrace(Duration grace) {
      if (grace.isNegative()) {
        throw InvalidValueException.of("host grace", grace, "must not be negative");
      }
      this.hostGrace = grace;
      return this;
    }

    /**
     * Sets how often each swarm's running, routed procs are uptested (default 60 s).
     *
     * @param interval the time between two uptests of a swarm
     * @return this
     * @throws InvalidValueException if it is not positive
     */
    public Builder uptestInterval(Duration interval) {
      this.uptestInterval = positive("uptest interval", interval);
      return this;
    }

    /**
     * Sets how many periodic uptests of a proc must fail in a row before it is replaced (default 3).
     *
     * @param failures failures in a row, at least 1
     * @return this
     * @throws InvalidValueException if it is below 1
     */
    public Builder uptestFailures(int failures) {
      if (failures < 1) {
        throw InvalidValueException.of("uptest failures", failures, "must be at least 1");
      }
      this.uptestFailures = failures;
      return this;
    }

    /**
     * Sets the pause after a failed reconcile run of a swarm, doubled after each further failure up
     * to the cap (default 10 s, capped at 10 min).
     *
     * @param first the pause after the first failure
     * @param cap the longest pause
     * @return this
     * @throws InvalidValueException if either is not positive or the cap is below the first
     */
    public Builder backoff(Duration first, Duration cap) {
      positive("backoff", first);
      positive("backoff cap", cap);
      if (cap.compareTo(first) < 0) {
        throw InvalidValueException.of("backoff cap", cap, "must not be below the first backoff " + first);
      }
      this.backoffFirst = first;
      this.backoffCap = cap;
      return this;
    }

    /**
     * Sets how often housekeeping runs (default 10 min; the first pass does it too).
     *
     * @param interval the time between two housekeepings
     * @return this
     * @throws InvalidValueException if it is not positive
     */
    public Builder housekeepingInterval(Duration interval) {
      this.housekeepingInterval = positive("housekeeping interval", interval);
      return this;
    }

    /**
     * Sets how many successful releases of each swarm the build GC keeps (default 5, as {@code vr gc}).
     *
     * @param keep releases kept per swarm, at least 1
     * @return this
     * @throws InvalidValueException if it is below 1
     */
    public Builder keepReleases(int keep) {
      if (keep < 1) {
        throw InvalidValueException.of("keep releases", keep, "must be at least 1");
      }
      this.keepReleases = keep;
      return this;
    }

    /**
     * Sets what a pass runs inside (default: nothing, every pass acts): a guard that runs the pass
     * only while this reconciler may act, such as a database lock that several servers'
     * reconcilers share so that only one acts at a time.
     *
     * @param guard runs the pass, or returns empty without running it
     * @return this
     */
    public Builder passGuard(PassGuard guard) {
      this.passGuard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * Adds a listener that receives events.
     *
     * @param listener receives events
     * @return this
     */
    public Builder listener(ReconcileListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    private static Duration positive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw InvalidValueException.of(what, String.valueOf(d), "must be positive");
      }
      return d;
    }

    /**
     * Builds the reconciler; it runs no pass until {@link Reconciler#runOnce()} or {@link
     * Reconciler#start()}.
     *
     * @return the reconciler
     * @throws NullPointerException if no dispatcher was set
     */
    public Reconciler build() {
      return new Reconciler(this);
    }
  }
}
