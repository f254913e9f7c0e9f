package io.velociraptor.examples.cli;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.JsonLinesEventSink;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.spi.BuildRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The {@code vr} subcommands. Each prints text for people by default and JSON with {@code --json}. */
final class Commands {
  private Commands() {}

  /** What every command shares: the root options and the output. */
  abstract static class Base implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    VrMain root() {
      return (VrMain) spec.root().userObject();
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    boolean json() {
      return root().json;
    }

    /** @return whether this run acts through a server (whose answers are redacted already) */
    boolean remote() {
      return root().serverUrl().isPresent();
    }

    /** @return the value's JSON; env values redacted unless --show-secrets (a server's answer as it came) */
    String toJson(Object value) {
      return Secrets.json(value, root().showSecrets || remote());
    }

    /** @return the value's YAML; env values redacted unless --show-secrets (a server's answer as it came) */
    String toYaml(Object value) {
      return Secrets.yaml(value, root().showSecrets || remote());
    }

    /**
     * Does what {@code call} does, through the server's API, printing the same output.
     *
     * @return the exit code
     */
    int remote(ServerClient api) throws Exception {
      throw localOnly(spec.commandLine());
    }

    /** Runs {@link #remote(ServerClient)} with a server, else {@code local}. */
    Integer either(Callable<Integer> local) throws Exception {
      Optional<ServerClient> api = root().server();
      if (api.isEmpty()) {
        return local.call();
      }
      if (root().showSecrets) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--show-secrets works only locally: a vr server never sends env values");
      }
      return remote(api.get());
    }

    /** @return the refusal of a command that acts only locally, when a server is given */
    static picocli.CommandLine.ParameterException localOnly(picocli.CommandLine cl) {
      return new picocli.CommandLine.ParameterException(cl, "`vr " + VrMain.qualified(cl)
          + "` works only locally, not through a server: drop --server (and unset $VR_SERVER)");
    }

    void print(String text) {
      out().print(text.endsWith("\n") ? text : text + "\n");
      out().flush();
    }

    /**
     * Prints {@code value} as JSON with --json, else {@code text} (only then computed).
     *
     * @return {@link VrMain#OK}
     */
    int show(Object value, java.util.function.Supplier<String> text) {
      print(json() ? toJson(value) : text.get());
      return VrMain.OK;
    }

    Swarm swarmByNameOrId(Fleet fleet, String nameOrId) {
      for (Swarm s : fleet.store.swarms()) {
        if (s.name().equals(nameOrId) || s.id().value().equals(nameOrId)) {
          return s;
        }
      }
      throw InvalidValueException.of("swarm", nameOrId, "is not a stored swarm (`vr swarms` lists them)");
    }
  }

  /** A command that only groups subcommands: run without one, it says which there are. */
  abstract static class Group implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      List<String> names = new ArrayList<>(spec.subcommands().keySet());
      String last = names.remove(names.size() - 1);
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: "
          + (names.isEmpty() ? last : String.join(", ", names) + " or " + last));
    }
  }

  /** A command that works on the configured fleet. */
  abstract static class FleetCommand extends Base {
    @Override
    public Integer call() throws Exception {
      return either(() -> {
        VrConfig config = root().loadConfig();
        try (Fleet fleet = Fleet.of(config)) {
          return run(config, fleet);
        }
      });
    }

    abstract int run(VrConfig config, Fleet fleet) throws Exception;

    /**
     * @param host a --host filter, if given
     * @return it, once it names a configured host
     * @throws InvalidValueException naming an unknown host
     */
    static Optional<String> hostFilter(VrConfig config, String host) {
      Optional.ofNullable(host).ifPresent(h -> config.fleet.host(HostName.of(h)));
      return Optional.ofNullable(host);
    }

    /** Prints runs as a table or, with --json, their rows. */
    int showRuns(List<SwarmRun> runs) {
      return showRunRows(Views.runRows(runs));
    }

    /** Prints run rows (as {@link Views#runRows} makes them, or a server sends them) as a table or JSON. */
    int showRunRows(List<Map<String, Object>> rows) {
      return show(rows, () -> Views.runTable(rows));
    }

    /** @return the stored run of that id; empty if there is none or the id is no run id (a lock's owner can be any text) */
    static Optional<SwarmRun> runNamed(Fleet fleet, String runId) {
      try {
        return fleet.store.status(runId);
      } catch (RuntimeException notARunId) {
        return Optional.empty();
      }
    }
  }

  @Command(name = "plan", mixinStandardHelpOptions = true,
      description = {"Dry run: what a dispatch of SWARM.yaml would do, as the planner renders it.",
          "Exit 0: no change; 1: changes; 2: invalid input."})
  static final class Plan extends FleetCommand {
    @Parameters(paramLabel = "SWARM.yaml", description = "the swarm file")
    Path swarmFile;

    @Option(names = "--snapshot", paramLabel = "FLEET.json",
        description = "plan offline against a saved snapshot (`vr snapshot > FLEET.json`); needs no config")
    Path snapshot;

    @Option(names = "--release-hash", paramLabel = "HASH", description = "the release hash to plan (else the file's"
        + " release_hash, else the release of the stored build, or of the snapshot's build offline; without a build"
        + " the plan says it is pending)")
    String releaseHash;

    @Override
    public Integer call() throws Exception {
      if (snapshot == null) {
        return super.call();
      }
      FleetSnapshot snap = readSnapshot(snapshot);
      SwarmFile f = SwarmFile.read(swarmFile, Optional.empty());
      // the release: as given, else resolved from the builds the snapshot carries, else pending
      var hash = Optional.ofNullable(releaseHash).map(io.velociraptor.core.model.ReleaseHash::of).or(f::releaseHash);
      return show(f.swarm(), hash.map(h -> DesiredSwarm.of(f.swarm(), h))
          .orElseGet(() -> DesiredSwarm.resolve(f.swarm(), snap)), snap);
    }

    @Override
    int remote(ServerClient api) throws IOException {
      if (releaseHash != null) {
        throw InvalidValueException.of("--release-hash", releaseHash, "works only locally; through a server,"
            + " give release_hash: in the swarm file");
      }
      SwarmFile f = SwarmFile.read(swarmFile, Optional.empty());
      String path = "/api/swarms/" + ServerClient.seg(f.swarm().name()) + "/plan";
      String yaml = Files.readString(swarmFile);
      if (f.swarm().update().isPresent()) {
        return show(api.callYaml("POST", path, yaml, Api.ROLLOUT_PLAN));
      }
      return show(api.callYaml("POST", path, yaml, Api.PLAN));
    }

    @Override
    int run(VrConfig config, Fleet fleet) {
      SwarmFile f = SwarmFile.read(swarmFile, Optional.of(fleet.store));
      Optional<io.velociraptor.core.model.ReleaseHash> given =
          Optional.ofNullable(releaseHash).map(io.velociraptor.core.model.ReleaseHash::of).or(f::releaseHash);
      Object plan = Operations.plan(fleet, f.swarm(), given);
      return plan instanceof io.velociraptor.core.plan.RolloutPlan r ? show(r) : show((SwarmPlan) plan);
    }

    /** A snapshot file from {@code vr snapshot}; a missing or invalid one is a {@link ConfigException} naming it. */
    static FleetSnapshot readSnapshot(Path snapshot) throws IOException {
      try {
        return VrJson.readJson(Files.readString(snapshot), FleetSnapshot.class);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new ConfigException(snapshot.toString(), "the file", "does not exist (write one with `vr snapshot > FILE`)");
      } catch (io.velociraptor.core.json.InvalidInputException e) {
        throw new ConfigException(snapshot.toString(), e.path().isEmpty() ? "the snapshot" : e.path(), "is not valid: "
            + e.getMessage());
      }
    }

    /** A swarm with an update policy shows its waves; one without shows the single diff, as before policies. */
    private int show(io.velociraptor.core.model.Swarm swarm, DesiredSwarm desired, FleetSnapshot snap) {
      if (swarm.update().isPresent()) {
        return show(io.velociraptor.core.plan.RolloutPlanner.plan(desired, snap, io.velociraptor.core.plan.PlanPolicy.defaults()));
      }
      return show(Planner.plan(desired, snap));
    }

    private int show(io.velociraptor.core.plan.RolloutPlan rollout) {
      show(rollout, rollout::render);
      return rollout.exitCode();
    }

    private int show(SwarmPlan plan) {
      show(plan, plan::render);
      return plan.exitCode();
    }
  }

  @Command(name = "simulate", mixinStandardHelpOptions = true,
      description = {"Simulate a dispatch of SWARM.yaml against a saved snapshot, wave by wave, with injected faults:"
          + " procs in service, ports, what a fault does (fail, revert, pause) and an ETA. Touches no host.",
          "Exit 0: the simulated rollout succeeds; 1: it fails or reverts; 2: invalid input."})
  static final class Simulate extends Base {
    @Parameters(paramLabel = "SWARM.yaml", description = "the swarm file (its update: block is the policy)")
    Path swarmFile;

    @Option(names = "--snapshot", required = true, paramLabel = "FLEET.json",
        description = "the fleet before the dispatch (`vr snapshot > FLEET.json`)")
    Path snapshot;

    @Option(names = "--release-hash", paramLabel = "HASH", description = "the release hash to roll to (else the file's"
        + " release_hash, else the release of the snapshot's build; without a build the release is pending)")
    String releaseHash;

    @Option(names = "--fail", paramLabel = "uptest@HOST[@waveN]",
        description = "uptests of procs on HOST fail (from wave N on); repeatable")
    List<String> fail = new ArrayList<>();

    @Option(names = "--lose-host", paramLabel = "HOST@waveN",
        description = "HOST becomes unreachable at the start of wave N; repeatable")
    List<String> loseHost = new ArrayList<>();

    @Option(names = "--step-seconds", paramLabel = "STEP=S,...",
        description = "seconds a step takes per proc: start, uptest, route, stop (default start=5,uptest=3,route=1,stop=2)")
    String stepSeconds;

    @Option(names = "--revert-canary", description = "at the canary pause, simulate `vr revert` (default: `vr promote`)")
    boolean revertCanary;

    @Override
    public Integer call() throws Exception {
      if (remote()) {
        throw localOnly(spec.commandLine()); // it touches no host: there is nothing to ask a server
      }
      // the options first: a bad value is named before any file is read
      io.velociraptor.testkit.RolloutSimulator.Scenario scenario = io.velociraptor.testkit.RolloutSimulator.Scenario.clean()
          .withRevertCanary(revertCanary);
      for (String f : fail) {
        scenario = scenario.with(io.velociraptor.testkit.Fault.parseFail(f));
      }
      for (String l : loseHost) {
        scenario = scenario.with(io.velociraptor.testkit.Fault.parseLoseHost(l));
      }
      if (stepSeconds != null) {
        scenario = scenario.withSteps(io.velociraptor.testkit.StepSeconds.parse(stepSeconds));
      }
      FleetSnapshot snap = Plan.readSnapshot(snapshot);
      SwarmFile f = SwarmFile.read(swarmFile, Optional.empty());
      var hash = Optional.ofNullable(releaseHash).map(io.velociraptor.core.model.ReleaseHash::of).or(f::releaseHash);
      DesiredSwarm desired = hash.map(h -> DesiredSwarm.of(f.swarm(), h)).orElseGet(() -> DesiredSwarm.resolve(f.swarm(), snap));
      io.velociraptor.testkit.RolloutSimulation sim = io.velociraptor.testkit.RolloutSimulator.simulate(desired, snap, scenario);
      show(sim, sim::render);
      return sim.exitCode();
    }
  }

  /** Prints a dispatch's events as they come and appends them to the store's event log. */
  abstract static class Dispatching extends FleetCommand {
    void follow(VrConfig config, Fleet fleet) throws IOException {
      if (fleet.sharedStore().isPresent()) {
        followIntoDatabase(fleet.sharedStore().get().events(), fleet);
        return;
      }
      Files.createDirectories(config.storeDir);
      Path logFile = config.storeDir.resolve("events.jsonl");
      Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      JsonLinesEventSink sink = JsonLinesEventSink.to(log);
      java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
      fleet.listen(e -> {
        if (broken.get()) {
          return;
        }
        try {
          sink.on(e);
        } catch (java.io.UncheckedIOException failed) {
          // a full disk: say so once, and let the dispatch go on (the run itself is in the store)
          if (broken.compareAndSet(false, true)) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("vr: warning: cannot append to " + logFile + ": " + failed.getCause().getMessage()
                + "; the event log misses the rest of this dispatch's events");
            err.flush();
          }
        }
      });
      fleet.listen(this::printEvent);
    }

    /**
     * With a database store: every event goes to the database's event log (the same JSON as an
     * events.jsonl line), where {@code vr events} and every {@code vr serve} on the database read it.
     */
    private void followIntoDatabase(io.velociraptor.core.store.JdbcEventLog log, Fleet fleet) {
      java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
      fleet.listen(e -> {
        if (broken.get()) {
          return;
        }
        try {
          log.append(io.velociraptor.examples.server.EventHub.typeName(e.getClass()), JsonLinesEventSink.line(e));
        } catch (RuntimeException failed) {
          // the database went away: say so once, and let the dispatch go on (it fails itself if it needs the store)
          if (broken.compareAndSet(false, true)) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("vr: warning: cannot append to the database's event log: " + failed.getMessage()
                + "; the event log misses the rest of this dispatch's events");
            err.flush();
          }
        }
      });
      fleet.listen(this::printEvent);
    }

    /** Prints one event of the dispatch as it happens: its JSON line, the plan, or a progress line. */
    void printEvent(DispatchEvent e) {
      if (json()) {
        print(JsonLinesEventSink.line(e));
      } else if (e instanceof DispatchEvent.Planned p) {
        print(p.rendering());
      } else {
        Views.progress(e).ifPresent(line -> print(e.at().toString().substring(11, 19) + "  " + line));
      }
    }

    /** Follows the dispatch {@code dispatch} starts, then summarizes its results. */
    int dispatch(VrConfig config, Fleet fleet,
        java.util.function.Supplier<List<DispatchResult>> dispatch) throws IOException {
      follow(config, fleet);
      return summarize(dispatch.get().stream().map(Outcome::of).toList());
    }

    /**
     * Starts a run through the server and follows it as a local dispatch does: its events as they
     * come (the server's event stream, subscribed before the run starts), then its summary.
     *
     * @param start the call that starts the run and answers {@code {"run": ID, ...}}
     * @param accepted what to print once the server took the run (before its events)
     * @return the exit code: 0 done (or paused in canary), 1 failed
     */
    int dispatchRemote(ServerClient api, java.util.function.Supplier<Map<String, Object>> start,
        java.util.function.Consumer<Map<String, Object>> accepted) throws Exception {
      try (RemoteRun follow = RemoteRun.subscribe(api, warning -> {
        spec.commandLine().getErr().println("vr: warning: " + warning);
        spec.commandLine().getErr().flush();
      })) {
        Map<String, Object> answer = start.get();
        if (!(answer.get("run") instanceof String runId)) {
          throw new io.velociraptor.core.VrException("the vr server at " + api.url() + " started a run but did not"
              + " say its id (its answer: " + VrMain.jsonLine(answer) + ")");
        }
        accepted.accept(answer);
        Optional<String> planned = follow.until(runId, this::printEvent);
        SwarmRun run = api.get("/api/runs/" + ServerClient.seg(runId), Api.RUN);
        return summarize(List.of(new Outcome(run, planned, true, Optional.empty())));
      }
    }

    /** {@link #dispatchRemote} of a POST that starts a run on the swarm named. */
    int dispatchRemote(ServerClient api, String swarm, String action, Object body) throws Exception {
      return dispatchRemote(api, () -> api.call("POST", "/api/swarms/" + ServerClient.seg(swarm) + "/" + action, body,
          Api.MAP), answer -> {});
    }

    /**
     * How a run ended, for its summary line: what a local dispatch returns, or what a server's run
     * and its plan event say.
     *
     * @param plan the plan's summary
     */
    record Outcome(SwarmRun run, Optional<String> plan, boolean confirmed, Optional<Outcome> revert) {
      static Outcome of(DispatchResult r) {
        return new Outcome(r.run(), r.plan().map(p -> p.summary().toString()), r.confirmed(), r.revert().map(Outcome::of));
      }

      boolean succeeded() {
        return run.state() == io.velociraptor.core.model.RunState.DONE
            || run.state() == io.velociraptor.core.model.RunState.REVERTED;
      }

      boolean paused() {
        return run.state().isPaused();
      }
    }

    /** Prints what the command says of its run before the summary line (a rollback: what it went back to). */
    void beforeSummary(SwarmRun run) {}

    int summarize(List<Outcome> results) {
      results.forEach(r -> beforeSummary(r.run()));
      boolean ok = true;
      for (Outcome r : results) {
        // a paused canary did what was asked so far; an auto-revert that worked still leaves the asked release undone
        ok &= r.succeeded() || r.paused();
        if (!json()) {
          print("run " + r.run().id() + ": " + r.run().state().name().toLowerCase(java.util.Locale.ROOT)
              + r.plan().map(p -> " (" + p + ")").orElse("")
              + r.run().failureReason().map(x -> ": " + x).orElse("")
              + (r.paused() ? ": " + r.run().history().get(r.run().history().size() - 1).message() : "")
              + (r.succeeded() && !r.confirmed() ? " (re-observing found more to do; run `vr plan` again)" : ""));
          r.revert().ifPresent(back -> print("run " + back.run().id() + " (auto-revert): "
              + back.run().state().name().toLowerCase(java.util.Locale.ROOT)
              + back.plan().map(p -> " (" + p + ")").orElse("")
              + back.run().failureReason().map(x -> ": " + x).orElse("")));
        }
      }
      if (!json() && results.isEmpty()) {
        print("nothing to do: every swarm is as it should be");
      }
      return ok ? VrMain.OK : VrMain.CHANGES;
    }
  }

  @Command(name = "dispatch", mixinStandardHelpOptions = true,
      description = {"Make a swarm so: build if needed, start new procs, uptest, route, retire the old ones.",
          "Shows live progress and a summary. Exit 0: done; 1: the run failed."})
  static final class Dispatch extends Dispatching {
    @Parameters(paramLabel = "SWARM.yaml", arity = "0..1", description = "the swarm file")
    Path swarmFile;

    @Option(names = "--all", description = "re-dispatch every stored swarm that needs it (same as `vr reconcile`)")
    boolean all;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      if (all == (swarmFile != null)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either SWARM.yaml or --all");
      }
      if (all) {
        return dispatch(config, fleet, () -> fleet.dispatcher().reconcile(Optional.empty(), 2));
      }
      follow(config, fleet);
      SwarmFile f = SwarmFile.read(swarmFile, Optional.of(fleet.store));
      sayId(f, f.swarm().id().value());
      return summarize(List.of(Outcome.of(fleet.dispatcher().dispatch(f.swarm()))));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      if (all || swarmFile == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), all
            ? "--all works only locally; a vr server's reconciler re-dispatches every stored swarm itself"
            : "give SWARM.yaml");
      }
      SwarmFile f = SwarmFile.read(swarmFile, Optional.empty());
      String yaml = Files.readString(swarmFile);
      return dispatchRemote(api, () -> api.callYaml("PUT", "/api/swarms/" + ServerClient.seg(f.swarm().name()), yaml,
          Api.MAP), answer -> sayId(f, answer.get("swarm_id") instanceof String id ? id : f.swarm().id().value()));
    }

    private void sayId(SwarmFile f, String id) {
      if (!f.idGiven() && !json()) {
        print("swarm " + f.swarm().name() + " has id " + id + " (put `id: " + id
            + "` in the file to keep it across renames)");
      }
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = {"Continue a rollout paused after its canary wave: roll out the rest under the swarm's update policy.",
          "Exit 0: done; 1: the run failed; 2: the swarm has no paused run."})
  static final class Promote extends Dispatching {
    @Parameters(paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Swarm s = swarmByNameOrId(fleet, name);
      return dispatch(config, fleet, () -> List.of(fleet.dispatcher().promote(s.id())));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      return dispatchRemote(api, name, "promote", null);
    }
  }

  @Command(name = "revert", mixinStandardHelpOptions = true,
      description = {"End a rollout paused after its canary wave: retire the canaries; nothing else changes.",
          "Exit 0: reverted; 1: the revert failed; 2: the swarm has no paused run."})
  static final class Revert extends Dispatching {
    @Parameters(paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Swarm s = swarmByNameOrId(fleet, name);
      return dispatch(config, fleet, () -> List.of(fleet.dispatcher().revert(s.id())));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      return dispatchRemote(api, name, "revert", null);
    }
  }

  @Command(name = "reconcile", mixinStandardHelpOptions = true,
      description = "Re-dispatch every stored swarm whose plan is not a no-op (after a host died or came back).")
  static final class Reconcile extends Dispatching {
    @Option(names = "--squad", paramLabel = "SQUAD", description = "only swarms of this squad")
    String squad;

    @Option(names = "--concurrency", defaultValue = "2", description = "swarms dispatched at once (default ${DEFAULT-VALUE})")
    int concurrency;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Optional<SquadName> only = Optional.ofNullable(squad).map(SquadName::of);
      if (only.isPresent() && config.fleet.squad(only.get()).isEmpty()) {
        throw InvalidValueException.of("--squad", squad, "is not a configured squad ("
            + config.fleet.squads().stream().map(x -> x.name().value()).toList() + ")");
      }
      return dispatch(config, fleet, () -> fleet.dispatcher().reconcile(only, concurrency));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "`vr reconcile` works only locally;"
          + " a vr server's reconciler re-dispatches every stored swarm itself (GET /api/reconciler shows it)");
    }
  }

  @Command(name = "swarms", mixinStandardHelpOptions = true, description = "List the stored swarms.")
  static final class Swarms extends FleetCommand {
    @Override
    int run(VrConfig config, Fleet fleet) {
      List<Swarm> swarms = new ArrayList<>(fleet.store.swarms());
      swarms.sort(Comparator.comparing(Swarm::name));
      return show(swarms, id -> Views.runRows(fleet.store.history(id)));
    }

    @Override
    int remote(ServerClient api) {
      List<Swarm> swarms = api.get("/api/swarms", Api.SWARMS);
      // the runs only for the text's LAST RUN column
      return show(swarms, json() ? id -> List.of() : runsOf(api.get("/api/runs", Api.ROWS)));
    }

    /** @return the rows of each swarm's runs, in the order given */
    static java.util.function.Function<SwarmId, List<Map<String, Object>>> runsOf(List<Map<String, Object>> rows) {
      return id -> rows.stream().filter(r -> id.value().equals(r.get("swarm_id"))).toList();
    }

    private int show(List<Swarm> swarms, java.util.function.Function<SwarmId, List<Map<String, Object>>> runRows) {
      return show(swarms, () -> {
        List<List<String>> rows = new ArrayList<>();
        for (Swarm s : swarms) {
          String last = runRows.apply(s.id()).stream().reduce((a, b) -> b)
              .map(r -> r.get("id") + " " + r.get("state")).orElse("");
          rows.add(List.of(s.name(), s.id().value(), s.version().value(), s.squad().value(),
              s.onePerHost() ? "per host" : Integer.toString(s.size()),
              s.pool().map(p -> s.balancer().map(Object::toString).orElse("") + "/" + p).orElse(""), last));
        }
        return Views.table(List.of("SWARM", "ID", "VERSION", "SQUAD", "SIZE", "POOL", "LAST RUN"), rows);
      });
    }
  }

  @Command(name = "swarm", mixinStandardHelpOptions = true, description = "Show a swarm, its run history, or delete it.",
      subcommands = {SwarmShow.class, SwarmHistory.class, SwarmDelete.class})
  static final class SwarmCmd extends Group {
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a stored swarm (by name or id).")
  static final class SwarmShow extends FleetCommand {
    @Parameters(paramLabel = "NAME", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) {
      return show(swarmByNameOrId(fleet, name));
    }

    @Override
    int remote(ServerClient api) {
      return show(api.get("/api/swarms/" + ServerClient.seg(name), Api.SWARM));
    }

    private int show(Swarm s) {
      return show(s, () -> "swarm " + s.name() + "\n" + toYaml(s));
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = "List a swarm's runs, oldest first.")
  static final class SwarmHistory extends FleetCommand {
    @Parameters(paramLabel = "NAME", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) {
      return showRuns(fleet.store.history(swarmByNameOrId(fleet, name).id()));
    }

    @Override
    int remote(ServerClient api) {
      return showRunRows(api.get("/api/swarms/" + ServerClient.seg(name) + "/runs", Api.ROWS));
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Retire every proc of a swarm (routes first) and delete it from the store.")
  static final class SwarmDelete extends Dispatching {
    @Parameters(paramLabel = "NAME", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Swarm s = swarmByNameOrId(fleet, name);
      return dispatch(config, fleet, () -> List.of(fleet.dispatcher().delete(s.id())));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      return dispatchRemote(api, () -> api.call("DELETE", "/api/swarms/" + ServerClient.seg(name), null, Api.MAP),
          answer -> {});
    }
  }

  @Command(name = "restart", mixinStandardHelpOptions = true,
      description = {"Rolling restart: replace every proc of a swarm by a new one of the same release on a fresh port,",
          "under the swarm's update policy, each old proc stopped only after its replacement is uptested and routed.",
          "No build, no new release. Exit 0: done; 1: the run failed."})
  static final class Restart extends Dispatching {
    @Parameters(paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Swarm s = swarmByNameOrId(fleet, name);
      return dispatch(config, fleet, () -> List.of(fleet.dispatcher().restart(s.id())));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      return dispatchRemote(api, name, "restart", null);
    }
  }

  @Command(name = "scale", mixinStandardHelpOptions = true,
      description = {"Change a stored swarm's size and dispatch it (through its update policy).",
          "Exit 0: done (the same size changes nothing); 1: the run failed."})
  static final class Scale extends Dispatching {
    @Parameters(index = "0", paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Parameters(index = "1", paramLabel = "N", description = "the new size, 0 to " + Swarm.MAX_SIZE)
    String size;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Swarm s = swarmByNameOrId(fleet, name);
      int n = size();
      return dispatch(config, fleet, () -> List.of(fleet.dispatcher().scale(s.id(), n)));
    }

    private int size() {
      try {
        return Integer.parseInt(size.strip());
      } catch (NumberFormatException e) {
        throw InvalidValueException.of("size", size, "is not a whole number (0 to " + Swarm.MAX_SIZE + ")");
      }
    }

    @Override
    int remote(ServerClient api) throws Exception {
      return dispatchRemote(api, name, "scale", Map.of("size", size()));
    }
  }

  @Command(name = "runs", mixinStandardHelpOptions = true, description = "List every swarm's runs, newest last.")
  static final class Runs extends FleetCommand {
    @Override
    int run(VrConfig config, Fleet fleet) {
      List<SwarmRun> runs = new ArrayList<>();
      for (Swarm s : fleet.store.swarms()) {
        runs.addAll(fleet.store.history(s.id()));
      }
      runs.sort(Comparator.comparing(SwarmRun::createdAt).thenComparing(SwarmRun::id));
      return showRuns(runs);
    }

    @Override
    int remote(ServerClient api) {
      return showRunRows(api.get("/api/runs", Api.ROWS));
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Show a run.", subcommands = RunShow.class)
  static final class RunCmd extends Group {
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a run: state, steps, history, plan.")
  static final class RunShow extends FleetCommand {
    @Parameters(paramLabel = "ID", description = "the run id (<swarm id>-<number>)")
    String id;

    @Override
    int run(VrConfig config, Fleet fleet) {
      SwarmRun r = fleet.store.status(id)
          .orElseThrow(() -> InvalidValueException.of("run id", id, "is not a stored run (`vr runs` lists them)"));
      return show(r, () -> Views.runShow(r));
    }

    @Override
    int remote(ServerClient api) {
      SwarmRun r = api.get("/api/runs/" + ServerClient.seg(id), Api.RUN);
      return show(r, () -> Views.runShow(r));
    }
  }

  @Command(name = "procs", mixinStandardHelpOptions = true,
      description = "Every proc on every host (ours, legacy and foreign) with state, port and uptime.")
  static final class Procs extends FleetCommand {
    @Option(names = "--host", paramLabel = "HOST", description = "only this host")
    String host;

    @Option(names = "--swarm", paramLabel = "SWARM", description = "only this swarm's procs (name or id)")
    String swarm;

    @Override
    int run(VrConfig config, Fleet fleet) {
      Optional<String> id = Optional.ofNullable(swarm).map(s -> swarmByNameOrId(fleet, s).id().value());
      Optional<String> only = hostFilter(config, host);
      FleetSnapshot snap = fleet.snapshot();
      Map<String, Object> procs = Views.procsJson(snap, only, Views.procRows(snap, only, id, Instant.now()));
      return show(procs, () -> Views.procTable(procs));
    }

    @Override
    int remote(ServerClient api) {
      Map<String, Object> procs = api.get("/api/procs" + Api.query("host", host, "swarm", swarm), Api.MAP);
      return show(procs, () -> Views.procTable(procs));
    }
  }

  @Command(name = "proc", mixinStandardHelpOptions = true, description = "Start, stop, restart, read the log of, or delete one proc.",
      subcommands = {ProcAction.Start.class, ProcAction.Stop.class, ProcAction.Restart.class, ProcAction.Logs.class,
          ProcAction.Delete.class})
  static final class ProcCmd extends Group {
  }

  /** One action on one proc. */
  abstract static class ProcAction extends FleetCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "the host")
    String host;

    @Parameters(index = "1", paramLabel = "PROC", description = "the proc's program name (`vr procs` lists them)")
    String proc;

    @Override
    int remote(ServerClient api) throws Exception {
      ProcName.parse(proc); // a bad name is named here, as locally
      String path = "/api/procs/" + ServerClient.seg(host) + "/" + ServerClient.seg(proc) + "/" + spec.name();
      Map<String, Object> m = api.call("POST", path, null, Api.MAP);
      return show(m, () -> String.valueOf(m.get("result")));
    }

    @Override
    int run(VrConfig config, Fleet fleet) {
      Host h = config.fleet.host(HostName.of(host));
      ProcName name = ProcName.parse(proc);
      String result;
      try {
        result = act(fleet, h, name);
      } catch (io.velociraptor.core.spi.ProcControlException e) {
        if (e.reason() != io.velociraptor.core.spi.ProcControlException.Reason.NO_SUCH_PROC) {
          throw e;
        }
        // supervisord's BAD_NAME: the name is the operator's mistake, not the host's failure
        throw InvalidValueException.of("proc", proc, "is not a program on host " + host + " (`vr procs --host "
            + host + "` lists them)");
      }
      if (result == null) {
        return VrMain.OK; // printed as it came (proc logs --follow)
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", host);
      m.put("proc", proc);
      m.put("action", spec.name());
      m.put("result", result);
      return show(m, () -> result);
    }

    /** @return what to print, or null when the action printed its output itself */
    abstract String act(Fleet fleet, Host host, ProcName name);

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a proc.")
    static final class Start extends ProcAction {
      @Override
      String act(Fleet fleet, Host h, ProcName n) {
        fleet.procs.start(h, n);
        return "started " + n + " on " + h.name();
      }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a proc (it stays installed).")
    static final class Stop extends ProcAction {
      @Override
      String act(Fleet fleet, Host h, ProcName n) {
        fleet.procs.stop(h, n);
        return "stopped " + n + " on " + h.name();
      }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Stop then start a proc.")
    static final class Restart extends ProcAction {
      @Override
      String act(Fleet fleet, Host h, ProcName n) {
        fleet.procs.stop(h, n);
        fleet.procs.start(h, n);
        return "restarted " + n + " on " + h.name();
      }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Print the end of a proc's log; --follow keeps printing what it writes.")
    static final class Logs extends ProcAction {
      @Option(names = "--bytes", defaultValue = "16384", description = "how much of the end (default ${DEFAULT-VALUE})")
      int bytes;

      @Option(names = {"-f", "--follow"}, description = "keep printing what the proc writes until interrupted")
      boolean follow;

      @Option(names = "--follow-seconds", paramLabel = "N", description = "with --follow: stop after N seconds")
      Long followSeconds;

      @Override
      String act(Fleet fleet, Host h, ProcName n) {
        if (followSeconds != null && (followSeconds < 1 || !follow)) {
          throw InvalidValueException.of("--follow-seconds", followSeconds, followSeconds < 1 ? "must be at least 1"
              : "works only with --follow");
        }
        if (!follow) {
          return fleet.procs.logTail(h, n, bytes);
        }
        if (json()) {
          throw InvalidValueException.of("--follow", "--json", "prints the log as it comes, not JSON: drop --json");
        }
        long deadline = followSeconds == null ? Long.MAX_VALUE : System.nanoTime() + followSeconds * 1_000_000_000L;
        io.velociraptor.core.spi.LogChunk c = fleet.procs.logRead(h, n, -1, bytes);
        while (true) {
          out().print(c.text());
          out().flush();
          if (System.nanoTime() - deadline >= 0) {
            return null;
          }
          // Supervisor has no push for a log: read again after at most half a second
          java.util.concurrent.locks.LockSupport.parkNanos(Math.min(500_000_000L, deadline - System.nanoTime()));
          if (Thread.interrupted()) {
            return null;
          }
          c = fleet.procs.logRead(h, n, c.nextOffset(), 256 * 1024);
        }
      }

      @Override
      int remote(ServerClient api) throws Exception {
        ProcName.parse(proc);
        String result = api.getText("/api/procs/" + ServerClient.seg(host) + "/" + ServerClient.seg(proc) + "/logs"
            + Api.query("bytes", Integer.toString(bytes)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", host);
        m.put("proc", proc);
        m.put("action", spec.name());
        m.put("result", result);
        return show(m, () -> result);
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Stop a proc, remove its program and tear down its directory. Foreign procs are refused.")
    static final class Delete extends ProcAction {
      @Override
      int remote(ServerClient api) throws Exception {
        throw localOnly(spec.commandLine());
      }

      @Override
      String act(Fleet fleet, Host h, ProcName n) {
        if (n instanceof ProcName.Foreign) {
          throw InvalidValueException.of("proc", n, "is not a vr proc; vr never deletes foreign programs");
        }
        // remove stops it first and counts a program Supervisor no longer knows as removed,
        // so a delete that failed halfway (a host that refused us) converges when run again
        fleet.procs.remove(h, n);
        fleet.runtime.teardown(fleet.runners.apply(h), n);
        return "deleted " + n + " on " + h.name();
      }
    }
  }

  @Command(name = "ports", mixinStandardHelpOptions = true,
      description = "Port accounting per host: used by which proc, locked by which run, how many free.")
  static final class Ports extends FleetCommand {
    @Option(names = "--host", paramLabel = "HOST", description = "only this host")
    String host;

    @Override
    int run(VrConfig config, Fleet fleet) {
      List<Map<String, Object>> rows = Views.portRows(fleet.snapshot(), hostFilter(config, host),
          runId -> Views.lockStaleness(runNamed(fleet, runId)));
      return show(rows, () -> Views.portTable(rows));
    }

    @Override
    int remote(ServerClient api) {
      List<Map<String, Object>> rows = api.get("/api/ports" + Api.query("host", host), Api.ROWS);
      return show(rows, () -> Views.portTable(rows));
    }
  }

  @Command(name = "build", mixinStandardHelpOptions = true,
      description = "Build an app at a version with its buildpacks, streaming the compile output.")
  static final class BuildCmd extends FleetCommand {
    @Parameters(index = "0", paramLabel = "APP", description = "an app of the config file")
    String app;

    @Parameters(index = "1", paramLabel = "VERSION", description = "the version (git ref for git apps)")
    String version;

    @Override
    int run(VrConfig config, Fleet fleet) {
      var a = config.app(AppName.of(app)).orElseThrow(() -> InvalidValueException.of("app", app,
          "is not in the config file's apps (" + config.apps.stream().map(x -> x.name().value()).toList() + ")"));
      Build b = fleet.builds.orElseThrow().build(BuildRequest.of(a, Version.of(version)), line -> {
        if (!json()) {
          print(line);
        }
      });
      fleet.store.putBuild(b);
      return show(b);
    }

    @Override
    int remote(ServerClient api) {
      AppName.of(app);
      Version.of(version);
      Map<String, Object> started = api.call("POST", "/api/builds", Map.of("app", app, "version", version), Api.MAP);
      String log = started.get("log") instanceof String l ? l
          : "/api/builds/" + ServerClient.seg(app) + "/" + ServerClient.seg(version) + "/log";
      api.streamLines(log, line -> {
        if (!json()) {
          print(line);
        }
      });
      Build b = api.get("/api/builds", Api.BUILDS).stream()
          .filter(x -> x.app().value().equals(app) && x.version().value().equals(version)).findFirst()
          .orElseThrow(() -> new io.velociraptor.core.VrException("the vr server at " + api.url() + " streamed the log"
              + " of build " + app + " " + version + " but does not list the build"));
      return show(b);
    }

    private int show(Build b) {
      show(b, () -> "build " + b.app() + " " + b.version() + ": "
          + b.status().name().toLowerCase(java.util.Locale.ROOT) + b.sha256().map(s -> " sha256 " + s).orElse("")
          + " process types " + b.processTypes().keySet());
      return b.isUsable() ? VrMain.OK : VrMain.CHANGES;
    }
  }

  @Command(name = "builds", mixinStandardHelpOptions = true, description = "List the stored builds.")
  static final class Builds extends FleetCommand {
    @Parameters(paramLabel = "APP", arity = "0..1", description = "only this app's builds")
    String app;

    @Override
    int run(VrConfig config, Fleet fleet) {
      List<Build> builds = new ArrayList<>();
      var apps = fleet.store.apps();
      if (app != null && apps.stream().noneMatch(a -> a.name().value().equals(app))) {
        throw InvalidValueException.of("app", app, "is not an app of the config file or the store ("
            + apps.stream().map(a -> a.name().value()).toList() + ")");
      }
      for (var a : apps) {
        if (app == null || a.name().value().equals(app)) {
          builds.addAll(fleet.store.builds(a.name()));
        }
      }
      return show(builds);
    }

    @Override
    int remote(ServerClient api) {
      List<Build> all = api.get("/api/builds", Api.BUILDS);
      return show(all.stream().filter(b -> app == null || b.app().value().equals(app)).toList());
    }

    private int show(List<Build> unsorted) {
      List<Build> builds = new ArrayList<>(unsorted);
      builds.sort(Comparator.comparing((Build b) -> b.app().value()).thenComparing(b -> b.version().value()));
      return show(builds, () -> Views.table(List.of("APP", "VERSION", "STATUS", "SHA256", "PROCESS TYPES"),
          builds.stream().map(b -> List.of(b.app().value(), b.version().value(),
              b.status().name().toLowerCase(java.util.Locale.ROOT),
              b.sha256().map(s -> s.substring(0, Math.min(12, s.length()))).orElse(""),
              String.join(" ", b.processTypes().keySet()))).toList()));
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true,
      description = "Print the fleet as the planner sees it (JSON): `vr snapshot > FLEET.json`, then `vr plan --snapshot`.")
  static final class Snapshot extends FleetCommand {
    @Override
    int run(VrConfig config, Fleet fleet) {
      print(toJson(fleet.snapshot()));
      return VrMain.OK;
    }

    @Override
    int remote(ServerClient api) {
      print(toJson(api.get("/api/snapshot", Api.SNAPSHOT)));
      return VrMain.OK;
    }
  }

  @Command(name = "events", mixinStandardHelpOptions = true,
      description = "Print the dispatch event log (every `vr dispatch` appends to it); --follow keeps printing.")
  static final class Events extends Base {
    @Option(names = {"-f", "--follow"}, description = "keep printing new events until interrupted")
    boolean follow;

    @Option(names = "--follow-seconds", paramLabel = "N", description = "with --follow: stop after N seconds")
    Long followSeconds;

    @Override
    public Integer call() throws Exception {
      if (followSeconds != null && followSeconds < 1) {
        throw InvalidValueException.of("--follow-seconds", followSeconds, "must be at least 1");
      }
      return either(this::local);
    }

    /** Through a server: every event it retains, then the live ones, until the stream ends or the time is up. */
    @Override
    int remote(ServerClient api) throws Exception {
      if (!follow) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "through a server, `vr events` needs"
            + " --follow (the server's event stream has no end; --follow-seconds N stops it)");
      }
      java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vr-events-deadline");
        t.setDaemon(true);
        return t;
      });
      try (ServerClient.EventStream stream = api.openEvents("/api/events?after=0", Optional.empty())) {
        if (followSeconds != null) {
          timer.schedule(stream::close, followSeconds, java.util.concurrent.TimeUnit.SECONDS);
        }
        for (var e = stream.next(); e.isPresent(); e = stream.next()) {
          String text = json() ? e.get().getValue() : human(e.get().getValue());
          if (text != null) {
            print(text);
          }
        }
        return VrMain.OK;
      } finally {
        timer.shutdownNow();
      }
    }

    private int local() throws Exception {
      VrConfig config = root().loadConfig();
      if (config.store.isPostgres()) {
        try (io.velociraptor.core.store.JdbcStore db = config.store.openJdbc()) {
          return fromDatabase(db.events());
        }
      }
      Path log = config.storeDir.resolve("events.jsonl");
      long deadline = followSeconds == null ? Long.MAX_VALUE : System.nanoTime() + followSeconds * 1_000_000_000L;
      if (!follow) {
        printNewLines(log, 0);
        return VrMain.OK;
      }
      Path dir = log.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      // watch before the first read, so an append between a read and the wait is not missed
      try (var ws = dir.getFileSystem().newWatchService()) {
        dir.register(ws, java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
        long offset = 0;
        while (true) {
          offset = printNewLines(log, offset);
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return VrMain.OK;
          }
          // at most a second between looks: a watch event can be lost when its queue overflows
          var key = ws.poll(Math.min(1_000_000_000L, left), java.util.concurrent.TimeUnit.NANOSECONDS);
          if (key != null) {
            key.pollEvents();
            key.reset();
          }
        }
      }
    }

    /** The database's event log: every event, then with --follow the new ones as they are appended. */
    private int fromDatabase(io.velociraptor.core.store.JdbcEventLog log) throws Exception {
      long deadline = followSeconds == null ? Long.MAX_VALUE : System.nanoTime() + followSeconds * 1_000_000_000L;
      var reader = new io.velociraptor.examples.server.EventLogReader(log, 0);
      long end = log.lastId(); // without --follow: up to the newest event when the command began
      while (follow || reader.last() < end) {
        long left = deadline - System.nanoTime();
        // at most a second per wait, so --follow-seconds ends on time
        var page = reader.next(java.time.Duration.ofNanos(Math.max(1, Math.min(1_000_000_000L, left))));
        for (var e : page) {
          String text = json() ? e.json() : human(e.json());
          if (text != null) {
            print(text);
          }
        }
        if (follow && deadline - System.nanoTime() <= 0) {
          return VrMain.OK;
        }
      }
      return VrMain.OK;
    }

    /**
     * Prints the complete lines after {@code offset}; a line still being written (no newline yet)
     * waits for the next look.
     *
     * @return the offset after the last complete line printed
     */
    private long printNewLines(Path log, long offset) throws IOException {
      if (!Files.exists(log)) {
        return offset;
      }
      try (var ch = java.nio.channels.FileChannel.open(log, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size < offset) {
          offset = 0; // the log was truncated or replaced: start again at its beginning
        }
        while (offset < size) {
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(size - offset, 8L << 20));
          while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) >= 0) {
            // read until the buffer is full or the file ends
          }
          int end = buf.position();
          while (end > 0 && buf.get(end - 1) != '\n') {
            end--;
          }
          if (end == 0) {
            break;
          }
          for (String line : new String(buf.array(), 0, end, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
              String text = json() ? line : human(line);
              if (text != null) {
                print(text);
              }
            }
          }
          offset += end;
        }
      }
      return offset;
    }

    /**
     * @return the event's progress line, or null for one that another event of the run says; a
     *     reconciler's event (in the database's log, which vr serve appends to) as its description
     */
    private static String human(String line) {
      try {
        DispatchEvent e = VrJson.readJson(line, DispatchEvent.class);
        Optional<String> text = e instanceof DispatchEvent.Planned p ? Optional.of(p.summary()) : Views.progress(e);
        return text.map(t -> e.at() + "  " + e.runId() + "  " + t).orElse(null);
      } catch (RuntimeException notADispatchEvent) {
        try {
          io.velociraptor.core.deploy.ReconcileEvent r = VrJson.readJson(line, io.velociraptor.core.deploy.ReconcileEvent.class);
          return r.at() + "  reconciler  " + r.describe();
        } catch (RuntimeException unreadable) {
          return line;
        }
      }
    }
  }
}
