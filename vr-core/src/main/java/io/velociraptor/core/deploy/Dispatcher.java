package io.velociraptor.core.deploy;

import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.ProcRef;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.RolloutPlanner;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.spi.ArtifactStore;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.BuildBackend;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes swarms so. One dispatch resolves the build (building it when missing), resolves the
 * release, observes the fleet, plans with the pure {@link Planner}, then executes: reserve
 * ports, set up and start the new procs (parallel across hosts, serial per host), uptest them,
 * add them to the pool, remove what no longer belongs, stop and tear down what they replace,
 * release the ports, and re-observe to confirm. Every dispatch is a persisted swarm run with a
 * state and an event stream. A second dispatch of a swarm whose run is live is refused with
 * {@link DispatchException.Busy}.
 *
 * <p>Failure rules: a failed start or uptest leaves the pool and the old procs untouched, tears
 * down the new procs and releases their ports; a failed route change is retried and then fails
 * the run without stopping old procs; a proc that cannot be stopped is reported and left for the
 * next dispatch. A crashed dispatcher leaves nothing a new dispatch cannot converge from: new
 * procs that were started but not routed are current procs to the planner and are uptested
 * before they are routed; the store reclaims the port locks of dead runs.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  final Store store;
  final FleetConfig fleet;
  final FleetObserver observer;
  final ProcController procs;
  final ContainerRuntime runtime;
  final HostRunners runners;
  final Optional<BuildBackend> builds;
  final Optional<ArtifactStore> artifacts;
  final Map<BalancerName, Balancer> balancers;
  final List<DispatchListener> listeners;
  final Clock clock;
  final Duration uptestTimeout;
  final int routeAttempts;
  final Duration routeBackoff;
  final java.util.function.Consumer<Duration> pause;
  final SwarmRun.Owner owner;
  final ExecutorService hostPool;
  /** How many procs of one host a run works on at once. */
  final int perHostParallelism;
  /**
   * The helpers that work on a host's procs beside its host thread; a pool of its own, since a host
   * thread waits on them. Host threads are at most {@code parallelism}, each with at most
   * {@code perHostParallelism - 1} helpers, so the pool never queues.
   */
  final ExecutorService procPool;

  /** The longest pause between two attempts of a route change. */
  public static final Duration MAX_ROUTE_BACKOFF = Duration.ofSeconds(5);

  /** @return the pause before attempt {@code attempt + 1} (attempt counts from 1) */
  Duration routeBackoff(int attempt) {
    Duration d = routeBackoff;
    for (int i = 1; i < attempt && d.compareTo(MAX_ROUTE_BACKOFF) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX_ROUTE_BACKOFF) > 0 ? MAX_ROUTE_BACKOFF : d;
  }

  /** Parks until the pause is over (a wake-up before it parks again); an interrupt ends it early. */
  private static void pauseFor(Duration pause) {
    long deadline = System.nanoTime() + pause.toNanos();
    for (long left = pause.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  /** Held while a run that lost a planned port re-observes, re-plans and reserves (RunExecution). */
  final Object replanTurn = new Object();

  private Dispatcher(Builder b) {
    this.store = Objects.requireNonNull(b.store, "store");
    this.fleet = Objects.requireNonNull(b.fleet, "fleet");
    this.observer = Objects.requireNonNull(b.observer, "observer");
    this.procs = Objects.requireNonNull(b.procs, "procs");
    this.runtime = Objects.requireNonNull(b.runtime, "runtime");
    this.runners = Objects.requireNonNull(b.runners, "runners");
    this.builds = Optional.ofNullable(b.builds);
    this.artifacts = Optional.ofNullable(b.artifacts);
    this.balancers = Map.copyOf(b.balancers);
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    this.clock = b.clock;
    this.uptestTimeout = b.uptestTimeout;
    this.routeAttempts = b.routeAttempts;
    this.routeBackoff = b.routeBackoff;
    this.pause = b.pause;
    this.owner = Objects.requireNonNull(b.owner, "owner");
    this.hostPool = Executors.newFixedThreadPool(b.parallelism, r -> {
      Thread t = new Thread(r, "vr-dispatch");
      t.setDaemon(true);
      return t;
    });
    this.perHostParallelism = b.perHostParallelism;
    int helpers = Math.max(1, b.parallelism * (b.perHostParallelism - 1));
    java.util.concurrent.ThreadPoolExecutor procs = new java.util.concurrent.ThreadPoolExecutor(helpers, helpers,
        30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "vr-dispatch-proc");
          t.setDaemon(true);
          return t;
        });
    procs.allowCoreThreadTimeOut(true); // an idle dispatcher keeps no helper threads
    this.procPool = procs;
  }

  /** A new builder for a {@link Dispatcher}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Adds a listener for the events of every later dispatch.
   *
   * @param listener receives every event of every later dispatch
   */
  public void addListener(DispatchListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Dry run: what a dispatch of this swarm would do now, without acting. When the swarm's build
   * does not exist yet, the plan says so ({@link SwarmPlan#buildPending()}) and replaces every
   * proc of the swarm: a dispatch builds first, and the build decides the release.
   *
   * @param swarm the desired swarm
   * @return the plan
   * @throws InvalidValueException if the swarm's squad is not configured
   */
  public SwarmPlan plan(Swarm swarm) {
    requireSquad(swarm);
    FleetSnapshot snapshot = observe(swarm);
    return Planner.plan(DesiredSwarm.resolve(swarm, snapshot), snapshot, PlanPolicy.defaults());
  }

  /**
   * Dry run of the rollout: {@link #plan(Swarm)} cut into the waves of the swarm's update policy
   * (one wave with the default policy), as a dispatch would roll it now.
   *
   * @param swarm the desired swarm
   * @return the staged plan
   * @throws InvalidValueException if the swarm's squad is not configured
   */
  public RolloutPlan planRollout(Swarm swarm) {
    requireSquad(swarm);
    FleetSnapshot snapshot = observe(swarm);
    return RolloutPlanner.plan(DesiredSwarm.resolve(swarm, snapshot), snapshot, PlanPolicy.defaults());
  }

  /**
   * Makes the swarm so, and, once that succeeded, stores it as the swarm's desired state (what
   * {@link #reconcile} converges to). A swarm the store does not have yet is stored at once, so
   * that it is listed and can be deleted even when its first dispatch fails.
   *
   * @param swarm the desired swarm
   * @return the finished run; {@link DispatchResult#succeeded()} says whether it is done
   * @throws DispatchException.Busy if the swarm already has a live run
   * @throws InvalidValueException if the swarm's squad is not configured
   */
  public DispatchResult dispatch(Swarm swarm) {
    requireSquad(swarm);
    return execute(swarm, false, false);
  }

  /**
   * Converges the swarm to this desired state as a repair, and records why in the run's history
   * (its first message after the run began): what a {@link Reconciler} begins, so that every run
   * says why, such as {@code reconcile: proc web-1 FATAL on h2}. It rolls as {@link
   * #dispatch(Swarm)} does, under the swarm's update policy, except that it never pauses for a
   * canary and never auto-reverts (a repair of the stored swarm has nothing else to go back to).
   *
   * @param swarm the desired swarm, normally the stored one
   * @param reason why this run is begun, one line
   * @return the finished run; {@link DispatchResult#succeeded()} says whether it is done
   * @throws DispatchException.Busy if the swarm already has a live run
   * @throws InvalidValueException if the swarm's squad is not configured or the reason is blank
   */
  public DispatchResult reconcile(Swarm swarm, String reason) {
    return reconcile(swarm, reason, List.of());
  }

  /** A repair that also replaces the named current procs (those whose periodic uptests failed). */
  DispatchResult reconcile(Swarm swarm, String reason, java.util.Collection<ProcRef> restart) {
    if (reason == null || reason.isBlank()) {
      throw InvalidValueException.of("reconcile reason", String.valueOf(reason), "must be a non-blank line");
    }
    requireSquad(swarm);
    return execute(swarm, false, false, Optional.of(reason), () -> { }, Optional.of(restart));
  }

  /**
   * Rolling restart: replaces every proc the stored swarm runs now by a new proc of the same
   * release on a fresh port, under the swarm's update policy, exactly as a release change rolls
   * (each old proc stops only after its replacement is uptested and routed). Nothing is built and
   * no release is made: the swarm's existing build and release are reused. The run says it is a
   * restart (its plan event and its final message start with {@code restart:}).
   *
   * @param id the swarm
   * @return the finished run
   * @throws InvalidValueException if the store has no such swarm, the swarm has never been
   *     dispatched successfully, or its build is gone
   * @throws DispatchException.Busy if the swarm already has a live run
   */
  public DispatchResult restart(SwarmId id) {
    Swarm swarm = store.swarm(id).orElseThrow(() -> InvalidValueException.of("swarm id", id, "is not a stored swarm: nothing to restart"));
    if (store.history(id).stream().noneMatch(r -> r.state() == RunState.DONE)) {
      throw InvalidValueException.of("swarm", swarm.name(), "has no successful release to restart: dispatch it first");
    }
    if (existingBuild(swarm).isEmpty()) {
      throw InvalidValueException.of("swarm", swarm.name(), "cannot be restarted: the build of " + swarm.app() + " "
          + swarm.version() + " is gone (garbage-collected?); dispatch it to build it again");
    }
    requireSquad(swarm);
    return execute(swarm, false, true);
  }

  /**
   * Changes the stored swarm's size and dispatches it (through its update policy); the same size
   * dispatches it as it is, which plans nothing when the swarm is whole.
   *
   * @param id the swarm
   * @param size the new size, 0 to {@link Swarm#MAX_SIZE}
   * @return the finished run
   * @throws InvalidValueException if the store has no such swarm, the swarm runs one proc per
   *     host, or the size is out of range or below the policy's canary or min_in_service
   * @throws DispatchException.Busy if the swarm already has a live run
   */
  public DispatchResult scale(SwarmId id, int size) {
    Swarm swarm = store.swarm(id).orElseThrow(() -> InvalidValueException.of("swarm id", id, "is not a stored swarm: nothing to scale"));
    if (swarm.onePerHost()) {
      throw InvalidValueException.of("size", size, "cannot be set: swarm " + swarm.name()
          + " runs one proc per host of its squad and has no size");
    }
    if (size < 0 || size > Swarm.MAX_SIZE) {
      throw InvalidValueException.of("size", size, "must be between 0 and " + Swarm.MAX_SIZE);
    }
    return dispatch(swarm.withSize(size));
  }

  /**
   * The policy a restart plans with: every proc of the swarm in the snapshot is to be replaced
   * (the planner replaces only those that are current; the others it retires as usual).
   */
  static PlanPolicy restartPolicy(Swarm swarm, FleetSnapshot snapshot) {
    List<ProcRef> procs = new ArrayList<>();
    for (HostSnapshot h : snapshot.hosts()) {
      for (ObservedProc p : h.procs()) {
        if (p.name() instanceof ProcName.Ours o && o.swarmId().equals(swarm.id())) {
          procs.add(ProcRef.of(h.host().name(), p.name()));
        }
      }
    }
    return PlanPolicy.restarting(procs);
  }

  /**
   * Retires every proc of the swarm (routes first, then procs) and deletes it from the store.
   *
   * @param id the swarm
   * @return the finished run
   * @throws InvalidValueException if the store has no such swarm
   * @throws DispatchException.Busy if the swarm already has a live run
   */
  public DispatchResult delete(SwarmId id) {
    Swarm swarm = store.swarm(id).orElseThrow(() -> InvalidValueException.of("swarm id", id, "is not a stored swarm"));
    DispatchResult result = execute(swarm, true, false);
    if (result.succeeded()) {
      store.deleteSwarm(id);
    }
    return result;
  }

  /**
   * Re-dispatches every stored swarm (of one squad, or all) whose plan is not a no-op, or that
   * has proc directories with no program: what an operator does after a host died or came back.
   * The swarm a reconcile converges to is the stored one, which is the last that was dispatched
   * successfully (a failed dispatch stays in the run history only); a swarm that has never been
   * dispatched successfully is skipped, as dispatching it again would fail the same way. Proc
   * directories with no program of swarms that are not stored (deleted, or never stored) and
   * have no live run are torn down here.
   *
   * @param squad only swarms of this squad, or all when empty
   * @param concurrency how many swarms to dispatch at once (at least 1)
   * @return the runs, in swarm-name order (swarms that needed nothing are not listed)
   */
  public List<DispatchResult> reconcile(Optional<SquadName> squad, int concurrency) {
    if (concurrency < 1) {
      throw InvalidValueException.of("reconcile concurrency", concurrency, "must be at least 1");
    }
    List<Swarm> stored = store.swarms();
    Set<SwarmId> withOrphans = sweepOrphanDirs(observer.observe(fleet.hosts()), stored);
    List<Swarm> todo = new ArrayList<>();
    for (Swarm s : stored) {
      if (squad.isPresent() && !s.squad().equals(squad.get())) {
        continue;
      }
      if (store.history(s.id()).stream().noneMatch(r -> r.state() == RunState.DONE)) {
        LOG.info("reconcile skips swarm {}: it has never been dispatched successfully (dispatch it again)", s.name());
        continue;
      }
      boolean needed = withOrphans.contains(s.id());
      if (!needed) {
        try {
          needed = !plan(s).isNoop();
        } catch (InvalidValueException noBuildYet) {
          needed = true;
        }
      }
      if (needed) {
        todo.add(s);
      }
    }
    todo.sort((a, b) -> a.name().compareTo(b.name()));
    Semaphore slots = new Semaphore(concurrency);
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, Math.max(1, todo.size())));
    try {
      List<Future<DispatchResult>> futures = new ArrayList<>();
      for (Swarm s : todo) {
        futures.add(pool.submit(() -> {
          slots.acquire();
          try {
            return dispatch(s);
          } finally {
            slots.release();
          }
        }));
      }
      List<DispatchResult> out = new ArrayList<>();
      for (Future<DispatchResult> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof DispatchException.Busy busy) {
            LOG.info("reconcile skipped a swarm: {}", busy.getMessage());
            continue;
          }
          throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while reconciling", e);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Tears down the proc directories with no program of swarms that are not stored and have no live
   * run, and says which stored swarms have such directories (a dispatch of each sweeps its own).
   *
   * @param hosts an observation of the fleet
   * @param stored the stored swarms
   * @return the ids of the stored swarms with orphaned proc directories
   */
  Set<SwarmId> sweepOrphanDirs(List<HostSnapshot> hosts, List<Swarm> stored) {
    Map<Host, List<ProcName.Ours>> orphans = orphanDirs(hosts);
    Set<SwarmId> withOrphans = new java.util.TreeSet<>();
    orphans.values().forEach(names -> names.forEach(n -> withOrphans.add(n.swarmId())));
    tearDownOrphansOfUnstoredSwarms(orphans, stored);
    Set<SwarmId> storedIds = new HashSet<>();
    stored.forEach(s -> storedIds.add(s.id()));
    withOrphans.retainAll(storedIds);
    return withOrphans;
  }

  /**
   * The proc directories on reachable hosts that Supervisor has no program for: left by a crashed
   * run, or by a failed setup that could not be cleaned up. A host whose directories cannot be
   * listed is left out, with a warning.
   */
  Map<Host, List<ProcName.Ours>> orphanDirs(List<HostSnapshot> hosts) {
    Map<HostSnapshot, Future<List<ProcName>>> listed = new LinkedHashMap<>();
    for (HostSnapshot h : hosts) {
      if (h.reachable()) {
        listed.put(h, hostPool.submit(() -> runtime.procDirs(runners.runner(h.host()))));
      }
    }
    // the programs of every host at one address: hosts that share a machine may share its root
    Map<String, Set<ProcName>> programsAt = new java.util.HashMap<>();
    for (HostSnapshot h : hosts) {
      Set<ProcName> at = programsAt.computeIfAbsent(h.host().address(), a -> new HashSet<>());
      for (ObservedProc p : h.procs()) {
        at.add(p.name());
      }
    }
    Map<Host, List<ProcName.Ours>> out = new LinkedHashMap<>();
    for (Map.Entry<HostSnapshot, Future<List<ProcName>>> e : listed.entrySet()) {
      HostSnapshot h = e.getKey();
      List<ProcName> dirs;
      try {
        dirs = e.getValue().get();
      } catch (ExecutionException ex) {
        LOG.warn("could not list the proc directories on {}: {}", h.host().name(), ex.getCause().getMessage());
        continue;
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while listing proc directories", ex);
      }
      List<ProcName.Ours> orphans = new ArrayList<>();
      for (ProcName d : dirs) {
        // Hosts on one machine (private supervisords) may share one root: a directory is this host's
        // only if its port is in this host's range, and an orphan only if no host at this host's
        // address has its program. A leftover kept by that rule is swept once it holds.
        if (d instanceof ProcName.Ours ours && !programsAt.getOrDefault(h.host().address(), Set.of()).contains(d)
            && ours.port().map(port -> h.host().portRange().contains(port.value())).orElse(false)) {
          orphans.add(ours);
        }
      }
      if (!orphans.isEmpty()) {
        out.put(h.host(), orphans);
      }
    }
    return out;
  }

  private void tearDownOrphansOfUnstoredSwarms(Map<Host, List<ProcName.Ours>> orphans, List<Swarm> stored) {
    Set<SwarmId> known = new HashSet<>();
    stored.forEach(s -> known.add(s.id()));
    for (Map.Entry<Host, List<ProcName.Ours>> e : orphans.entrySet()) {
      for (ProcName.Ours name : e.getValue()) {
        // a swarm being dispatched for the first time may be setting this proc up right now
        if (known.contains(name.swarmId()) || store.activeRun(name.swarmId()).isPresent()) {
          continue;
        }
        try {
          runtime.teardown(runners.runner(e.getKey()), name);
          LOG.warn("reconcile removed the proc directory of {} on {}: no program, and its swarm {} is not stored",
              name.format(), e.getKey().name(), name.swarmId());
        } catch (RuntimeException ex) {
          LOG.warn("reconcile could not remove the proc directory of {} on {}: {}", name.format(), e.getKey().name(),
              ex.getMessage());
        }
      }
    }
  }

  /**
   * Observes every configured host plus the pools this swarm (and its stored previous form)
   * route to; the snapshot carries the swarm's build when it exists.
   *
   * @param swarm the swarm whose pools to read
   * @return the snapshot the planner reads
   */
  public FleetSnapshot observe(Swarm swarm) {
    return snapshot(swarm, observer.observe(fleet.hosts()));
  }

  /** The snapshot the planner reads for this swarm, from an observation of the hosts already made. */
  FleetSnapshot snapshot(Swarm swarm, List<HostSnapshot> hosts) {
    Set<String> seen = new LinkedHashSet<>();
    List<PoolState> pools = new ArrayList<>();
    List<Swarm> forms = new ArrayList<>();
    forms.add(swarm);
    store.swarm(swarm.id()).ifPresent(forms::add);
    for (Swarm form : forms) {
      if (form.pool().isPresent() && form.balancer().isPresent()) {
        BalancerName b = form.balancer().get();
        PoolName p = form.pool().get();
        Balancer balancer = balancers.get(b);
        if (balancer == null) {
          throw InvalidValueException.of("balancer", b, "is not configured (configured: " + balancers.keySet() + ")");
        }
        if (seen.add(b + "/" + p)) {
          pools.add(balancer.state(p));
        }
      }
    }
    return FleetSnapshot.builder()
        .hosts(hosts)
        .squads(fleet.squads())
        .portLocks(store.portLocks())
        .pools(pools)
        .builds(store.build(swarm.app(), swarm.version()).filter(Build::isUsable).map(Dispatcher::withoutLog).stream().toList())
        .build();
  }
  /**
   * A build as a snapshot carries it: what resolves a release, without the compile log.
   *
   * @param build a build
   * @return the build without its compile log
   */
  public static Build withoutLog(Build build) {
    return build.toBuilder().compileLog(Optional.empty()).build();
  }


  private void requireSquad(Swarm swarm) {
    if (fleet.squad(swarm.squad()).isEmpty()) {
      throw InvalidValueException.of("swarm squad", swarm.squad(), "is not a configured squad");
    }
    swarm.balancer().ifPresent(b -> {
      if (!balancers.containsKey(b)) {
        throw InvalidValueException.of("swarm balancer", b, "is not configured (configured: " + new TreeMap<>(balancers).keySet() + ")");
      }
    });
  }

  private DispatchResult execute(Swarm swarm, boolean deleting, boolean restarting) {
    return execute(swarm, deleting, restarting, Optional.empty(), () -> { });
  }

  /**
   * Begins the run, records the note (why it runs) in its history, and runs {@code recheck} while
   * the run holds the swarm: a recheck that throws fails the run before it did anything.
   */
  private DispatchResult execute(Swarm swarm, boolean deleting, boolean restarting, Optional<String> note,
      Runnable recheck) {
    return execute(swarm, deleting, restarting, note, recheck, Optional.empty());
  }

  /** {@code repair} present: a reconcile's run, which replaces those procs too and neither pauses nor reverts. */
  private DispatchResult execute(Swarm swarm, boolean deleting, boolean restarting, Optional<String> note,
      Runnable recheck, Optional<java.util.Collection<ProcRef>> repair) {
    SwarmRun run = begin(swarm);
    if (note.isPresent()) {
      run = store.transition(run.id(), RunState.PENDING, note.get());
    }
    try {
      recheck.run();
    } catch (RuntimeException refused) {
      store.transition(run.id(), RunState.FAILED, refused.getMessage() == null ? refused.toString() : refused.getMessage());
      throw refused;
    }
    RunExecution exec = new RunExecution(this, run, swarm, deleting, restarting);
    repair.ifPresent(exec::repairing);
    return revertIfAsked(swarm, exec, exec.execute());
  }

  private SwarmRun begin(Swarm swarm) {
    String traceId = RunIds.traceId();
    BeginRun begun = store.tryBeginRun(swarm.id(), traceId, owner);
    if (begun instanceof BeginRun.Busy busy) {
      throw new DispatchException.Busy(busy.holder().id(), busy.holder().state(), swarm.name(), busy.holder().owner().toString());
    }
    return ((BeginRun.Started) begun).run();
  }

  /**
   * After a run failed under {@code on_failure: revert}, dispatches the last release that
   * succeeded (the stored swarm, with the failed swarm's policy) as a new run, which neither
   * reverts in turn nor pauses for a canary.
   */
  private DispatchResult revertIfAsked(Swarm failed, RunExecution exec, DispatchResult result) {
    Optional<Swarm> back = exec.revertTo();
    if (result.succeeded() || result.paused() || back.isEmpty()) {
      return result;
    }
    LOG.info("run {} of swarm {} failed; on_failure revert dispatches {} {} again", result.run().id(), failed.name(),
        back.get().app(), back.get().version());
    RunExecution revert = new RunExecution(this, begin(back.get()), back.get(), false)
        .autoRevert("auto-revert after run " + result.run().id() + " failed: dispatching " + back.get().app() + " "
            + back.get().version() + " again, the last release that succeeded");
    return result.withRevert(revert.execute());
  }

  /**
   * Continues a rollout paused after its canary wave: plans again from what runs (the canaries are
   * of the run's release, so they stay) and rolls out the rest under the swarm's update policy,
   * without another canary. The same run goes on, owned now by this process.
   *
   * @param id the swarm
   * @return the run's result
   * @throws DispatchException.NotPaused if the swarm has no run paused in canary (or another process
   *     resumed it first)
   */
  public DispatchResult promote(SwarmId id) {
    SwarmRun paused = pausedRun(id, "promote");
    Swarm swarm = paused.swarm().orElseThrow(() -> new DispatchException.NotPaused(paused.id(), paused.state(),
        "run " + paused.id() + " does not record its swarm; revert it and dispatch again"));
    requireSquad(swarm);
    SwarmRun run = resume(paused, "promoted: rolling out the rest of release " + paused.release().map(Object::toString)
        .orElse("?"));
    RunExecution exec = new RunExecution(this, run, swarm, false).resuming(RunExecution.Mode.PROMOTE);
    return revertIfAsked(swarm, exec, exec.execute());
  }

  /**
   * Ends a rollout paused after its canary wave: retires the canaries (out of the pool first) and
   * leaves everything else as it was; the run ends {@code reverted}. A swarm whose first dispatch
   * paused has nothing to go back to: its canaries are all its procs, and they are retired.
   *
   * @param id the swarm
   * @return the run's result, {@link DispatchResult#succeeded()} once the canaries are gone
   * @throws DispatchException.NotPaused if the swarm has no run paused in canary (or another process
   *     resumed it first)
   */
  public DispatchResult revert(SwarmId id) {
    SwarmRun paused = pausedRun(id, "revert");
    Optional<Swarm> stored = store.swarm(id);
    boolean first = stored.isEmpty() || paused.swarm().equals(stored);
    Swarm back = first ? paused.swarm().or(() -> stored).orElseThrow(() -> new DispatchException.NotPaused(paused.id(),
        paused.state(), "run " + paused.id() + " does not record its swarm and the swarm is not stored")) : stored.get();
    SwarmRun run = resume(paused, "reverted: retiring the canaries of release " + paused.release().map(Object::toString)
        .orElse("?"));
    return new RunExecution(this, run, back, first).resuming(RunExecution.Mode.REVERT).execute();
  }

  private SwarmRun pausedRun(SwarmId id, String what) {
    String name = store.swarm(id).map(Swarm::name).orElse(id.value());
    Optional<SwarmRun> live = store.activeRun(id);
    if (live.isEmpty()) {
      List<SwarmRun> history = store.history(id);
      throw new DispatchException.NotPaused(history.isEmpty() ? "" : history.get(history.size() - 1).id(),
          history.isEmpty() ? RunState.PENDING : history.get(history.size() - 1).state(),
          "cannot " + what + " swarm " + name + ": it has no paused run" + (history.isEmpty() ? " (it has no run at all)"
              : " (its last run " + history.get(history.size() - 1).id() + " is " + history.get(history.size() - 1).state()
                  + ")"));
    }
    SwarmRun run = live.get();
    if (!run.state().isPaused()) {
      throw new DispatchException.NotPaused(run.id(), run.state(), "cannot " + what + " swarm " + name + ": its run "
          + run.id() + " is " + run.state() + " (" + run.owner() + "), not paused in canary");
    }
    return run;
  }

  private SwarmRun resume(SwarmRun paused, String message) {
    try {
      return store.resume(paused.id(), owner, RunState.PENDING, message);
    } catch (InvalidValueException raced) {
      SwarmRun now = store.status(paused.id()).orElse(paused);
      throw new DispatchException.NotPaused(now.id(), now.state(), "run " + now.id() + " is " + now.state()
          + ", no longer paused: another process promoted or reverted it first");
    }
  }

  /**
   * The releases a swarm has run, newest first: one record per run that rolled a release out
   * (so a release rolled out again by a rollback is listed again), with its version, config
   * digest, run, time and whether the run succeeded.
   *
   * @param id the swarm (stored, or deleted: its run history stays)
   * @return its release history
   */
  public ReleaseHistory releases(SwarmId id) {
    return ReleaseHistory.of(id, store.history(id), store::release);
  }

  /**
   * Garbage-collects builds, releases and artifacts, keeping what a rollback to each swarm's last
   * {@code keepReleases} successful releases needs. Kept: the builds of those releases, of every
   * stored swarm and of every live or paused run; builds no stored swarm's run ever rolled out (a
   * build made ahead of its dispatch) are left alone. Removed: the other build records, their
   * tarballs in the artifact store (unless a kept build has the same bytes), the release records
   * whose build is gone and that are not kept, and, on every reachable host, the build tarballs and
   * unpacked builds under the runner's root that no kept build and no proc there uses.
   *
   * @param keepReleases how many distinct successful releases of each swarm to keep (at least 1)
   * @param dryRun only report what would be removed
   * @return what was kept and removed
   * @throws InvalidValueException if {@code keepReleases} is below 1
   * @throws io.velociraptor.core.VrException if a run is resolving its build (run it again when it
   *     has), or the store fails
   */
  public GcReport gc(int keepReleases, boolean dryRun) {
    return new BuildGc(this, keepReleases, dryRun).run();
  }

  /**
   * Rolls a swarm back to an earlier successful release, reusing that release's build (never
   * building): the swarm is dispatched with the version, config ingredients, settings, env,
   * volumes, run-as user and memory limits of the done run that rolled the release out, and with
   * the stored swarm's size, squad, pool, balancer and update policy (code and config go back,
   * scale and placement stay). Once it succeeds, the rolled-back swarm is the stored one. The run's
   * history says {@code rollback to release X (..., run Y)}.
   *
   * @param id the stored swarm
   * @param to a release hash or run id of the swarm's history; empty for the previous release
   *     (the newest successful one that differs from the current release)
   * @return the finished run
   * @throws InvalidValueException if the swarm is not stored or {@code to} names no release or
   *     run of it (the message lists its releases)
   * @throws RollbackRefusedException if there is no earlier successful release, the one named did
   *     not succeed, or its build was garbage-collected or rebuilt
   * @throws DispatchException.Busy if the swarm already has a live run
   */
  public DispatchResult rollback(SwarmId id, Optional<String> to) {
    Swarm stored = store.swarm(id).orElseThrow(() -> InvalidValueException.of("swarm id", id, "is not a stored swarm"));
    requireSquad(stored);
    Rollback.Target target = Rollback.choose(store, stored, to);
    return execute(target.swarm(), false, false, Optional.of(target.note()),
        () -> Rollback.requireBuild(store, stored, target.record()));
  }

  /**
   * Uptests the running, routed procs of the stored swarm's current release, as a dispatch
   * uptests its new procs (the same runtime and runner path, the same per-test timeout), without
   * beginning a run or changing anything: what a {@link Reconciler} runs periodically.
   *
   * @param id the stored swarm
   * @return each uptested proc with its results, in proc order (empty when none runs routed)
   * @throws InvalidValueException if the store has no such swarm, or its build is gone
   */
  public Map<ProcRef, List<io.velociraptor.core.spi.UptestResult>> uptest(SwarmId id) {
    Swarm swarm = store.swarm(id).orElseThrow(() -> InvalidValueException.of("swarm id", id, "is not a stored swarm: nothing to uptest"));
    return uptest(swarm, observe(swarm));
  }

  /** Uptests the swarm's running, routed procs of its current release in the snapshot, in parallel across hosts. */
  Map<ProcRef, List<io.velociraptor.core.spi.UptestResult>> uptest(Swarm swarm, FleetSnapshot snapshot) {
    Build build = existingBuild(swarm).orElseThrow(() -> InvalidValueException.of("swarm", swarm.name(),
        "cannot be uptested: the build of " + swarm.app() + " " + swarm.version() + " is gone"));
    Release release = Release.of(swarm, build);
    Optional<PoolState> pool = swarm.pool().flatMap(p -> swarm.balancer().flatMap(b -> snapshot.pools().stream()
        .filter(s -> s.pool().equals(p) && s.balancer().equals(b)).findFirst()));
    Map<ProcRef, Future<List<io.velociraptor.core.spi.UptestResult>>> running = new TreeMap<>();
    for (HostSnapshot h : snapshot.hosts()) {
      if (!h.reachable()) {
        continue;
      }
      for (ObservedProc p : h.procs()) {
        if (!(p.name() instanceof ProcName.Ours o) || !o.swarmId().equals(swarm.id())
            || !o.hash().equals(release.hash()) || p.state() != io.velociraptor.core.model.ProcState.RUNNING) {
          continue;
        }
        io.velociraptor.core.model.Port port = o.port().orElseThrow();
        if (pool.isPresent() && !pool.get().members().contains(io.velociraptor.core.model.PoolMember.of(h.host().address(), port))) {
          continue; // not routed: a dispatch in flight uptests it itself
        }
        Host host = h.host();
        io.velociraptor.core.model.ProcData data = RunExecution.procData(swarm, host, port, release);
        running.put(ProcRef.of(host.name(), o), hostPool.submit(() -> {
          try {
            return runtime.uptest(runners.runner(host), data, uptestTimeout);
          } catch (RuntimeException e) {
            return List.of(io.velociraptor.core.spi.UptestResult.of("(runner)", String.valueOf(e.getMessage()), false, 0));
          }
        }));
      }
    }
    Map<ProcRef, List<io.velociraptor.core.spi.UptestResult>> out = new TreeMap<>();
    for (Map.Entry<ProcRef, Future<List<io.velociraptor.core.spi.UptestResult>>> e : running.entrySet()) {
      try {
        out.put(e.getKey(), e.getValue().get());
      } catch (ExecutionException ex) {
        out.put(e.getKey(), List.of(io.velociraptor.core.spi.UptestResult.of("(runner)", String.valueOf(ex.getCause()), false, 0)));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while uptesting swarm " + swarm.name(), ex);
      }
    }
    return out;
  }

  void emit(DispatchEvent event) {
    for (DispatchListener l : listeners) {
      try {
        l.on(event);
      } catch (RuntimeException e) {
        LOG.warn("dispatch listener {} failed on {}: {}", l, event.getClass().getSimpleName(), e.toString());
      }
    }
  }

  Optional<Build> existingBuild(Swarm swarm) {
    return store.build(swarm.app(), swarm.version()).filter(b -> b.status() == BuildStatus.SUCCESS && b.isUsable());
  }

  Host host(io.velociraptor.core.model.HostName name) {
    return fleet.host(name);
  }

  /** Stops this dispatcher's host threads, interrupting any dispatch still at work on a host. */
  @Override
  public void close() {
    hostPool.shutdownNow();
    procPool.shutdownNow();
  }

  /** Configures a {@link Dispatcher}. */
  public static final class Builder {
    private Store store;
    private FleetConfig fleet;
    private FleetObserver observer;
    private ProcController procs;
    private ContainerRuntime runtime;
    private HostRunners runners;
    private BuildBackend builds;
    private ArtifactStore artifacts;
    private final Map<BalancerName, Balancer> balancers = new TreeMap<>();
    private final List<DispatchListener> listeners = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Duration uptestTimeout = Duration.ofSeconds(30);
    private int routeAttempts = 3;
    private Duration routeBackoff = Duration.ofMillis(200);
    private java.util.function.Consumer<Duration> pause = Dispatcher::pauseFor;
    private int parallelism = 8;
    private int perHostParallelism = 8;
    private SwarmRun.Owner owner = RunIds.thisProcess();

    private Builder() {}

    /**
     * Sets where swarms, builds, releases, port locks and runs live.
     *
     * @param store where swarms, builds, releases, port locks and runs live
     * @return this
     */
    public Builder store(Store store) {
      this.store = store;
      return this;
    }

    /**
     * Sets the configured hosts and squads.
     *
     * @param fleet the configured hosts and squads
     * @return this
     */
    public Builder fleet(FleetConfig fleet) {
      this.fleet = fleet;
      return this;
    }

    /**
     * Sets the observer of hosts' procs.
     *
     * @param observer observes hosts' procs
     * @return this
     */
    public Builder observer(FleetObserver observer) {
      this.observer = observer;
      return this;
    }

    /**
     * Sets the proc controller, which installs, starts, stops and removes programs.
     *
     * @param procs installs, starts, stops and removes programs
     * @return this
     */
    public Builder procs(ProcController procs) {
      this.procs = procs;
      return this;
    }

    /**
     * Sets the container runtime, which sets up, uptests and tears down procs.
     *
     * @param runtime sets up, uptests and tears down procs
     * @return this
     */
    public Builder runtime(ContainerRuntime runtime) {
      this.runtime = runtime;
      return this;
    }

    /**
     * Sets the command runners for hosts.
     *
     * @param runners command runners for hosts
     * @return this
     */
    public Builder runners(HostRunners runners) {
      this.runners = runners;
      return this;
    }

    /**
     * Sets the build backend that builds missing builds; without one, a swarm whose build is
     * missing fails.
     *
     * @param builds builds missing builds; without one, a swarm whose build is missing fails
     * @return this
     */
    public Builder builds(BuildBackend builds) {
      this.builds = builds;
      return this;
    }

    /**
     * Sets the artifact store that holds the build tarballs, so that {@link Dispatcher#gc} removes
     * the tarballs of the builds it deletes; without one, it deletes only their records.
     *
     * @param artifacts the artifact store that holds the build tarballs
     * @return this
     */
    public Builder artifacts(ArtifactStore artifacts) {
      this.artifacts = artifacts;
      return this;
    }

    /**
     * Sets a balancer, by its name.
     *
     * @param balancer a balancer, by its name
     * @return this
     */
    public Builder balancer(Balancer balancer) {
      this.balancers.put(balancer.name(), balancer);
      return this;
    }

    /**
     * Sets a listener that receives events.
     *
     * @param listener receives events
     * @return this
     */
    public Builder listener(DispatchListener listener) {
      this.listeners.add(listener);
      return this;
    }

    /**
     * Sets the clock for run timestamps.
     *
     * @param clock for run timestamps
     * @return this
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the timeout of each uptest (default 30 s).
     *
     * @param timeout per uptest (default 30 s)
     * @return this
     */
    public Builder uptestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw InvalidValueException.of("uptest timeout", timeout, "must be positive");
      }
      this.uptestTimeout = timeout;
      return this;
    }

    /**
     * Sets how many times a route change is tried before the run fails (default 3).
     *
     * @param attempts tries per route change before the run fails (default 3)
     * @return this
     */
    public Builder routeAttempts(int attempts) {
      if (attempts < 1) {
        throw InvalidValueException.of("route attempts", attempts, "must be at least 1");
      }
      this.routeAttempts = attempts;
      return this;
    }

    /**
     * Sets the pause before the second attempt of a route change; it doubles before each later one,
     * up to {@link #MAX_ROUTE_BACKOFF} (default 200 ms; zero retries at once).
     *
     * @param first the pause before the second attempt of a route change; it doubles before each
     *     later one, up to {@link #MAX_ROUTE_BACKOFF} (default 200 ms; zero retries at once)
     * @return this
     * @throws InvalidValueException if it is negative
     */
    public Builder routeBackoff(Duration first) {
      if (first.isNegative()) {
        throw InvalidValueException.of("route backoff", first, "must not be negative");
      }
      this.routeBackoff = first;
      return this;
    }

    /** How the dispatcher pauses between route attempts; tests record the pauses instead. */
    Builder pause(java.util.function.Consumer<Duration> pause) {
      this.pause = Objects.requireNonNull(pause, "pause");
      return this;
    }

    /**
     * Sets how many hosts are worked on at once (default 8).
     *
     * @param parallelism how many hosts are worked on at once (default 8)
     * @return this
     */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1) {
        throw InvalidValueException.of("parallelism", parallelism, "must be at least 1");
      }
      this.parallelism = parallelism;
      return this;
    }

    /**
     * Sets how many procs of one host a run works on at once (default 8): set up and started,
     * uptested, stopped, or torn down after a failure. The steps keep their order (all starts,
     * then the uptests, the route changes, then the stops; a rollout's waves one after another):
     * only the procs within one step go in parallel. 1 works on a host's procs one after another.
     *
     * @param perHostParallelism how many procs of one host are worked on at once (default 8)
     * @return this
     * @throws InvalidValueException if it is less than 1
     */
    public Builder perHostParallelism(int perHostParallelism) {
      if (perHostParallelism < 1) {
        throw InvalidValueException.of("perHostParallelism", perHostParallelism, "must be at least 1");
      }
      this.perHostParallelism = perHostParallelism;
      return this;
    }

    /**
     * Sets who owns the runs (default: this process).
     *
     * @param owner who owns the runs (default: this process)
     * @return this
     */
    public Builder owner(SwarmRun.Owner owner) {
      this.owner = owner;
      return this;
    }

    /**
     * Builds the dispatcher.
     *
     * @return the dispatcher
     * @throws NullPointerException naming the first missing part
     */
    public Dispatcher build() {
      return new Dispatcher(this);
    }
  }
}
