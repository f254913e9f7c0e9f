package io.velociraptor.examples.cli;

import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.deploy.JsonLinesEventSink;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.routing.InMemoryBalancer;
import io.velociraptor.core.routing.NginxBalancer;
import io.velociraptor.core.routing.PrivateNginx;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.lxc.Runner;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import io.velociraptor.supervisor.embedded.EmbeddedProcController;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vr demo}: the story of vr in one command, on this machine, leaving nothing behind.
 * Builds the example Java app with the example buildpack, dispatches 3 web procs (showing the
 * plan), requests each over HTTP, changes the config and dispatches (replacements), renames the
 * config and dispatches (the previous manifestation is retired), shows ports and procs, and tears
 * everything down. Needs only a JDK: embedded supervisor, plain processes, a file store in a
 * temporary directory and an in-memory balancer. With {@code --real} it runs a private
 * supervisord per host, a private nginx as the balancer when nginx is installed, and, as root
 * with LXC installed, LXC containers. Whatever it started is stopped at the end, also when a step
 * fails and when the demo is interrupted (a shutdown hook).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Build the example app, dispatch 3 web procs, change and rename the config, tear down.",
        "Needs only a JDK; --real uses private supervisords and nginx (and LXC as root) when installed."})
final class DemoCommand implements Callable<Integer> {
  static final AppName APP = AppName.of("java_hello");
  static final SquadName SQUAD = SquadName.of("demo");
  static final BalancerName BALANCER = BalancerName.of("demo");
  static final PoolName POOL = PoolName.of("hello");

  @Spec
  CommandSpec spec;

  @Option(names = "--real", description = "use private supervisords, a private nginx (and LXC when root) where installed,"
      + " instead of the embedded parts")
  boolean real;

  @Option(names = "--dir", paramLabel = "DIR", description = "work in DIR (kept afterwards) instead of a temporary directory")
  Path dir;

  @Option(names = "--serve", description = "after the story, keep the fleet up and serve the API and dashboard on it"
      + " (vr serve) until Ctrl-C; prints the URL and a fresh admin token once")
  boolean serve;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "with --serve: where to listen (default "
      + io.velociraptor.examples.server.ServeSettings.DEFAULT_LISTEN + ")")
  String listen;

  @Option(names = "--procs", defaultValue = "3", description = "how many web procs (default ${DEFAULT-VALUE})")
  int procs;

  @Option(names = "--store", paramLabel = "URL", description = "keep the demo's state in this PostgreSQL database"
      + " (postgres://USER@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB?user=USER) instead of a file store in the"
      + " work directory; the password comes from --store-password-file, else $PGPASSWORD")
  String storeUrl;

  @Option(names = "--store-password-file", paramLabel = "FILE", description = "with --store: the file whose first"
      + " line is the database password")
  Path storePasswordFile;

  /** What the demo started, closed in reverse order by {@link #cleanUp}. */
  private final List<AutoCloseable> owned = new ArrayList<>();
  private long startedNanos;
  private Path work;
  private boolean cleanedUp;
  /** Processes this JVM had before the demo began (when vr is embedded): never the demo's to kill. */
  private java.util.Set<Long> before = java.util.Set.of();
  /** The private supervisords (--real with supervisord installed); empty when the embedded supervisor runs the procs. */
  private Optional<PrivateSupervisords> supervisords = Optional.empty();
  /** --json: every dispatch event as a JSON line, then one summary object, instead of the story. */
  private boolean json;

  @Override
  public Integer call() throws Exception {
    startedNanos = System.nanoTime();
    storeConfig = storeConfig(); // a bad --store is named before anything starts
    before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
    json = ((VrMain) spec.root().userObject()).json;
    work = dir != null ? Files.createDirectories(dir.toAbsolutePath()) : Files.createTempDirectory("vr-demo-");
    // procs run as "nobody" when vr is root: they must be able to reach their directories
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    if ("root".equals(System.getProperty("user.name"))) {
      for (Path p = work.getParent(); p != null; p = p.getParent()) {
        if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
          throw new io.velociraptor.core.VrException("the demo's procs run as nobody, who cannot enter " + p
              + " (mode " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + "): choose a --dir"
              + " whose parents others may enter, or chmod o+x " + p);
        }
      }
    }
    // Ctrl-C (SIGINT) or SIGTERM skip the finally below: the hook stops what the demo started
    Thread hook = new Thread(() -> {
      say("");
      say("vr demo: interrupted; stopping everything it started");
      cleanUp();
    }, "vr-demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return story(work);
    } finally {
      cleanUp();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran) cleanUp, which is idempotent
      }
    }
  }

  /** Where the demo keeps its state: a file store in the work directory, or --store's database. */
  private StoreConfig storeConfig = StoreConfig.file();

  /** @return the store --store names (its password from --store-password-file or $PGPASSWORD), or the file store */
  private StoreConfig storeConfig() {
    if (storeUrl == null) {
      if (storePasswordFile != null) {
        throw io.velociraptor.core.model.InvalidValueException.of("--store-password-file", storePasswordFile,
            "needs --store (the demo's database)");
      }
      return StoreConfig.file();
    }
    char[] password = null;
    if (storePasswordFile != null) {
      try {
        password = StoreConfig.readPassword(storePasswordFile);
      } catch (IOException e) {
        throw io.velociraptor.core.model.InvalidValueException.of("--store-password-file", storePasswordFile,
            "cannot be read: " + e.getClass().getSimpleName());
      }
    } else if (System.getenv("PGPASSWORD") != null) {
      password = System.getenv("PGPASSWORD").toCharArray();
    }
    try {
      return StoreConfig.postgres(storeUrl, Optional.empty(), Optional.ofNullable(storePasswordFile), password);
    } catch (IllegalArgumentException e) {
      throw io.velociraptor.core.model.InvalidValueException.of("--store", StoreConfig.PgUrl.redacted(storeUrl),
          e.getMessage());
    }
  }

  /** Registers something the demo started; closes it at once if the demo is already cleaning up. */
  private <T extends AutoCloseable> T own(T thing) throws Exception {
    synchronized (this) {
      if (!cleanedUp) {
        owned.add(thing);
        return thing;
      }
    }
    thing.close();
    throw new io.velociraptor.core.VrException("the demo was interrupted");
  }

  /**
   * Closes what the demo started, last first, then kills any process the demo's JVM still has
   * as a descendant and did not have before the demo (a runner setup or uptest that was in
   * flight when it was interrupted, a supervisord or nginx still starting), and
   * removes a temporary work directory. Idempotent: the normal end and the shutdown hook may
   * both call it.
   */
  private synchronized void cleanUp() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        say("(cleanup: " + e.getMessage() + ")");
      }
    }
    owned.clear();
    List<ProcessHandle> left = ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).toList();
    left.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : left) {
      try {
        p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        say("(cleanup: process " + p.pid() + " did not exit: " + e + ")");
      }
    }
    if (dir == null && work != null) {
      try {
        FileTrees.deleteTree(work);
      } catch (IOException e) {
        say("(cleanup: could not remove " + work + ": " + e.getMessage() + ")");
      }
    }
  }

  private int story(Path work) throws Exception {
    Path examples = io.velociraptor.examples.ExampleFiles.extract(work.resolve("examples"));
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean lxc = real && root && onPath("lxc-execute");
    RunnerInstall runner = VrMain.runnerClasspath(RunnerInstall.builder().root(work.resolve("runner"))
        .runtime(lxc ? RuntimeKind.LXC : RuntimeKind.PLAIN).hostNetwork(true)).build();
    // every demo host is this machine: setup, uptest and teardown run in this JVM, the procs
    // through the launcher (see InJvmRunnerRuntime)
    ContainerRuntime runtime = new InJvmRunnerRuntime(runner.runtime(Duration.ofMinutes(2)), Runner.of(runner.config()));
    LocalCommandRunner local = LocalCommandRunner.builder().root(work).build();
    own(local);
    runner.install(local);

    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(30);
    List<Host> hosts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      hosts.add(Host.builder().name(HostName.of("node" + (i + 1))).address("127.0.0.1")
          .portRange(PortRange.of(base + 10 * i, base + 10 * i + 10)).build());
    }
    ProcController controller;
    FleetObserver observer;
    String supervisorStory;
    if (real && onPath("supervisord")) {
      PrivateSupervisords sup = PrivateSupervisords.start(work.resolve("supervisor"), hosts);
      own(sup);
      supervisords = Optional.of(sup);
      hosts = sup.hosts();
      controller = sup.controller(h -> local);
      observer = sup.observer();
      supervisorStory = "3 private supervisord instances (one per host, XML-RPC on 127.0.0.1)";
    } else {
      if (real) {
        say("--real: supervisord is not installed, so the embedded supervisor runs the procs");
      }
      EmbeddedProcController embedded = EmbeddedProcController.create(work.resolve("logs"));
      own(embedded);
      controller = embedded;
      observer = hs -> hs.stream().sorted(Comparator.comparing(Host::name))
          .map(h -> HostSnapshot.reachable(h, embedded.procs(h))).toList();
      supervisorStory = "the embedded supervisor (in this JVM)";
    }
    FleetConfig fleetConfig = FleetConfig.of(hosts, List.of(Squad.builder().name(SQUAD)
        .addAllHosts(hosts.stream().map(Host::name).toList()).build()));
    io.velociraptor.core.spi.Store store = storeConfig.open(work.resolve("store"));
    own((AutoCloseable) store::close);
    FileSystemArtifactStore artifacts = FileSystemArtifactStore.of(work.resolve("artifacts"));
    BuildpackBuildBackend.Builder bb = BuildpackBuildBackend.builder().home(work.resolve("builds")).artifactStore(artifacts);
    if (lxc) {
      // the same runtime builds too: each buildpack script in a throwaway container, as nobody
      bb.buildUser("nobody").containerRuntime(runtime, local);
    } else {
      bb.runScriptsAsCurrentUser();
    }
    BuildpackBuildBackend builds = own(bb.build());
    Optional<PrivateNginx> nginx = Optional.empty();
    Balancer balancer;
    String balancerStory;
    Optional<Path> nginxBinary = which("nginx");
    if (real && nginxBinary.isPresent()) {
      PrivateNginx n = own(PrivateNginx.start(nginxBinary.get(), work.resolve("nginx"),
          List.of(POOL.toString()), PrivateNginx.ProxyPath.BELOW_POOL, "vr demo"));
      nginx = Optional.of(n);
      LocalCommandRunner nginxRunner = LocalCommandRunner.builder().name("nginx").root(n.dir()).build();
      own(nginxRunner);
      balancer = NginxBalancer.builder().name(BALANCER).addHost(n.host(nginxRunner)).build();
      balancerStory = "a private nginx (pid " + n.pid() + ", 127.0.0.1:" + n.port() + ", prefix " + n.dir()
          + ") that proxies " + n.url(POOL.toString()) + " to pool " + POOL;
    } else {
      if (real) {
        say("--real: nginx is not installed, so routing goes to an in-memory balancer");
      }
      balancer = InMemoryBalancer.of(BALANCER);
      balancerStory = "an in-memory balancer";
    }
    Function<Host, CommandRunner> runners = h -> local;
    Fleet fleet = new Fleet(fleetConfig, store, controller, observer, runtime, runners, Optional.of(builds),
        Map.of(BALANCER, balancer), Duration.ofSeconds(30), new ArrayList<>());
    fleet.artifacts = Optional.of(artifacts);
    fleet.shared = Optional.of(store).filter(io.velociraptor.core.store.JdbcStore.class::isInstance)
        .map(io.velociraptor.core.store.JdbcStore.class::cast);
    own(fleet);
    fleet.listen(e -> {
      if (json) {
        print(JsonLinesEventSink.line(e));
      } else if (e instanceof DispatchEvent.ProcStarted || e instanceof DispatchEvent.UptestPassed
          || e instanceof DispatchEvent.UptestFailed || e instanceof DispatchEvent.Routed
          || e instanceof DispatchEvent.Unrouted || e instanceof DispatchEvent.ProcStopped
          || e instanceof DispatchEvent.ProcFailed || e instanceof DispatchEvent.Warning) {
        say("  " + e.describe());
      }
    });

    chapter("vr demo: everything lives in " + work + " and is removed at the end");
    say("procs run under " + supervisorStory + ", as " + (lxc ? "LXC containers" : "plain processes (no isolation)")
        + "; buildpack scripts run " + (lxc ? "in throwaway LXC containers as nobody" : "as vr's own user")
        + "; 3 hosts node1..node3 on 127.0.0.1, ports " + base + "-" + (base + 29)
        + "; routing goes to " + balancerStory);
    say("the state (apps, builds, swarms, runs, port locks) is in " + storeConfig.describe(work.resolve("store")));
    say("the runner's setup, uptest and teardown run inside this JVM, as every host is this machine"
        + " (vr dispatch runs them through the vr-runner launcher, which reaches hosts over SSH too)");
    if (!real && (onPath("supervisord") || onPath("nginx") || onPath("lxc-execute"))) {
      say("supervisord, nginx or LXC is installed here: `vr demo --real` uses them");
    }

    chapter("1. build the app " + APP + " from " + examples.resolve("apps/java-hello") + " with the example java buildpack");
    App app = App.builder().name(APP).repoUrl(examples.resolve("apps/java-hello").toString()).repoType(App.RepoType.LOCAL)
        .addBuildpacks(Buildpack.parse(examples.resolve("buildpacks/java").toString())).build();
    store.putApp(app);
    Build build = builds.build(BuildRequest.of(app, Version.of("1.0")), line -> say("  | " + line));
    store.putBuild(build);
    say("built " + build.app() + " " + build.version() + ": " + build.status().name().toLowerCase(java.util.Locale.ROOT)
        + ", " + build.sizeBytes().orElse(0) + " bytes, web: " + build.processTypes().get("web"));

    Swarm swarm = Swarm.builder().id(SwarmId.fromBits(new SplittableRandom().nextLong())).app(APP)
        .procType(ProcTypeName.of("web")).config(ConfigName.of("demo")).squad(SQUAD).size(procs)
        .version(Version.of("1.0")).pool(POOL).balancer(BALANCER)
        .env(Env.of(Map.of("PATH", Path.of(javaExecutable()).getParent() + ":/usr/local/bin:/usr/bin:/bin",
            "GREETING_COLOR", "green")))
        .build();
    dispatch(fleet, swarm, "2. dispatch swarm " + swarm.name() + " (id " + swarm.id() + "): " + procs + " web procs");

    chapter("3. request each proc over HTTP" + (nginx.isPresent() ? ", then the pool through nginx" : ""));
    requestEach(fleet);
    requestThrough(nginx);

    Swarm recolored = Swarm.builder().from(swarm).env(swarm.env().merge(Env.of(Map.of("GREETING_COLOR", "blue")))).build();
    dispatch(fleet, recolored, "4. change the config (GREETING_COLOR=blue): a new release, so every proc is replaced;"
        + " the old ones stop only after the new ones pass their uptests and are routed");
    requestEach(fleet);
    requestThrough(nginx);

    Swarm renamed = Swarm.builder().from(recolored).config(ConfigName.of("live")).build();
    dispatch(fleet, renamed, "5. rename the config demo -> live: same swarm id, so the procs named after the old"
        + " config are its previous manifestation and are retired (the original vr left them running)");

    chapter("6. vr ports and vr procs");
    FleetSnapshot snap = fleet.snapshot();
    say(Views.portTable(Views.portRows(snap, Optional.empty())));
    say(Views.procTable(snap, Views.procRows(snap, Optional.empty(), Optional.empty(), Instant.now())));
    say("pool " + BALANCER + "/" + POOL + ": " + balancer.members(POOL));

    if (serve) {
      return serveUntilInterrupted(fleet);
    }
    chapter("7. tear down: delete the swarm (routes first, then procs)");
    DispatchResult deleted = fleet.dispatcher().delete(renamed.id());
    say("run " + deleted.run().id() + ": " + deleted.run().state().name().toLowerCase(java.util.Locale.ROOT));
    long left = fleet.snapshot().hosts().stream().mapToLong(h -> h.procs().size()).sum();
    say(left + " procs left; pool " + POOL + " has " + balancer.members(POOL).size() + " members");
    if (nginx.isPresent()) {
      nginx.get().close();
      say("stopped the private nginx (pid " + nginx.get().pid() + ")");
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
    say(String.format("demo finished in %.1f s", took.toMillis() / 1000.0));
    boolean ok = deleted.succeeded() && left == 0;
    if (json) {
      Map<String, Object> summary = new java.util.LinkedHashMap<>();
      summary.put("type", "demo_finished");
      summary.put("succeeded", ok);
      summary.put("procs_left", left);
      summary.put("seconds", took.toMillis() / 1000.0);
      summary.put("work_dir", work.toString());
      summary.put("balancer", nginx.isPresent() ? "nginx" : "memory");
      print(io.velociraptor.core.json.VrJson.json().writer()
          .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary));
    }
    return ok ? VrMain.OK : VrMain.ERROR;
  }

  /**
   * {@code --serve}: the demo's fleet stays up under {@code vr serve} with a fresh admin token, shown
   * once here and nowhere else; Ctrl-C runs the shutdown hook, which stops the server and then the rest.
   */
  private int serveUntilInterrupted(Fleet fleet) throws Exception {
    byte[] secret = new byte[32];
    new java.security.SecureRandom().nextBytes(secret);
    String token = java.util.HexFormat.of().formatHex(secret);
    // the private supervisords' event listeners post with their own deploy token, never printed
    new java.security.SecureRandom().nextBytes(secret);
    String eventsToken = java.util.HexFormat.of().formatHex(secret);
    var settings = io.velociraptor.examples.server.ServeSettings.defaults().withTokens(List.of(
        new io.velociraptor.examples.server.ServeSettings.ApiToken("demo-admin",
            io.velociraptor.examples.server.ServeSettings.ApiToken.hash(token), io.velociraptor.examples.server.Role.ADMIN),
        new io.velociraptor.examples.server.ServeSettings.ApiToken("demo-events",
            io.velociraptor.examples.server.ServeSettings.ApiToken.hash(eventsToken),
            io.velociraptor.examples.server.Role.DEPLOY)));
    if (listen != null) {
      try {
        settings = settings.withListen(io.velociraptor.examples.server.ServeSettings.Listen.parse(listen, true));
      } catch (IllegalArgumentException e) {
        throw io.velociraptor.core.model.InvalidValueException.of("--listen", listen, e.getMessage());
      }
    }
    // the reconciler repairs what breaks while the dashboard is up; closed after the server (own: last first)
    io.velociraptor.core.deploy.Reconciler reconciler = own(fleet.reconciler().interval(settings.reconcile().interval()).hostGrace(settings.reconcile().hostGrace())
        .uptestInterval(settings.reconcile().uptestInterval()).uptestFailures(settings.reconcile().uptestFailures()).build());
    io.velociraptor.examples.server.VrServer server = own(io.velociraptor.examples.server.VrServer.builder()
        .fleet(fleet).settings(settings).reconciler(io.velociraptor.examples.server.ReconcilerView.of(reconciler)).start());
    reconciler.start();
    chapter("7. vr serve: the fleet stays up until Ctrl-C");
    if (supervisords.isPresent()) {
      // Supervisor events nudge the reconciler; the listeners stop before the server (own: last first)
      own(supervisords.get().addEventListener(server.url().resolve("/api/supervisor-events"), eventsToken));
      say("each private supervisord posts its process state changes to " + server.url().resolve("/api/supervisor-events")
          + " (event listener " + io.velociraptor.supervisor.events.EventListenerSection.NAME
          + "), which nudges the reconciler");
    }
    // printed with --json too: it is the one time the token is shown
    print("url: " + server.url());
    print("admin token: " + token);
    new java.util.concurrent.CountDownLatch(1).await();
    return VrMain.OK;
  }

  private void dispatch(Fleet fleet, Swarm swarm, String title) {
    chapter(title);
    SwarmPlan plan = fleet.dispatcher().plan(swarm);
    say(plan.render());
    DispatchResult r = fleet.dispatcher().dispatch(swarm);
    say("run " + r.run().id() + ": " + r.run().state().name().toLowerCase(java.util.Locale.ROOT)
        + r.plan().map(p -> " (" + p.summary() + ")").orElse("") + r.run().failureReason().map(x -> ": " + x).orElse(""));
    if (!r.succeeded()) {
      throw new io.velociraptor.core.VrException("the demo's dispatch failed: " + r.run().failureReason().orElse("?"));
    }
  }

  private void requestEach(Fleet fleet) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (HostSnapshot h : fleet.snapshot().hosts()) {
      for (ObservedProc p : h.procs()) {
        if (p.port().isEmpty()) {
          continue;
        }
        String url = "http://" + h.host().address() + ":" + p.port().get().value() + "/";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        say("  GET " + url + " (" + h.host().name() + ", " + p.name() + ") -> " + r.statusCode() + " "
            + r.body().strip());
      }
    }
  }

  /** One request through the balancer, when it is a real nginx: the way users reach the swarm. */
  private void requestThrough(Optional<PrivateNginx> nginx) throws IOException, InterruptedException {
    if (nginx.isEmpty()) {
      return;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI url = nginx.get().url(POOL.toString());
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    say("  GET " + url + " (through nginx, pool " + BALANCER + "/" + POOL + ") -> " + r.statusCode() + " "
        + r.body().strip());
  }

  private void chapter(String title) {
    say("");
    say("== " + title);
  }

  /** One line of the story; nothing with --json. */
  private void say(String line) {
    if (!json) {
      print(line);
    }
  }

  private void print(String line) {
    var out = spec.commandLine().getOut();
    out.println(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
    out.flush();
  }

  static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static boolean onPath(String program) {
    return which(program).isPresent();
  }

  /** @return the program as found on $PATH */
  static Optional<Path> which(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
        return Optional.of(Path.of(d, program));
      }
    }
    return Optional.empty();
  }
}
