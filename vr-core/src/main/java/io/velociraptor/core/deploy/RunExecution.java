package io.velociraptor.core.deploy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.PoolRef;
import io.velociraptor.core.plan.ProcRef;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.RolloutPlanner;
import io.velociraptor.core.plan.RouteChange;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.Stop;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.plan.Unplaced;
import io.velociraptor.core.plan.UnreachableHost;
import io.velociraptor.core.plan.Wave;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.PortTakenException;
import io.velociraptor.core.spi.ProgramSpec;
import io.velociraptor.core.spi.UptestResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import io.velociraptor.core.VrException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One dispatch of one swarm, from its build to its confirmation. */
final class RunExecution {
  private static final Logger LOG = LoggerFactory.getLogger(RunExecution.class);
  /** Each failed run, once; a caller that reports outcomes itself (the vr tool) turns it off. */
  private static final Logger OUTCOMES = LoggerFactory.getLogger("io.velociraptor.core.deploy.outcomes");
  /** A deleted swarm's procs are all retired, so the hash it plans with never matches anything. */
  private static final ReleaseHash RETIRING = ReleaseHash.of("000000000000");

  private final Dispatcher d;
  private final Swarm swarm;
  private final boolean deleting;
  /** A rolling restart (Dispatcher.restart): the procs it replaces, fixed when it first plans. */
  private final boolean restarting;
  private PlanPolicy policy;
  /** Current procs to replace anyway (their periodic uptests failed); empty for a plain dispatch. */
  private List<ProcRef> restartOnly = List.of();
  /** Replaced by every step, from the host threads too (see step). */
  private volatile SwarmRun run;
  /** New procs this run set up, in order; torn down again if the run fails before routing. */
  private final List<NewProc> created = Collections.synchronizedList(new ArrayList<>());
  private boolean routingStarted;
  /** The observation the current plan was made from (staging cuts that plan into waves with it). */
  private FleetSnapshot plannedFrom;

  private record NewProc(Host host, ProcName.Ours name) {}

  /** How a run goes: a new dispatch, or a paused run resumed by a promote or a revert. */
  enum Mode {
    /** A new run: plan, roll out, pause after a canary wave. */
    DISPATCH,
    /** A paused run promoted: roll out the rest without another canary. */
    PROMOTE,
    /** A paused run reverted: retire the canaries, end {@code reverted}. */
    REVERT
  }

  private Mode mode = Mode.DISPATCH;
  /** Why this run was begun, when something other than an operator's dispatch began it. */
  private Optional<String> cause = Optional.empty();
  /** Whether a failure may re-dispatch the last successful release (never for a revert itself). */
  private boolean mayRevert = true;
  /** Whether the rollout skips the policy's canary (a promote's, an auto-revert's: neither pauses). */
  private boolean skipCanary;
  /** The swarm a failed run re-dispatches under on_failure: revert, once fail() decided so. */
  private Optional<Swarm> revertTo = Optional.empty();

  RunExecution(Dispatcher d, SwarmRun run, Swarm swarm, boolean deleting) {
    this(d, run, swarm, deleting, false);
  }

  RunExecution(Dispatcher d, SwarmRun run, Swarm swarm, boolean deleting, boolean restarting) {
    this.d = d;
    this.run = run;
    this.swarm = swarm;
    this.deleting = deleting;
    this.restarting = restarting;
  }

  /**
   * A reconcile's repair: replaces these current procs too (those whose periodic uptests failed),
   * never pauses for a canary and never auto-reverts (it converges to the stored swarm itself).
   */
  RunExecution repairing(java.util.Collection<ProcRef> procs) {
    this.restartOnly = List.copyOf(procs);
    this.skipCanary = true;
    this.mayRevert = false;
    return this;
  }

  /** Resumes a paused run: {@code swarm} is what to converge to (the run's, or the previous). */
  RunExecution resuming(Mode how) {
    this.mode = how;
    this.mayRevert = how == Mode.PROMOTE;
    this.skipCanary = true;
    return this;
  }

  /**
   * Records why the run was begun, first in its history; an auto-revert neither reverts in turn
   * nor pauses for a canary.
   */
  RunExecution autoRevert(String why) {
    this.cause = Optional.of(why);
    this.mayRevert = false;
    this.skipCanary = true;
    return this;
  }

  /** The swarm to re-dispatch after this run failed, when its policy says revert and there is one. */
  Optional<Swarm> revertTo() {
    return revertTo;
  }

  DispatchResult execute() {
    if (mode == Mode.DISPATCH) {
      d.emit(new DispatchEvent.RunStarted(run.id(), now(), swarm.name(), swarm.id().value(), run.traceId()));
    }
    SwarmPlan plan = null;
    try {
      if (cause.isPresent()) {
        moveTo(RunState.PENDING, cause.get());
      }
      Optional<Release> release = deleting ? Optional.empty() : Optional.of(resolveRelease());
      if (mode == Mode.DISPATCH) {
        run = d.store.recordTarget(run.id(), swarm, release.map(Release::hash));
      }
      FleetSnapshot snapshot = d.observe(swarm);
      plannedFrom = snapshot;
      sweepOrphans(snapshot);
      DesiredSwarm desired = release.map(r -> DesiredSwarm.of(swarm, r)).orElse(DesiredSwarm.of(swarm, RETIRING));
      policy = deleting ? PlanPolicy.deletingSwarm() : restarting ? Dispatcher.restartPolicy(swarm, snapshot)
          : restartOnly.isEmpty() ? PlanPolicy.defaults() : PlanPolicy.restarting(restartOnly);
      plan = Planner.plan(desired, snapshot, policy);
      run = d.store.recordPlan(run.id(), VrJson.writeJson(plan));
      if (!deleting && d.store.swarm(swarm.id()).isEmpty()) {
        // A first dispatch stores its swarm at once, so that it is listed and can be deleted
        // whatever happens. A later one replaces the stored swarm only when it succeeds (finish):
        // what a reconcile converges to is never a failed attempt.
        d.store.putSwarm(swarm);
      }
      d.emit(new DispatchEvent.Planned(run.id(), now(), label(plan.summary().toString()), plan.render()));
      for (UnreachableHost u : plan.unreachable()) {
        warn("host " + u.host() + " is unreachable (" + u.reason() + "); its procs are left as they are");
      }
      for (Unplaced u : plan.unplaced()) {
        warn(u.count() + " proc(s) could not be placed: " + u.reason() + " " + u.detail());
      }
      if (plan.isNoop()) {
        return finish(plan, "nothing to do: " + plan.summary());
      }
      plan = reserveOrReplan(plan, desired);
      if (!deleting && mode != Mode.REVERT && !swarm.updatePolicy().isDefault()) {
        UpdatePolicy update = skipCanary ? withoutCanary(swarm.updatePolicy()) : swarm.updatePolicy();
        RolloutPlan rollout = RolloutPlanner.stage(plan, plannedFrom, update);
        if (rollout.waves().size() > 1) {
          return executeWaves(plan, rollout, release.orElseThrow());
        }
      }
      if (!plan.starts().isEmpty()) {
        moveTo(RunState.DEPLOYING, "starting " + plan.starts().size() + " proc(s)");
        startAll(plan, release.orElseThrow());
      }
      List<ProcRef> toTest = toUptest(plan);
      if (!toTest.isEmpty()) {
        moveTo(RunState.UPTESTING, "uptesting " + toTest.size() + " proc(s)");
        uptestAll(toTest, release.orElseThrow());
      }
      if (!plan.routeAdds().isEmpty() || !plan.routeRemoves().isEmpty()) {
        moveTo(RunState.ROUTING, plan.routeAdds().size() + " route(s) to add, " + plan.routeRemoves().size() + " to remove");
        routingStarted = true;
        route(plan.routeAdds(), true);
        route(plan.routeRemoves(), false);
      }
      List<String> stopFailures = List.of();
      if (!plan.stops().isEmpty()) {
        moveTo(RunState.CLEANING, "stopping " + plan.stops().size() + " proc(s)");
        stopFailures = stopAll(plan.stops());
      }
      d.store.release(run.id());
      if (!stopFailures.isEmpty()) {
        throw new StepFailed("could not retire " + stopFailures.size() + " proc(s); the next dispatch retries: "
            + String.join("; ", stopFailures));
      }
      return finish(plan, plan.summary().toString());
    } catch (RuntimeException | Error e) {
      return fail(plan, e);
    }
  }

  /**
   * Executes a rollout of several waves in order, each as a single diff is executed (starts,
   * uptests, min_healthy_seconds, route adds, route removes, drain_seconds, stops). The ports of the
   * whole plan are already reserved. A failed wave fails the run: only what this wave created is
   * torn down (and only before its routing began); earlier waves' procs passed and serve, and old
   * procs not yet stopped keep serving. The next dispatch plans again from what runs, so a crash
   * between waves converges there too.
   */
  private DispatchResult executeWaves(SwarmPlan whole, RolloutPlan rollout, Release release) {
    int total = rollout.waves().size();
    for (Wave w : rollout.waves()) {
      runWave(w, total, rollout.update(), release);
      if (w.canary()) {
        return pause(whole, w, total, release);
      }
    }
    d.store.release(run.id());
    return finish(whole, whole.summary() + " in " + total + " waves");
  }

  private static UpdatePolicy withoutCanary(UpdatePolicy policy) {
    return io.velociraptor.core.model.ImmutableUpdatePolicy.builder().from(policy).canary(0).build();
  }

  /**
   * Parks the run after its canary wave: its canaries serve beside the old procs, its port locks
   * are released (the canaries' ports are in use, which every plan sees), and the run stays live in
   * {@code canary}, so the swarm takes no other dispatch until a promote or a revert resumes it.
   */
  private DispatchResult pause(SwarmPlan whole, Wave canaries, int total, Release release) {
    d.store.release(run.id());
    String message = "paused after canary wave " + canaries.number() + "/" + total + ": " + canaries.plan().starts().size()
        + " proc(s) of release " + release.hash() + " serve beside the old; `vr promote " + swarm.name()
        + "` rolls out the rest, `vr revert " + swarm.name() + "` retires the canaries";
    moveTo(RunState.CANARY, message);
    d.emit(new DispatchEvent.RunPaused(run.id(), now(), message));
    return new DispatchResult(run, Optional.of(whole), false);
  }

  private void runWave(Wave w, int total, UpdatePolicy update, Release release) {
    SwarmPlan p = w.plan();
    String target = w.number() + "/" + total;
    String summary = waveSummary(w);
    // what earlier waves created passed its uptests and is routed: a failure here keeps it
    created.clear();
    routingStarted = false;
    Instant started = now();
    d.emit(new DispatchEvent.WaveStarted(run.id(), started, w.number(), total, summary));
    try {
      if (!p.starts().isEmpty()) {
        moveForward(RunState.DEPLOYING, "wave " + target + ": starting " + p.starts().size() + " proc(s)");
        startAll(p, release);
      }
      List<ProcRef> toTest = toUptest(p);
      if (!toTest.isEmpty()) {
        moveForward(RunState.UPTESTING, "wave " + target + ": uptesting " + toTest.size() + " proc(s)");
        uptestAll(toTest, release);
      }
      if (update.minHealthySeconds() > 0 && !p.starts().isEmpty()) {
        checkStillRunning(p, update.minHealthySeconds(), target);
      }
      if (!p.routeAdds().isEmpty() || !p.routeRemoves().isEmpty()) {
        moveForward(RunState.ROUTING, "wave " + target + ": " + p.routeAdds().size() + " route(s) to add, "
            + p.routeRemoves().size() + " to remove");
        routingStarted = true;
        route(p.routeAdds(), true);
        route(p.routeRemoves(), false);
      }
      if (update.drainSeconds() > 0 && !p.routeRemoves().isEmpty() && !p.stops().isEmpty()) {
        Instant drainStarted = now();
        d.pause.accept(Duration.ofSeconds(update.drainSeconds()));
        step("drain", Optional.empty(), target, RunStep.Outcome.OK, update.drainSeconds() + " s", drainStarted);
      }
      if (!p.stops().isEmpty()) {
        moveForward(RunState.CLEANING, "wave " + target + ": stopping " + p.stops().size() + " proc(s)");
        List<String> stopFailures = stopAll(p.stops());
        if (!stopFailures.isEmpty()) {
          // stopping later waves' procs with these still running could break max_surge
          throw new StepFailed("could not retire " + stopFailures.size() + " proc(s) in wave " + target
              + "; the next dispatch retries: " + String.join("; ", stopFailures));
        }
      }
    } catch (RuntimeException e) {
      step("wave", Optional.empty(), target, RunStep.Outcome.FAILED, summary + ": " + e.getMessage(), started);
      throw e;
    }
    step("wave", Optional.empty(), target, RunStep.Outcome.OK, summary, started);
    d.emit(new DispatchEvent.WaveDone(run.id(), now(), w.number(), total, summary));
  }

  static String waveSummary(Wave w) {
    return "+" + w.plan().starts().size() + " -" + w.plan().stops().size() + ", " + w.inService() + " in service";
  }

  /**
   * Waits min_healthy_seconds after the wave's uptests passed, then observes its new procs: each
   * must still be RUNNING (one that crashed and was given up on is FATAL, one restarting is not
   * running either).
   */
  private void checkStillRunning(SwarmPlan p, int seconds, String target) {
    Instant started = now();
    d.pause.accept(Duration.ofSeconds(seconds));
    Map<HostName, List<Start>> byHost = new TreeMap<>();
    for (Start s : p.starts()) {
      byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(s);
    }
    List<String> bad = new ArrayList<>();
    for (HostSnapshot h : d.observer.observe(byHost.keySet().stream().map(d::host).toList())) {
      for (Start s : byHost.getOrDefault(h.host().name(), List.of())) {
        String where = s.name().format() + " on " + h.host().name();
        if (!h.reachable()) {
          bad.add(where + ": host unreachable (" + h.unreachableReason().orElse("") + ")");
          continue;
        }
        Optional<ProcState> state = h.procs().stream().filter(o -> o.name().format().equals(s.name().format()))
            .map(ObservedProc::state).findFirst();
        if (state.isEmpty()) {
          bad.add(where + ": gone");
        } else if (state.get() != ProcState.RUNNING) {
          bad.add(where + ": " + state.get());
        }
      }
    }
    step("min-healthy", Optional.empty(), target, bad.isEmpty() ? RunStep.Outcome.OK : RunStep.Outcome.FAILED,
        bad.isEmpty() ? seconds + " s, " + p.starts().size() + " proc(s) running" : String.join("; ", bad), started);
    if (!bad.isEmpty()) {
      throw new StepFailed("wave " + target + ": new proc(s) not running after min_healthy_seconds " + seconds + ": "
          + String.join("; ", bad));
    }
  }

  /** Moves to a state unless the run is past it already (a later wave starts procs after an earlier one cleaned). */
  private void moveForward(RunState state, String message) {
    if (run.state().canMoveTo(state)) {
      moveTo(state, message);
    } else {
      d.emit(new DispatchEvent.StateChanged(run.id(), now(), run.state(), message));
    }
  }

  /**
   * Tears down this swarm's proc directories that have no program (a crashed run's, or a failed
   * setup's that nothing could clean up). This run holds the swarm, so none is being set up now.
   */
  private void sweepOrphans(FleetSnapshot snapshot) {
    for (Map.Entry<Host, List<ProcName.Ours>> e : d.orphanDirs(snapshot.hosts()).entrySet()) {
      for (ProcName.Ours name : e.getValue()) {
        if (!name.swarmId().equals(swarm.id())) {
          continue;
        }
        Instant started = now();
        String where = name.format() + " on " + e.getKey().name();
        try {
          d.runtime.teardown(d.runners.runner(e.getKey()), name);
          warn("removed the proc directory of " + where + ": Supervisor has no program for it (a failed or crashed run left it)");
          step("sweep", Optional.of(e.getKey().name()), name.format(), RunStep.Outcome.OK, "proc directory with no program", started);
        } catch (RuntimeException ex) {
          warn("could not remove the proc directory of " + where + " (the next dispatch retries): " + ex.getMessage());
          step("sweep", Optional.of(e.getKey().name()), name.format(), RunStep.Outcome.FAILED, ex.getMessage(), started);
        }
      }
    }
  }

  private Release resolveRelease() {
    Build build = d.existingBuild(swarm).orElseGet(() -> {
      if (mode != Mode.DISPATCH) {
        throw new StepFailed("there is no usable build of " + swarm.app() + " " + swarm.version() + " any more (it was"
            + " deleted or rebuilt); a " + mode.name().toLowerCase(java.util.Locale.ROOT) + " never builds");
      }
      return build();
    });
    Release release = Release.of(swarm, build);
    if (!d.store.release(release.hash()).equals(Optional.of(release))) {
      d.store.putRelease(release);
    }
    return release;
  }

  private Build build() {
    if (d.builds.isEmpty()) {
      throw new StepFailed("there is no build of " + swarm.app() + " " + swarm.version() + " and no build backend is configured");
    }
    var app = d.store.app(swarm.app()).orElseThrow(() -> new StepFailed("app " + swarm.app()
        + " is not stored; store it (repo url, buildpacks) before dispatching a swarm of it"));
    moveTo(RunState.BUILDING, "building " + swarm.app() + " " + swarm.version());
    d.emit(new DispatchEvent.BuildStarted(run.id(), now(), swarm.app().value(), swarm.version().value()));
    Instant started = now();
    Build build;
    try {
      build = d.builds.get().build(BuildRequest.of(app, swarm.version()), new BuildListener() {
        @Override
        public void onLine(String line) {
          d.emit(new DispatchEvent.BuildLog(run.id(), now(), line));
        }
      });
    } catch (RuntimeException e) {
      d.emit(new DispatchEvent.BuildFinished(run.id(), now(), swarm.app().value(), swarm.version().value(), BuildStatus.FAILED, ""));
      step("build", Optional.empty(), swarm.app() + " " + swarm.version(), RunStep.Outcome.FAILED, e.getMessage(), started);
      throw e;
    }
    d.store.putBuild(build);
    d.emit(new DispatchEvent.BuildFinished(run.id(), now(), swarm.app().value(), swarm.version().value(), build.status(),
        build.sha256().orElse("")));
    step("build", Optional.empty(), swarm.app() + " " + swarm.version(), build.isUsable() ? RunStep.Outcome.OK : RunStep.Outcome.FAILED,
        build.status().name().toLowerCase(java.util.Locale.ROOT), started);
    if (!build.isUsable()) {
      throw new StepFailed("the build of " + swarm.app() + " " + swarm.version() + " ended " + build.status());
    }
    return build;
  }

  /** How often a run re-observes and re-plans when a concurrent dispatch took a planned port first. */
  private static final int RESERVE_ATTEMPTS = 10;

  /**
   * Reserves the plan's ports; when another dispatch reserved one first (it observed the same
   * free port), observes again and plans again, so concurrent dispatches onto one host all succeed.
   * The re-plans of one dispatcher's runs take turns ({@code Dispatcher.replanTurn}): a run that
   * lost a port observes only after the run before it has reserved, so they cannot keep taking
   * each other's ports (under load, four runs that all retried at once lost five times in a row).
   * Runs of other processes are met by the store's locks and the retry limit.
   */
  private SwarmPlan reserveOrReplan(SwarmPlan first, DesiredSwarm desired) {
    try {
      reservePorts(first);
      return first;
    } catch (PortTakenException | PortInUse taken) {
      d.store.release(run.id());
      replanned(taken);
    }
    synchronized (d.replanTurn) {
      for (int attempt = 2; ; attempt++) {
        plannedFrom = d.observe(swarm);
        SwarmPlan plan = Planner.plan(desired, plannedFrom, policy);
        run = d.store.recordPlan(run.id(), VrJson.writeJson(plan));
        d.emit(new DispatchEvent.Planned(run.id(), now(), label(plan.summary().toString()), plan.render()));
        try {
          reservePorts(plan);
          return plan;
        } catch (PortTakenException | PortInUse taken) {
          d.store.release(run.id());
          if (attempt >= RESERVE_ATTEMPTS) {
            throw new StepFailed("ports were taken by concurrent dispatches " + attempt + " times; last: " + taken.getMessage(), taken);
          }
          replanned(taken);
        }
      }
    }
  }

  private void replanned(RuntimeException taken) {
    warn("a planned port was taken meanwhile (" + taken.getMessage() + "); observing and planning again");
  }

  private void reservePorts(SwarmPlan plan) {
    Map<HostName, List<Port>> byHost = new TreeMap<>();
    for (Start s : plan.starts()) {
      byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(s.port());
    }
    for (Map.Entry<HostName, List<Port>> e : byHost.entrySet()) {
      d.store.reserve(e.getKey(), e.getValue(), run.id());
    }
    checkNotInUse(byHost);
  }

  /**
   * With the locks held, looks at the hosts again. A dispatch that observed before another one's
   * procs started, and reserves after that one released its locks (once its procs ran), would
   * otherwise hold ports those procs use: the locks alone only catch a dispatch still running.
   */
  private void checkNotInUse(Map<HostName, List<Port>> byHost) {
    List<Host> hosts = byHost.keySet().stream().map(d::host).toList();
    for (HostSnapshot h : d.observer.observe(hosts)) {
      List<Port> mine = byHost.getOrDefault(h.host().name(), List.of());
      for (ObservedProc p : h.procs()) {
        if (p.port().isPresent() && mine.contains(p.port().get())) {
          throw new PortInUse("port " + p.port().get() + " on " + h.host().name() + " is used by " + p.name().format()
              + ", started by a concurrent dispatch after this one observed the host");
        }
      }
    }
  }

  /** A planned port that a proc started meanwhile uses. */
  private static final class PortInUse extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortInUse(String message) {
      super(message, null, false, false);
    }
  }

  private void startAll(SwarmPlan plan, Release release) {
    Map<HostName, List<Start>> byHost = new TreeMap<>();
    for (Start s : plan.starts()) {
      byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(s);
    }
    // as when one host's procs went one after another, a failed start ends that host's starts
    List<String> failures = onEachHost(byHost, true, (host, s) -> startOne(host, s, release));
    if (!failures.isEmpty()) {
      throw new StepFailed("could not start " + String.join("; ", failures));
    }
  }

  private void startOne(Host host, Start s, Release release) {
    ProcData data = procData(host, s.port(), release);
    String name = s.name().format();
    Instant started = now();
    d.emit(new DispatchEvent.ProcStarting(run.id(), started, host.name(), name, s.port().value()));
    created.add(new NewProc(host, s.name()));
    try {
      CommandRunner runner = d.runners.runner(host);
      d.runtime.setup(runner, data);
      d.procs.install(host, programSpec(data));
      d.procs.start(host, s.name());
    } catch (RuntimeException e) {
      d.emit(new DispatchEvent.ProcFailed(run.id(), now(), host.name(), name, e.getMessage()));
      step("start", Optional.of(host.name()), name, RunStep.Outcome.FAILED, e.getMessage(), started);
      throw new StepFailed(name + " on " + host.name() + ": " + e.getMessage(), e);
    }
    d.emit(new DispatchEvent.ProcStarted(run.id(), now(), host.name(), name));
    step("start", Optional.of(host.name()), name, RunStep.Outcome.OK, "port " + s.port(), started);
  }

  private ProgramSpec programSpec(ProcData data) {
    return ProgramSpec.builder()
        .name(data.programName())
        .argv(d.runtime.runCommand(data))
        .autoStart(false)
        .autoRestart(ProgramSpec.AutoRestart.UNEXPECTED)
        .startSecs(1)
        .startRetries(3)
        .stopSignal(ProgramSpec.StopSignal.TERM)
        .stopWaitSecs(10)
        .stopAsGroup(true)
        .killAsGroup(true)
        .redirectStderr(true)
        .build();
  }

  ProcData procData(Host host, Port port, Release release) {
    return procData(swarm, host, port, release);
  }

  /** What the runner reads to set up, run and uptest a proc of this swarm's release on a host and port. */
  static ProcData procData(Swarm swarm, Host host, Port port, Release release) {
    Build build = release.build();
    var b = ProcData.builder()
        .appName(swarm.app().value())
        .version(swarm.version().value())
        .configName(swarm.config().value())
        .releaseHash(release.hash().value())
        .procName(swarm.procType().value())
        .port(port.value())
        .host(host.address())
        .user(release.runAs())
        .env(release.env())
        .settings(release.settings())
        .volumes(release.volumes())
        .memLimit(release.memLimit())
        .memswLimit(release.memswLimit())
        .swarmId(swarm.id());
    // the runner looks the type up in the build's Procfile; a type only the buildpack's bin/release
    // gives (default_process_types, as Heroku's static and language buildpacks do) is not in it
    String type = swarm.procType().value();
    if (!build.procfileTypes().containsKey(type) && build.releaseProcessTypes().containsKey(type)) {
      b.cmd(build.releaseProcessTypes().get(type));
    }
    build.artifact().ifPresent(b::buildUrl);
    build.md5().ifPresent(b::buildMd5);
    build.sha256().ifPresent(b::buildSha256);
    return b.build();
  }

  /** Every proc about to be routed, and every new proc even when the swarm has no pool. */
  private List<ProcRef> toUptest(SwarmPlan plan) {
    SortedSet<ProcRef> out = new TreeSet<>();
    for (Start s : plan.starts()) {
      out.add(s.ref());
    }
    for (RouteChange add : plan.routeAdds()) {
      add.proc().ifPresent(out::add);
    }
    return new ArrayList<>(out);
  }

  private void uptestAll(List<ProcRef> procs, Release release) {
    Map<HostName, List<ProcRef>> byHost = new TreeMap<>();
    for (ProcRef p : procs) {
      byHost.computeIfAbsent(p.host(), h -> new ArrayList<>()).add(p);
    }
    List<String> failures = onEachHost(byHost, false, (host, ref) -> uptestOne(host, ref, release));
    if (!failures.isEmpty()) {
      throw new StepFailed("uptests failed: " + String.join("; ", failures));
    }
  }

  private void uptestOne(Host host, ProcRef ref, Release release) {
    Port port = ref.name().port().orElseThrow();
    ProcData data = procData(host, port, release);
    Instant started = now();
    List<UptestResult> results;
    try {
      results = d.runtime.uptest(d.runners.runner(host), data, d.uptestTimeout);
    } catch (RuntimeException e) {
      results = List.of(UptestResult.of("(runner)", String.valueOf(e.getMessage()), false, 0));
    }
    boolean passed = results.stream().allMatch(UptestResult::passed);
    if (passed) {
      d.emit(new DispatchEvent.UptestPassed(run.id(), now(), host.name(), ref.name().format(), results));
    } else {
      d.emit(new DispatchEvent.UptestFailed(run.id(), now(), host.name(), ref.name().format(), results));
    }
    step("uptest", Optional.of(host.name()), ref.name().format(), passed ? RunStep.Outcome.OK : RunStep.Outcome.FAILED,
        uptestDetail(results), started);
    if (!passed) {
      throw new StepFailed(ref.name().format() + " on " + host.name() + " (" + results.stream().filter(r -> !r.passed())
          .map(UptestResult::name).reduce((a, b) -> a + ", " + b).orElse("") + ")");
    }
  }

  private void route(List<RouteChange> changes, boolean add) {
    Map<PoolRef, List<PoolMember>> byPool = new TreeMap<>();
    for (RouteChange c : changes) {
      byPool.computeIfAbsent(c.pool(), p -> new ArrayList<>()).add(c.member());
    }
    for (Map.Entry<PoolRef, List<PoolMember>> e : byPool.entrySet()) {
      Balancer balancer = d.balancers.get(e.getKey().balancer());
      if (balancer == null) {
        throw new StepFailed("balancer " + e.getKey().balancer() + " is not configured");
      }
      Instant started = now();
      RuntimeException last = null;
      for (int attempt = 1; attempt <= d.routeAttempts; attempt++) {
        try {
          if (add) {
            balancer.add(e.getKey().pool(), e.getValue());
          } else {
            balancer.remove(e.getKey().pool(), e.getValue());
          }
          last = null;
          break;
        } catch (RuntimeException ex) {
          last = ex;
          LOG.warn("route change on {} failed (attempt {} of {}): {}", e.getKey(), attempt, d.routeAttempts, ex.getMessage());
          if (attempt < d.routeAttempts) {
            // a reloading balancer or a blip: give it time, more each try
            Duration pause = d.routeBackoff(attempt);
            if (!pause.isZero()) {
              d.pause.accept(pause);
            }
          }
        }
      }
      String target = e.getKey() + " " + e.getValue();
      if (last != null) {
        step(add ? "route-add" : "route-remove", Optional.empty(), target, RunStep.Outcome.FAILED, last.getMessage(), started);
        throw new StepFailed("could not " + (add ? "add " : "remove ") + e.getValue() + (add ? " to " : " from ") + e.getKey()
            + " after " + d.routeAttempts + " attempts: " + last.getMessage(), last);
      }
      for (PoolMember m : e.getValue()) {
        d.emit(add ? new DispatchEvent.Routed(run.id(), now(), e.getKey().toString(), m)
            : new DispatchEvent.Unrouted(run.id(), now(), e.getKey().toString(), m));
      }
      step(add ? "route-add" : "route-remove", Optional.empty(), target, RunStep.Outcome.OK, "", started);
    }
  }

  private List<String> stopAll(List<Stop> stops) {
    Map<HostName, List<Stop>> byHost = new TreeMap<>();
    for (Stop s : stops) {
      byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(s);
    }
    return onEachHost(byHost, false, (host, s) -> {
      Instant started = now();
      try {
        retire(host, s.name());
      } catch (RuntimeException e) {
        warn("could not stop " + s.name() + " on " + host.name() + ": " + e.getMessage());
        step("stop", Optional.of(host.name()), s.name().format(), RunStep.Outcome.FAILED, e.getMessage(), started);
        throw new StepFailed(s.name() + " on " + host.name() + ": " + e.getMessage(), e);
      }
      d.emit(new DispatchEvent.ProcStopped(run.id(), now(), host.name(), s.name().format(),
          s.reason().name().toLowerCase(java.util.Locale.ROOT)));
      step("stop", Optional.of(host.name()), s.name().format(), RunStep.Outcome.OK, s.reason().name(), started);
    });
  }

  /**
   * Stop, uninstall, then tear down. The program goes before its proc directory, so Supervisor
   * cannot respawn it (autorestart after an exit it counts as unexpected) while the directory is
   * being removed. A crash between the steps leaves a stopped program the next plan retires, or a
   * directory with no program the next dispatch sweeps. A program that was never installed (its
   * setup failed) still has its proc directory torn down.
   */
  private void retire(Host host, ProcName name) {
    try {
      d.procs.stop(host, name);
    } catch (io.velociraptor.core.spi.ProcControlException e) {
      if (e.reason() != io.velociraptor.core.spi.ProcControlException.Reason.NO_SUCH_PROC) {
        throw e;
      }
    }
    d.procs.remove(host, name);
    d.runtime.teardown(d.runners.runner(host), name);
  }

  private interface ProcWork<T> {
    /** Works on one item of a host; a failure throws, its message naming the proc and the host. */
    void run(Host host, T item);
  }

  /**
   * Runs work for each host in parallel, and within a host on at most {@code perHostParallelism}
   * items at once; returns the failures, one line per host that had any.
   *
   * @param stopAtFirstFailure whether a host's items not yet begun are skipped once one failed
   */
  private <T> List<String> onEachHost(Map<HostName, List<T>> byHost, boolean stopAtFirstFailure, ProcWork<T> work) {
    List<Future<?>> futures = new ArrayList<>();
    List<HostName> order = new ArrayList<>(byHost.keySet());
    for (HostName name : order) {
      Host host = d.host(name);
      List<T> items = byHost.get(name);
      futures.add(d.hostPool.submit(() -> onItemsOf(host, items, stopAtFirstFailure, work)));
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      try {
        futures.get(i).get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        failures.add(cause instanceof StepFailed ? cause.getMessage() : order.get(i) + ": " + cause);
      } catch (InterruptedException e) {
        cancelAll(futures);
        Thread.currentThread().interrupt();
        throw new StepFailed("interrupted while working on hosts", e);
      }
    }
    return failures;
  }

  private static void cancelAll(List<Future<?>> futures) {
    futures.forEach(f -> f.cancel(true));
  }

  /**
   * Works through one host's items on a host thread and up to {@code perHostParallelism - 1}
   * helpers from the dispatcher's proc pool, which is not the host pool: a host thread waiting on
   * tasks queued behind other host threads in a fixed pool could wait forever. Throws the failures
   * in the items' order.
   */
  private <T> void onItemsOf(Host host, List<T> items, boolean stopAtFirstFailure, ProcWork<T> work) {
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReferenceArray<String> failed = new AtomicReferenceArray<>(items.size());
    Runnable worker = () -> {
      for (int i = next.getAndIncrement(); i < items.size() && !stop.get(); i = next.getAndIncrement()) {
        if (Thread.currentThread().isInterrupted()) {
          stop.set(true);
          throw new StepFailed("interrupted while working on " + host.name());
        }
        try {
          work.run(host, items.get(i));
        } catch (RuntimeException e) {
          failed.set(i, e instanceof StepFailed ? e.getMessage() : host.name() + ": " + e);
          if (stopAtFirstFailure) {
            stop.set(true);
          }
        }
      }
    };
    int helpers = Math.min(d.perHostParallelism, items.size()) - 1;
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int k = 0; k < helpers; k++) {
        running.add(d.procPool.submit(worker));
      }
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the dispatcher is being closed: this thread goes on with the helpers it has
    }
    Throwable thrown = null;
    try {
      worker.run();
    } catch (RuntimeException | Error e) {
      stop.set(true);
      thrown = e;
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (ExecutionException e) {
        stop.set(true);
        thrown = thrown == null ? e.getCause() : thrown;
      } catch (InterruptedException e) {
        stop.set(true);
        cancelAll(running);
        Thread.currentThread().interrupt();
        throw new StepFailed("interrupted while working on " + host.name(), e);
      }
    }
    if (thrown instanceof Error err) {
      throw err;
    }
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      if (failed.get(i) != null) {
        messages.add(failed.get(i));
      }
    }
    if (thrown != null) {
      messages.add(thrown instanceof StepFailed ? thrown.getMessage() : host.name() + ": " + thrown);
    }
    if (!messages.isEmpty()) {
      throw new StepFailed(String.join("; ", messages));
    }
  }

  /** The most lines of a failed test's output an uptest step keeps, and the most characters of each. */
  static final int UPTEST_TAIL_LINES = 10;
  static final int UPTEST_TAIL_LINE_CHARS = 300;

  /**
   * An uptest step's detail: the count on the first line, then each failed test's name, how it
   * ended (exit code, timed out) and the end of its output, so `vr run show` says why.
   */
  static String uptestDetail(List<UptestResult> results) {
    long failed = results.stream().filter(r -> !r.passed()).count();
    StringBuilder b = new StringBuilder(failed == 0 ? results.size() + " test(s) passed"
        : failed + " of " + results.size() + " test(s) failed");
    for (UptestResult r : results) {
      if (r.passed()) {
        continue;
      }
      b.append('\n').append(r.name()).append(": ").append(r.outcome()).append(" after ").append(r.durationMs())
          .append(" ms");
      List<String> lines = r.output().strip().lines().toList();
      if (lines.size() > UPTEST_TAIL_LINES) {
        b.append("\n  | ... (").append(lines.size() - UPTEST_TAIL_LINES).append(" line(s) before)");
      }
      for (String line : lines.subList(Math.max(0, lines.size() - UPTEST_TAIL_LINES), lines.size())) {
        b.append("\n  | ").append(line.length() > UPTEST_TAIL_LINE_CHARS
            ? line.substring(0, UPTEST_TAIL_LINE_CHARS) + " ..." : line);
      }
    }
    return b.toString();
  }

  /** A restart's messages say so: its plan looks like a release change's otherwise. */
  private String label(String message) {
    return restarting ? "restart: " + message : message;
  }

  private DispatchResult finish(SwarmPlan plan, String summary) {
    summary = label(summary);
    // a no-op plan was made from an observation taken moments ago: observing again proves nothing
    boolean confirmed = plan.isNoop() || confirm();
    d.store.release(run.id());
    // written (and fsynced) only when it changed: a no-op run stays cheap
    if (!deleting && !d.store.swarm(swarm.id()).equals(Optional.of(swarm))) {
      d.store.putSwarm(swarm);
    }
    RunState end = mode == Mode.REVERT ? RunState.REVERTED : RunState.DONE;
    if (mode == Mode.REVERT) {
      summary = "reverted: canaries retired (" + summary + "); the swarm runs what it ran before";
    }
    run = d.store.transition(run.id(), end, summary);
    d.emit(new DispatchEvent.StateChanged(run.id(), now(), end, summary));
    d.emit(new DispatchEvent.RunDone(run.id(), now(), summary));
    return new DispatchResult(run, Optional.of(plan), confirmed);
  }

  /** Re-observes and re-plans; a run that converged plans nothing more. */
  private boolean confirm() {
    Instant started = now();
    try {
      if (deleting) {
        SwarmPlan again = Planner.plan(DesiredSwarm.of(swarm, RETIRING), d.observe(swarm), PlanPolicy.deletingSwarm());
        step("confirm", Optional.empty(), swarm.name(), again.isNoop() ? RunStep.Outcome.OK : RunStep.Outcome.FAILED,
            again.summary().toString(), started);
        return again.isNoop();
      }
      Release release = Release.of(swarm, d.existingBuild(swarm).orElseThrow());
      SwarmPlan again = Planner.plan(DesiredSwarm.of(swarm, release), d.observe(swarm), PlanPolicy.defaults());
      if (!again.isNoop()) {
        warn("re-observing found more to do: " + again.summary());
      }
      step("confirm", Optional.empty(), swarm.name(), again.isNoop() ? RunStep.Outcome.OK : RunStep.Outcome.FAILED,
          again.summary().toString(), started);
      return again.isNoop();
    } catch (RuntimeException e) {
      warn("could not confirm the result: " + e.getMessage());
      return false;
    }
  }

  private DispatchResult fail(SwarmPlan plan, Throwable e) {
    RunState failedIn = run.state();
    // a bug keeps its exception's class in the reason; a host's, the store's or a build's message says it all
    String reason = e instanceof VrException && e.getMessage() != null ? e.getMessage() : e.toString();
    if (e instanceof VrException) {
      // an expected failure (a host, the store, a build): its message says what failed; the trace is for --debug
      OUTCOMES.warn("run {} of swarm {} failed in {}: {}", run.id(), swarm.name(), failedIn.wire(), reason);
      LOG.debug("run {} failed", run.id(), e);
    } else {
      OUTCOMES.warn("run {} of swarm {} failed in {}: {}", run.id(), swarm.name(), failedIn.wire(), reason, e);
    }
    if (!routingStarted) {
      tearDownCreated();
    }
    reason += revertDecision(failedIn);
    if (run.swarm().isEmpty()) {
      try {
        run = d.store.recordTarget(run.id(), swarm, Optional.empty()); // a build that failed: the run still says what it dispatched
      } catch (RuntimeException notRecorded) {
        LOG.warn("could not record the swarm of run {}: {}", run.id(), notRecorded.getMessage());
      }
    }
    try {
      d.store.release(run.id());
    } catch (RuntimeException releaseFailed) {
      warn("could not release the port locks of run " + run.id() + ": " + releaseFailed.getMessage());
    }
    try {
      run = d.store.transition(run.id(), RunState.FAILED, reason);
    } catch (RuntimeException notRecorded) {
      if (notRecorded.getMessage() != null && reason.contains(notRecorded.getMessage())) {
        throw notRecorded; // the store failed again the same way: say it once
      }
      VrException both = new VrException("run " + run.id() + " failed (" + reason + ") and the failure could not be recorded: "
          + notRecorded.getMessage(), notRecorded);
      both.addSuppressed(e);
      throw both;
    }
    d.emit(new DispatchEvent.StateChanged(run.id(), now(), RunState.FAILED, reason));
    d.emit(new DispatchEvent.RunFailed(run.id(), now(), failedIn, reason));
    if (e instanceof Error err) {
      throw err;
    }
    return new DispatchResult(run, Optional.ofNullable(plan), false);
  }

  /**
   * Decides, for a failed rollout whose policy says {@code on_failure: revert}, whether the last
   * release that succeeded is dispatched again: only once the run began changing procs (a build
   * that failed changed nothing), only when that release differs from this run's and its build is
   * still there. Returns what the failure reason adds, so the run says what follows.
   */
  private String revertDecision(RunState failedIn) {
    if (deleting || !mayRevert || swarm.updatePolicy().onFailure() != io.velociraptor.core.model.OnFailure.REVERT
        || failedIn.ordinal() < RunState.DEPLOYING.ordinal()) {
      return "";
    }
    try {
      Optional<Swarm> previous = d.store.swarm(swarm.id());
      if (previous.isEmpty() || previous.get().equals(swarm)) {
        return "; on_failure revert: no earlier release of this swarm succeeded, nothing to revert to";
      }
      Optional<Build> build = d.existingBuild(previous.get());
      if (build.isEmpty()) {
        return "; on_failure revert: cannot revert, the build of " + previous.get().app() + " " + previous.get().version()
            + " is gone";
      }
      Swarm back = Swarm.builder().from(previous.get()).update(swarm.update()).build();
      revertTo = Optional.of(back);
      return "; on_failure revert: dispatching release " + Release.of(back, build.get()).hash() + " ("
          + back.app() + " " + back.version() + ") again, the last that succeeded";
    } catch (RuntimeException e) {
      return "; on_failure revert: cannot revert: " + e.getMessage();
    }
  }

  /** The new procs never served traffic, so they go; the old ones were never touched. */
  private void tearDownCreated() {
    List<NewProc> mine;
    synchronized (created) {
      mine = new ArrayList<>(created);
    }
    Collections.reverse(mine);
    if (Thread.currentThread().isInterrupted()) {
      // a cancelled run cannot wait on host threads: what this thread can still do, it does
      mine.forEach(this::tearDown);
      return;
    }
    Map<HostName, List<NewProc>> byHost = new TreeMap<>();
    for (NewProc p : mine) {
      byHost.computeIfAbsent(p.host().name(), h -> new ArrayList<>()).add(p);
    }
    try {
      onEachHost(byHost, false, (host, p) -> tearDown(p));
    } catch (StepFailed interrupted) {
      LOG.warn("run {} was interrupted while tearing down its new procs (the next dispatch retires what is left)", run.id());
    }
  }

  private void tearDown(NewProc p) {
    try {
      retire(p.host(), p.name());
      d.emit(new DispatchEvent.ProcStopped(run.id(), now(), p.host().name(), p.name().format(), "run failed"));
    } catch (RuntimeException e) {
      warn("could not tear down new proc " + p.name() + " on " + p.host().name() + " (the next dispatch retires it): "
          + e.getMessage());
    }
  }

  private void moveTo(RunState state, String message) {
    run = d.store.transition(run.id(), state, message);
    d.emit(new DispatchEvent.StateChanged(run.id(), now(), state, message));
  }

  private void warn(String message) {
    d.emit(new DispatchEvent.Warning(run.id(), now(), message));
  }

  /**
   * Records a step. Host threads record theirs concurrently: one at a time, so that {@code run}
   * ends as the store's latest, never an older reply that came back last.
   */
  private synchronized void step(String name, Optional<HostName> host, String target, RunStep.Outcome outcome, String detail,
      Instant started) {
    var b = RunStep.builder().name(name).host(host).target(target).outcome(outcome)
        .startedAt(started).duration(Duration.between(started, now()));
    if (detail != null && !detail.isEmpty()) {
      b.detail(detail);
    }
    try {
      run = d.store.recordStep(run.id(), b.build());
    } catch (RuntimeException e) {
      LOG.warn("could not record step {} of run {}: {}", name, run.id(), e.getMessage());
    }
  }

  private Instant now() {
    return d.clock.instant();
  }

  /** A step failed with a message fit for the run's failure reason. */
  static final class StepFailed extends io.velociraptor.core.VrException {
    private static final long serialVersionUID = 1L;

    StepFailed(String message) {
      super(message);
    }

    StepFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
