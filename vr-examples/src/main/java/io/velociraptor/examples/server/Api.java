package io.velociraptor.examples.server;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;
import static io.javalin.http.HandlerType.PUT;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.NotFoundException;
import io.velociraptor.examples.cli.Operations;
import io.velociraptor.examples.cli.SwarmFile;
import io.velociraptor.examples.cli.Views;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** The routes of docs/api.md, each calling what the CLI's command of the same name calls. */
final class Api {
  private static final String JSON = "application/json; charset=utf-8";

  private final Fleet fleet;
  private final Auth auth;
  private final LongRuns runs;
  private final ReconcilerView reconciler;
  private final Clock clock;
  private final boolean secure;
  private final Instant startedAt;
  private final BuildLogs buildLogs = new BuildLogs();

  Api(Fleet fleet, Auth auth, LongRuns runs, ReconcilerView reconciler, Clock clock, boolean secure) {
    this.fleet = fleet;
    this.auth = auth;
    this.runs = runs;
    this.reconciler = reconciler;
    this.clock = clock;
    this.secure = secure;
    this.startedAt = clock.instant();
  }

  /** @return the route table: every route and the role it needs */
  List<ApiRoute> routes() {
    Role r = Role.READ;
    Role d = Role.DEPLOY;
    Role a = Role.ADMIN;
    return List.of(
        ApiRoute.open(GET, "/api/health", "the server's health", this::health),
        ApiRoute.open(POST, "/api/login", "trade a token for a vr_session cookie", this::login),
        ApiRoute.of(POST, "/api/logout", r, "end the session", this::logout),
        ApiRoute.of(GET, "/api/apps", r, "the apps with their builds", this::apps),
        ApiRoute.of(GET, "/api/builds", r, "the stored builds (as vr builds --json)", this::builds),
        ApiRoute.of(POST, "/api/builds", d, "start a build; its log streams at the returned path", this::build),
        ApiRoute.of(GET, "/api/builds/{app}/{version}/log", r, "a build's compile log, streamed while it runs",
            this::buildLog),
        ApiRoute.of(GET, "/api/swarms", r, "the stored swarms (as vr swarms --json)", this::swarms),
        ApiRoute.of(GET, "/api/swarms/{swarm}", r, "a stored swarm (as vr swarm show --json)", this::swarmRoute),
        ApiRoute.of(PUT, "/api/swarms/{swarm}", d, "dispatch a swarm file (202 once the run began)", this::put),
        ApiRoute.of(POST, "/api/swarms/{swarm}/plan", r, "dry run of a swarm file or the stored swarm", this::plan),
        ApiRoute.of(DELETE, "/api/swarms/{swarm}", d, "retire every proc of a swarm and delete it", ctx ->
            longRun(ctx, s -> () -> fleet.dispatcher().delete(s.id()))),
        ApiRoute.of(POST, "/api/swarms/{swarm}/promote", d, "continue a rollout paused after its canary", ctx ->
            longRun(ctx, s -> () -> fleet.dispatcher().promote(s.id()))),
        ApiRoute.of(POST, "/api/swarms/{swarm}/revert", d, "end a rollout paused after its canary", ctx ->
            longRun(ctx, s -> () -> fleet.dispatcher().revert(s.id()))),
        ApiRoute.of(POST, "/api/swarms/{swarm}/rollback", d, "dispatch an earlier release again", this::rollback),
        ApiRoute.of(POST, "/api/swarms/{swarm}/restart", d, "rolling restart onto fresh ports", ctx ->
            longRun(ctx, s -> () -> fleet.dispatcher().restart(s.id()))),
        ApiRoute.of(POST, "/api/swarms/{swarm}/scale", d, "change a swarm's size and dispatch it", this::scale),
        ApiRoute.of(GET, "/api/swarms/{swarm}/releases", r, "a swarm's releases (as vr releases --json)", ctx ->
            json(ctx, Views.releaseRows(fleet.dispatcher().releases(swarm(ctx).id())))),
        ApiRoute.of(GET, "/api/swarms/{swarm}/runs", r, "a swarm's runs (as vr swarm history --json)", ctx ->
            json(ctx, Views.runRows(fleet.store().history(swarm(ctx).id())))),
        ApiRoute.of(GET, "/api/runs", r, "every run, newest last (as vr runs --json)", this::runs),
        ApiRoute.of(GET, "/api/runs/{run}", r, "a run (as vr run show --json)", ctx ->
            json(ctx, Operations.run(fleet.store(), ctx.pathParam("run")))),
        ApiRoute.of(GET, "/api/procs", r, "every proc on every host, ours, legacy and foreign", this::procs),
        ApiRoute.of(POST, "/api/procs/{host}/{proc}/start", a, "start a proc", ctx ->
            procAction(ctx, Operations.ProcAction.START)),
        ApiRoute.of(POST, "/api/procs/{host}/{proc}/stop", a, "stop a proc", ctx ->
            procAction(ctx, Operations.ProcAction.STOP)),
        ApiRoute.of(POST, "/api/procs/{host}/{proc}/restart", a, "stop then start a proc", ctx ->
            procAction(ctx, Operations.ProcAction.RESTART)),
        ApiRoute.of(GET, "/api/procs/{host}/{proc}/logs", r, "the end of a proc's log (text)", this::procLogs),
        ApiRoute.of(GET, "/api/ports", r, "port accounting per host (as vr ports --json)", this::ports),
        ApiRoute.of(GET, "/api/hosts", r, "hosts: squad, reachability, port range and use", this::hosts),
        ApiRoute.of(GET, "/api/snapshot", r, "the fleet as the planner sees it (as vr snapshot)", ctx ->
            json(ctx, fleet.snapshot())),
        ApiRoute.of(GET, "/api/uptests", r, "the reconciler's periodic uptest results per proc", ctx ->
            json(ctx, reconciler.uptests(Optional.ofNullable(ctx.queryParam("swarm"))
                .map(s -> Operations.swarm(fleet.store(), s).id().value())))),
        ApiRoute.of(GET, "/api/reconciler", r, "the reconciler's state", ctx -> json(ctx, reconciler.status())),
        ApiRoute.of(POST, "/api/gc", a, "remove old builds (as vr gc --json)", this::gc),
        ApiRoute.of(POST, "/api/supervisor-events", d, "a Supervisor event (JSON line): nudges the reconciler",
            this::supervisorEvent),
        ApiRoute.of(GET, "/api/supervisor-events/listener", r, "the [eventlistener:vr-events] section for a host's"
            + " supervisord.conf (text)", this::listenerSection));
  }

  /** @return who sent the request: a Bearer token, else the session cookie */
  static Optional<Auth.Principal> principal(Context ctx, Auth auth) {
    String h = ctx.header("Authorization");
    if (h != null) {
      return h.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.token(h.substring(7).strip()) : Optional.empty();
    }
    String sid = ctx.cookie(Auth.COOKIE);
    return sid == null ? Optional.empty() : auth.session(sid);
  }

  private static void json(Context ctx, Object value) {
    ctx.contentType(JSON).json(value);
  }

  private void health(Context ctx) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "ok");
    String v = VrServer.class.getPackage().getImplementationVersion();
    m.put("version", v == null ? "0.1.0-SNAPSHOT" : v);
    m.put("started_at", startedAt.toString());
    m.put("uptime_seconds", Duration.between(startedAt, clock.instant()).toSeconds());
    String store;
    try {
      fleet.store().swarms();
      store = "ok";
    } catch (RuntimeException e) {
      store = "unreadable: " + e.getMessage();
    }
    m.put("store", store);
    m.put("reconciler", reconciler.status());
    json(ctx, m);
  }

  private void login(Context ctx) {
    Map<String, Object> body = body(ctx);
    Object token = body.get("token");
    if (!(token instanceof String t) || t.isBlank()) {
      throw new ApiException(400, "token is required: send {\"token\": \"...\"}", "send the API token as a string");
    }
    Auth.Principal who = auth.token(t).orElseThrow(() -> new ApiException(401, "a valid API token is required",
        "check the token (it is never echoed)"));
    Cookie c = new Cookie(Auth.COOKIE, auth.login(who), "/", (int) Auth.SESSION_TTL.toSeconds(), secure);
    c.setHttpOnly(true);
    c.setSameSite(SameSite.STRICT);
    ctx.cookie(c);
    ctx.status(204);
  }

  private void logout(Context ctx) {
    String sid = ctx.cookie(Auth.COOKIE);
    if (sid != null) {
      auth.logout(sid);
      ctx.removeCookie(Auth.COOKIE, "/");
    }
    ctx.status(204);
  }

  private void apps(Context ctx) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (App a : sortedApps()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("app", a);
      m.put("builds", fleet.store().builds(a.name()).stream().map(io.velociraptor.core.deploy.Dispatcher::withoutLog)
          .sorted(Comparator.comparing((Build b) -> b.version().value())).toList());
      out.add(m);
    }
    json(ctx, out);
  }

  private List<App> sortedApps() {
    return fleet.store().apps().stream().sorted(Comparator.comparing((App a) -> a.name().value())).toList();
  }

  private void builds(Context ctx) {
    Optional<String> only = Optional.ofNullable(ctx.queryParam("app"));
    List<App> apps = sortedApps();
    if (only.isPresent() && apps.stream().noneMatch(a -> a.name().value().equals(only.get()))) {
      throw new NotFoundException("app", only.get(), "is not an app of the config file or the store ("
          + apps.stream().map(a -> a.name().value()).toList() + ")");
    }
    List<Build> builds = new ArrayList<>();
    for (App a : apps) {
      if (only.isEmpty() || a.name().value().equals(only.get())) {
        builds.addAll(fleet.store().builds(a.name()));
      }
    }
    builds.sort(Comparator.comparing((Build b) -> b.app().value()).thenComparing(b -> b.version().value()));
    json(ctx, builds);
  }

  private void build(Context ctx) {
    Map<String, Object> body = body(ctx);
    String app = requiredString(body, "app");
    String version = requiredString(body, "version");
    for (String k : body.keySet()) {
      if (!k.equals("app") && !k.equals("version")) {
        throw InvalidValueException.of("body field", k, "is not a field of a build request (app, version)");
      }
    }
    App a = fleet.store().apps().stream().filter(x -> x.name().value().equals(app)).findFirst()
        .orElseThrow(() -> new NotFoundException("app", app, "is not an app of the config file or the store"));
    Version v = Version.of(version);
    var backend = fleet.builds().orElseThrow(() -> new ApiException(400, "this fleet has no build backend",
        "configure builds in vr.yaml"));
    BuildLogs.Log log = buildLogs.begin(app, version).orElseThrow(() -> new ApiException(409, "a build of " + app
        + " " + version + " is running", "follow it at " + logPath(app, version)));
    try {
      runs.execute(() -> {
        String last = null;
        try {
          Build b = backend.build(BuildRequest.of(a, v), log::line);
          fleet.store().putBuild(b);
          last = "build " + b.app() + " " + b.version() + ": " + b.status().name().toLowerCase(java.util.Locale.ROOT);
        } catch (RuntimeException e) {
          last = "build " + app + " " + version + " failed: " + e.getMessage();
        } finally {
          log.end(last);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException full) {
      log.end("build " + app + " " + version + " was refused: the server is busy");
      throw full;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("app", app);
    m.put("version", version);
    m.put("log", logPath(app, version));
    ctx.status(202);
    json(ctx, m);
  }

  private static String logPath(String app, String version) {
    return "/api/builds/" + app + "/" + version + "/log";
  }

  private void buildLog(Context ctx) throws Exception {
    String app = ctx.pathParam("app");
    String version = ctx.pathParam("version");
    Optional<BuildLogs.Log> live = buildLogs.get(app, version);
    ctx.contentType("text/plain; charset=utf-8");
    if (live.isPresent()) {
      live.get().streamTo(ctx.outputStream());
      return;
    }
    Build b = fleet.store().build(AppName.of(app), Version.of(version))
        .orElseThrow(() -> new NotFoundException("build", app + " " + version, "is not a stored build (`vr builds` lists them)"));
    Optional<Path> file = b.compileLog().map(Path::of).filter(Files::isRegularFile);
    if (file.isEmpty()) {
      throw new NotFoundException("build log", app + " " + version, "is not kept here (the build was made elsewhere)");
    }
    ctx.result(Files.readString(file.get(), StandardCharsets.UTF_8));
  }

  private void swarms(Context ctx) {
    List<Swarm> swarms = new ArrayList<>(fleet.store().swarms());
    swarms.sort(Comparator.comparing(Swarm::name));
    json(ctx, swarms);
  }

  private Swarm swarm(Context ctx) {
    return Operations.swarm(fleet.store(), ctx.pathParam("swarm"));
  }

  private void swarmRoute(Context ctx) {
    json(ctx, swarm(ctx));
  }

  /** The swarm file of the body; its name or id must be the path's. */
  private SwarmFile swarmFile(Context ctx) {
    String name = ctx.pathParam("swarm");
    SwarmFile f = SwarmFile.parse("the request body", ctx.body(), Optional.of(fleet.store()));
    if (!f.swarm().name().equals(name) && !f.swarm().id().value().equals(name)) {
      throw InvalidValueException.of("swarm", name, "is not the name (" + f.swarm().name() + ") or id ("
          + f.swarm().id() + ") of the swarm in the body");
    }
    return f;
  }

  private void put(Context ctx) {
    SwarmFile f = swarmFile(ctx);
    respond(ctx, f.swarm(), runs.submit(() -> fleet.dispatcher().dispatch(f.swarm())));
  }

  private void plan(Context ctx) {
    if (ctx.body().isBlank()) {
      Swarm s = swarm(ctx);
      json(ctx, Operations.plan(fleet, s, Optional.empty()));
      return;
    }
    SwarmFile f = swarmFile(ctx);
    json(ctx, Operations.plan(fleet, f.swarm(), f.releaseHash()));
  }

  private void rollback(Context ctx) {
    Map<String, Object> body = ctx.body().isBlank() ? Map.of() : body(ctx);
    Object to = body.get("to");
    if (to != null && !(to instanceof String)) {
      throw InvalidValueException.of("to", to, "must be a release hash or run id (a string)");
    }
    longRun(ctx, s -> () -> fleet.dispatcher().rollback(s.id(), Optional.ofNullable((String) to)));
  }

  private void scale(Context ctx) {
    Map<String, Object> body = body(ctx);
    Object size = body.get("size");
    if (!(size instanceof Integer n)) {
      throw InvalidValueException.of("size", size, "is not a whole number (0 to " + Swarm.MAX_SIZE + ")");
    }
    longRun(ctx, s -> () -> fleet.dispatcher().scale(s.id(), n));
  }

  private void longRun(Context ctx, Function<Swarm, Supplier<DispatchResult>> op) {
    Swarm s = swarm(ctx);
    respond(ctx, s, runs.submit(op.apply(s)));
  }

  /**
   * 202 with the run's id once it began (a refusal is the dispatcher's own error: 409 for a busy
   * swarm); with {@code ?wait=true}, 200 with the finished run.
   */
  private void respond(Context ctx, Swarm s, LongRuns.Submitted submitted) {
    boolean wait = "true".equals(ctx.queryParam("wait"));
    CompletableFuture<?> answer = wait
        ? submitted.done().thenAccept(r -> {
          ctx.status(200);
          json(ctx, finished(r));
        })
        : submitted.runId().thenAccept(id -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("run", id);
          m.put("swarm", s.name());
          m.put("swarm_id", s.id().value());
          ctx.status(202);
          json(ctx, m);
        });
    ctx.future(() -> answer);
  }

  /** The finished run as {@code vr run show --json} gives it, with the auto-revert's run when there was one. */
  private Object finished(DispatchResult r) {
    SwarmRun run = fleet.store().status(r.run().id()).orElse(r.run());
    if (r.revert().isEmpty()) {
      return run;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run", run);
    m.put("revert", r.revert().get().run());
    return m;
  }

  private void runs(Context ctx) {
    Optional<String> swarm = Optional.ofNullable(ctx.queryParam("swarm"));
    List<SwarmRun> all = new ArrayList<>();
    List<Swarm> swarms = swarm.isPresent() ? List.of(Operations.swarm(fleet.store(), swarm.get())) : fleet.store().swarms();
    for (Swarm s : swarms) {
      all.addAll(fleet.store().history(s.id()));
    }
    all.sort(Comparator.comparing(SwarmRun::createdAt).thenComparing(SwarmRun::id));
    json(ctx, Views.runRows(all));
  }

  private Optional<String> hostParam(Context ctx) {
    Optional<String> host = Optional.ofNullable(ctx.queryParam("host"));
    host.ifPresent(h -> Operations.host(fleet, h));
    return host;
  }

  private void procs(Context ctx) {
    Optional<String> host = hostParam(ctx);
    Optional<String> swarm = Optional.ofNullable(ctx.queryParam("swarm")).map(s -> Operations.swarm(fleet.store(), s)
        .id().value());
    FleetSnapshot snap = fleet.snapshot();
    json(ctx, Views.procsJson(snap, host, Views.procRows(snap, host, swarm, clock.instant())));
  }

  private void procAction(Context ctx, Operations.ProcAction action) {
    String proc = ctx.pathParam("proc");
    if (ProcName.parse(proc) instanceof ProcName.Foreign) {
      // the dashboard shows every proc Supervisor runs; those vr did not start it never touches
      throw InvalidValueException.of("proc", proc, "is not a vr proc: foreign procs are shown, never touched"
          + " (use supervisorctl on the host)");
    }
    json(ctx, Operations.act(fleet, ctx.pathParam("host"), proc, action));
  }

  private void procLogs(Context ctx) {
    String b = ctx.queryParam("bytes");
    int bytes = 16384;
    if (b != null) {
      try {
        bytes = Integer.parseInt(b);
      } catch (NumberFormatException e) {
        throw InvalidValueException.of("bytes", b, "is not a whole number");
      }
      if (bytes < 1 || bytes > 16 << 20) {
        throw InvalidValueException.of("bytes", b, "must be between 1 and " + (16 << 20));
      }
    }
    String text = Operations.logTail(fleet, ctx.pathParam("host"), ctx.pathParam("proc"), bytes);
    ctx.contentType("text/plain; charset=utf-8").result(text);
  }

  private void ports(Context ctx) {
    Optional<String> host = hostParam(ctx);
    json(ctx, Views.portRows(fleet.snapshot(), host, runId -> {
      try {
        return Views.lockStaleness(fleet.store().status(runId));
      } catch (RuntimeException notARunId) {
        return Views.lockStaleness(Optional.empty());
      }
    }));
  }

  private void hosts(Context ctx) {
    FleetSnapshot snap = fleet.snapshot();
    List<Map<String, Object>> out = new ArrayList<>();
    for (HostSnapshot h : snap.hosts()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", h.host().name().value());
      m.put("address", h.host().address());
      m.put("squad", fleet.fleetConfig().squads().stream().filter(s -> s.hosts().contains(h.host().name()))
          .map(Squad::name).map(Object::toString).findFirst().orElse(""));
      m.put("active", h.host().active());
      m.put("reachable", h.reachable());
      m.put("unreachable_reason", h.reachable() ? null : h.unreachableReason().orElse(""));
      m.put("port_range", h.host().portRange().start() + "-" + h.host().portRange().endExclusive());
      m.put("ports_used", h.reachable() ? h.procs().stream().map(ObservedProc::port).flatMap(Optional::stream)
          .filter(p -> h.host().portRange().contains(p.value())).distinct().count() : null);
      m.put("procs", h.reachable() ? h.procs().size() : null);
      out.add(m);
    }
    json(ctx, out);
  }

  private void gc(Context ctx) {
    Map<String, Object> body = ctx.body().isBlank() ? Map.of() : body(ctx);
    Object keep = body.getOrDefault("keep", 5);
    Object dry = body.getOrDefault("dry_run", false);
    if (!(keep instanceof Integer k) || k < 1) {
      throw InvalidValueException.of("keep", keep, "must be a whole number, at least 1 (the current release's build is"
          + " always kept)");
    }
    if (!(dry instanceof Boolean dryRun)) {
      throw InvalidValueException.of("dry_run", dry, "must be true or false");
    }
    json(ctx, fleet.dispatcher().gc(k, dryRun));
  }

  private void supervisorEvent(Context ctx) {
    Map<String, Object> body = body(ctx);
    Object event = body.get("event");
    if (!(event instanceof String e) || !e.matches("[A-Z][A-Z0-9_]*")) {
      throw InvalidValueException.of("event", event, "must be a Supervisor event name (PROCESS_STATE_FATAL, ...)");
    }
    Object process = body.get("process_name");
    String reason = "supervisor: " + e + (process instanceof String p ? " " + p : "");
    reconciler.nudge(reason);
    ctx.status(202);
    json(ctx, Map.of("nudged", reason));
  }

  /**
   * The section each host's supervisord.conf needs so its events reach this server: the URL is the
   * one the request came to unless {@code url} says otherwise; {@code java}, {@code classpath},
   * {@code token_file} and {@code ca_file} are the host's paths (defaults: the usual install).
   */
  private void listenerSection(Context ctx) {
    String url = Optional.ofNullable(ctx.queryParam("url"))
        .orElseGet(() -> ctx.scheme() + "://" + ctx.host() + "/api/supervisor-events");
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      throw InvalidValueException.of("url", url, "is not a URL");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw InvalidValueException.of("url", url, "must be an http:// or https:// URL with a host");
    }
    String text = io.velociraptor.supervisor.events.EventListenerSection.render(
        io.velociraptor.supervisor.events.EventListenerSection.NAME,
        Optional.ofNullable(ctx.queryParam("java")).orElse("/usr/bin/java"),
        Optional.ofNullable(ctx.queryParam("classpath")).orElse("/opt/vr/vr.jar"), uri,
        Path.of(Optional.ofNullable(ctx.queryParam("token_file")).orElse("/etc/vr/events.token")),
        Optional.ofNullable(ctx.queryParam("ca_file")).map(Path::of), Optional.empty());
    ctx.contentType("text/plain; charset=utf-8");
    ctx.result(text);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> body(Context ctx) {
    String text = ctx.body();
    if (text.isBlank()) {
      throw new ApiException(400, "the request body is empty: send one JSON object", "send one JSON object");
    }
    Object v;
    try {
      v = VrJson.json().readValue(text, Object.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new ApiException(400, "the request body is not valid JSON: " + e.getOriginalMessage(),
          "send one JSON object");
    }
    if (!(v instanceof Map)) {
      throw new ApiException(400, "the request body must be one JSON object", "send one JSON object");
    }
    return (Map<String, Object>) v;
  }

  private static String requiredString(Map<String, Object> body, String key) {
    Object v = body.get(key);
    if (!(v instanceof String s) || s.isBlank()) {
      throw InvalidValueException.of(key, v, "is required (a string)");
    }
    return s;
  }
}
