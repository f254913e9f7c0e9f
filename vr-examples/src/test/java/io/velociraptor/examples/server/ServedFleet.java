package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.velociraptor.core.deploy.Reconciler;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.RunState;
import io.velociraptor.examples.ExampleFiles;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.PrivateSupervisords;
import io.velociraptor.examples.cli.VrConfig;
import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.SupervisorEndpoints;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * One served fleet for a test class: a private supervisord (host h1, squad {@code s}), optionally
 * a host whose supervisord is down (h2, squad {@code gone}), a runner root with the real runner
 * jar, a vr.yaml with the example app {@code java_hello} and the given API tokens, and a started
 * {@link VrServer} (with a {@link Reconciler}, if asked). {@link #close()} stops all of it and
 * removes the directory; a start that fails half-way stops what it had started.
 *
 * <p>With {@link Builder#gatedUptest()} the app has one more uptest, {@code gate}: while the file
 * {@link #hold()} made exists, an uptest of a new proc says it began ({@link #awaitGateReached})
 * and waits until {@link #release()}; so a test holds a run in its uptest step for as long as it
 * needs, with nothing timed. Such a fleet's procs run in the runner's plain runtime, so that the
 * uptest sees the gate's files in the test's temporary directory; the others' in LXC containers.
 */
public final class ServedFleet implements AutoCloseable {
  /** The example files (apps, buildpacks) from vr-examples' working directory. */
  public static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  /** The name of the swarm {@link #swarmJson} and {@link #swarmYaml} describe. */
  public static final String SWARM = "java_hello-c1-web";
  /** How long a held uptest may block before the runner kills it (the config's uptest timeout then). */
  static final int GATED_UPTEST_TIMEOUT_SECONDS = 900;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final Path dir;
  private PrivateSupervisords supervisors;
  private SupervisorClient h1Supervisor;
  private Fleet fleet;
  private Reconciler reconciler;
  private VrServer server;

  private ServedFleet(Path dir) {
    this.dir = dir;
  }

  /** @return a builder of a fleet in a fresh temporary directory named {@code prefix...} */
  public static Builder builder(String prefix) {
    return new Builder(prefix);
  }

  /** What to serve: hosts, app, tokens, programs besides vr's, a reconciler. */
  public static final class Builder {
    private final String prefix;
    private boolean deadHost;
    private boolean gated;
    private final StringBuilder tokens = new StringBuilder();
    private Optional<String> otherPrograms = Optional.empty();
    private Optional<UnaryOperator<Reconciler.Builder>> reconciler = Optional.empty();

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    /** Adds host h2 (squad {@code gone}) whose supervisord is down: nothing listens on its port. */
    public Builder deadHost() {
      this.deadHost = true;
      return this;
    }

    /** Gives the app the {@code gate} uptest (see the class comment) and a long uptest timeout. */
    public Builder gatedUptest() {
      this.gated = true;
      return this;
    }

    /** Adds an API token: its hash and role go to the config, the token itself nowhere. */
    public Builder token(String name, String token, String role) {
      tokens.append("    - name: ").append(name).append("\n      sha256: ").append(ServeSettings.ApiToken.hash(token))
          .append("\n      role: ").append(role).append('\n');
      return this;
    }

    /** Programs vr did not dispatch, as a Supervisor config file put in h1's include dir before the server starts. */
    public Builder otherPrograms(String supervisorConf) {
      this.otherPrograms = Optional.of(supervisorConf);
      return this;
    }

    /** A reconciler over the fleet's dispatcher, shaped by {@code shape}, given to the server and started. */
    public Builder reconciler(UnaryOperator<Reconciler.Builder> shape) {
      this.reconciler = Optional.of(shape);
      return this;
    }

    /**
     * Starts it all.
     *
     * @return the served fleet; close it
     * @throws Exception if any part does not start (what had started is stopped)
     */
    public ServedFleet start() throws Exception {
      Path dir = Files.createTempDirectory(prefix);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      ServedFleet served = new ServedFleet(dir);
      try {
        served.start(this);
        return served;
      } catch (Exception | Error e) {
        try {
          served.close();
        } catch (Exception | Error closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }
  }

  private void start(Builder b) throws Exception {
    int base = ExampleFiles.freePortBlock(b.deadHost ? 20 : 10);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build()));
    h1Supervisor = SupervisorClient.of(SupervisorEndpoints.builder().credentials("vr", supervisors.password).build()
        .forHost(h1()));
    Path app = EXAMPLES.resolve("apps/java-hello");
    if (b.gated) {
      app = gatedApp();
    }
    StringBuilder yaml = new StringBuilder("store_dir: store\n")
        .append("runner:\n  root: ").append(dir.resolve("apps")).append("\n  install: false\n")
        .append(b.gated ? "  uptest_timeout_seconds: " + GATED_UPTEST_TIMEOUT_SECONDS + "\n" : "")
        .append("supervisor:\n  username: vr\n  password: ").append(supervisors.password).append('\n')
        .append("hosts:\n")
        .append(host("h1", h1().supervisorPort(), base));
    if (b.deadHost) {
      int dead;
      try (ServerSocket s = new ServerSocket(0)) {
        dead = s.getLocalPort();
      }
      yaml.append(host("h2", dead, base + 10));
    }
    yaml.append("squads:\n  - name: s\n    hosts: [h1]\n")
        .append(b.deadHost ? "  - name: gone\n    hosts: [h2]\n" : "")
        .append("apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: ").append(app).append('\n')
        .append("    buildpacks: [").append(EXAMPLES.resolve("buildpacks/java")).append("]\n")
        .append("serve:\n  listen: 127.0.0.1:0\n  tokens:\n").append(b.tokens);
    Files.writeString(configFile(), yaml);
    // the runner's classpath is the real jar (the package phase made it), readable by the procs' user
    try (var local = io.velociraptor.core.remote.LocalCommandRunner.builder().root(dir.resolve("apps").toString()).build()) {
      var install = io.velociraptor.lxc.RunnerInstall.builder().root(dir.resolve("apps")).launcher(dir.resolve("apps/bin/vr-runner"))
          .classpath(List.of(Path.of("target/vr.jar").toAbsolutePath()));
      if (b.gated) {
        // an LXC container has a /tmp of its own, where the gate's files would not be seen
        install.runtime(io.velociraptor.lxc.RuntimeKind.PLAIN);
      }
      install.build().install(local);
    }
    if (b.otherPrograms.isPresent()) {
      Files.writeString(dir.resolve("sup/h1/conf.d/others.conf"), b.otherPrograms.get());
      supervisorctl("update");
    }
    VrConfig config = VrConfig.load(configFile());
    fleet = Fleet.of(config);
    VrServer.Builder server = VrServer.builder().fleet(fleet).settings(config.serve());
    if (b.reconciler.isPresent()) {
      reconciler = b.reconciler.get().apply(Reconciler.builder().dispatcher(fleet.dispatcher())).build();
      server.reconciler(ReconcilerView.of(reconciler));
    }
    this.server = server.start();
    if (reconciler != null) {
      reconciler.start();
    }
  }

  private String host(String name, int supervisorPort, int base) {
    return "  - name: " + name + "\n    address: 127.0.0.1\n    supervisor_port: " + supervisorPort + "\n    port_range: "
        + base + "-" + (base + 10) + "\n    include_dir: " + dir.resolve("sup/" + name + "/conf.d") + "\n";
  }

  /** The example app with the {@code gate} uptest; the gate's files in a directory the procs' user may write. */
  private Path gatedApp() throws Exception {
    Path app = dir.resolve("app");
    FileTrees.copyTree(EXAMPLES.resolve("apps/java-hello"), app, p -> true);
    Path gate = Files.createDirectories(dir.resolve("gate"));
    Files.setPosixFilePermissions(gate, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path script = app.resolve("uptests/web/gate");
    String g = gate.toString();
    // one "reached.<port>" per held uptest; the loop waits on the release file itself (or the gate's removal by
    // close()), bounded by the uptest timeout
    Files.writeString(script, "#!/bin/sh\n# the test's gate: while " + g + "/hold exists, wait for " + g + "/release\n"
        + "if [ -e " + g + "/hold ]; then\n"
        + "  touch " + g + "/reached.$2\n"
        + "  while [ ! -e " + g + "/release ] && [ -d " + g + " ]; do sleep 0.1; done\n"
        + "fi\nexit 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return app;
  }

  /** Closes the gate: from now on an uptest of a new proc waits at it until {@link #release()}. */
  public void hold() throws IOException {
    Files.deleteIfExists(dir.resolve("gate/release"));
    try (var reached = Files.list(dir.resolve("gate"))) {
      for (Path p : reached.toList()) {
        Files.delete(p);
      }
    }
    Files.writeString(dir.resolve("gate/hold"), "");
  }

  /** Waits (up to five minutes: a build may come first) until an uptest waits at the closed gate. */
  public void awaitGateReached() throws Exception {
    await("an uptest of a new proc to reach the closed gate in " + dir.resolve("gate"), () -> {
      try (var files = Files.list(dir.resolve("gate"))) {
        return files.anyMatch(p -> p.getFileName().toString().startsWith("reached."));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, Duration.ofMinutes(5));
  }

  /** Opens the gate: the waiting uptests pass, and later ones pass at once. */
  public void release() throws IOException {
    Files.deleteIfExists(dir.resolve("gate/hold"));
    Files.writeString(dir.resolve("gate/release"), "");
  }

  /** Polls {@code condition} every 100 ms until it holds; fails naming {@code what} after {@code limit}. */
  public static void await(String what, BooleanSupplier condition, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + limit.toSeconds() + " s for " + what + ", in vain");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** @return the fleet's directory (removed by {@link #close()}) */
  public Path dir() {
    return dir;
  }

  /** @return the vr.yaml the fleet and server were made from */
  public Path configFile() {
    return dir.resolve("vr.yaml");
  }

  /** @return host h1, the one with a running supervisord */
  public Host h1() {
    return supervisors.hosts().get(0);
  }

  /** @return the private supervisords */
  public PrivateSupervisords supervisors() {
    return supervisors;
  }

  /** @return an XML-RPC client of h1's supervisord (closed by {@link #close()}) */
  public SupervisorClient h1Supervisor() {
    return h1Supervisor;
  }

  /** @return the fleet the server acts on */
  public Fleet fleet() {
    return fleet;
  }

  /** @return the started server */
  public VrServer server() {
    return server;
  }

  /** @return the reconciler, if the builder asked for one */
  public Reconciler reconciler() {
    return Optional.ofNullable(reconciler).orElseThrow(() -> new IllegalStateException("no reconciler was asked for"));
  }

  /** @return the server's base URL */
  public URI url() {
    return server.url();
  }

  /** Runs {@code supervisorctl ARGS} against h1's supervisord and asserts it exits 0. */
  public void supervisorctl(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("supervisorctl", "-s", "http://127.0.0.1:" + h1().supervisorPort(),
        "-u", "vr", "-p", supervisors.password));
    argv.addAll(List.of(args));
    Process ctl = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(ctl.getInputStream().readAllBytes());
    assertThat(ctl.waitFor(120, TimeUnit.SECONDS)).as("supervisorctl %s exits", List.of(args)).isTrue();
    assertThat(ctl.exitValue()).as(out).isZero();
  }

  /** @return a file of the fleet's directory holding {@code token} (mode 600), as {@code --token-file} takes it */
  public Path tokenFile(String name, String token) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, token + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  /** @return the env every swarm of these tests gets: the JDK the tests run on first on PATH */
  public static String javaPath() {
    return Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin";
  }

  /** @return the JSON swarm file of {@link #SWARM} at version 1 with {@code size} procs on squad s */
  public static String swarmJson(int size) {
    return swarmJson("c1", size, "1", "", "");
  }

  /**
   * The JSON swarm file of app java_hello, proc web, on squad s.
   *
   * @param config the config name: the swarm is {@code java_hello-CONFIG-web}
   * @param env more env members, each as {@code , "KEY": "value"} (a release is its build and its config:
   *     two versions of one source are one release unless their config differs)
   * @param extra more top-level members, each as {@code , "key": value}
   * @return the file at {@code version} with {@code size} procs
   */
  public static String swarmJson(String config, int size, String version, String env, String extra) {
    return "{\"app\": \"java_hello\", \"version\": \"" + version + "\", \"config\": \"" + config + "\","
        + " \"proc\": \"web\", \"squad\": \"s\", \"size\": " + size + ", \"env\": {\"PATH\": \"" + javaPath() + "\"" + env
        + "}" + extra + "}";
  }

  /** @return the YAML swarm file of {@link #SWARM} at version 1 with {@code size} procs on squad s */
  public static String swarmYaml(int size) {
    return "app: java_hello\nversion: '1'\nconfig: c1\nproc: web\nsquad: s\nsize: " + size + "\nenv:\n  PATH: "
        + javaPath() + "\n";
  }

  /** Sends a request to the server (two minutes at most), with {@code token} as Bearer token when given. */
  public HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(120))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** @return the response's body as a JSON object */
  public static Map<String, Object> map(HttpResponse<String> r) throws Exception {
    return VrJson.json().readValue(r.body(), new TypeReference<Map<String, Object>>() { });
  }

  /** @return the response's body as a JSON array */
  public static List<Object> list(HttpResponse<String> r) throws Exception {
    return VrJson.json().readValue(r.body(), new TypeReference<List<Object>>() { });
  }

  /** Polls the run (with {@code token}) until it is finished or paused, for at most three minutes (its build is part of it). */
  public Map<String, Object> awaitFinished(String runId, String token) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      HttpResponse<String> r = send("GET", "/api/runs/" + runId, token, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      Map<String, Object> run = map(r);
      RunState state = RunState.valueOf(((String) run.get("state")).toUpperCase(Locale.ROOT));
      if (state.isTerminal() || state.isPaused()) {
        return run;
      }
      assertThat(System.nanoTime()).as("run %s still %s", runId, run.get("state")).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
  }

  /**
   * Opens the gate (a gate a failed test left closed would hold the server's run, and its close),
   * then stops the server, the reconciler, the fleet and the supervisords and removes the
   * directory: each even if one before failed, the first failure thrown with the others suppressed.
   */
  @Override
  public void close() throws IOException {
    Throwable failed = null;
    AutoCloseable[] parts = {() -> {
      if (Files.isDirectory(dir.resolve("gate"))) {
        release();
      }
    }, server, reconciler, fleet, h1Supervisor, supervisors, () -> FileTrees.deleteTree(dir)};
    for (AutoCloseable part : parts) {
      try {
        if (part != null) {
          part.close();
        }
      } catch (Exception | Error e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed instanceof IOException io) {
      throw io;
    }
    if (failed instanceof RuntimeException re) {
      throw re;
    }
    if (failed instanceof Error err) {
      throw err;
    }
    if (failed != null) {
      throw new IOException("closing the served fleet in " + dir + " failed: " + failed, failed);
    }
  }
}
