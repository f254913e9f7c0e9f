package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.ReconcilePass;
import io.velociraptor.core.deploy.Reconciler;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.core.store.StoredEvent;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.PrivateSupervisords;
import io.velociraptor.examples.cli.VrConfig;
import io.velociraptor.testkit.PostgresCluster;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two {@code vr serve} instances (A and B, each its own config, store_dir and fleet) on one
 * PostgreSQL database, over one private supervisord (host h1), both reconcilers running every
 * second: both serve the API, a dispatch through A is seen live in B's event stream with the same
 * event ids as A's, B's stream resumes with Last-Event-ID, and the reconcilers act one at a time
 * through the database lock, so a proc stopped by hand is replaced by exactly one run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoServersIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String DEPLOY = "deploy-token-two-servers-0123";
  static final String SWARM = "java_hello-c1-web";
  static final Duration LONG = Duration.ofMinutes(3);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  static Path dir;
  static PostgresCluster pg;
  static PrivateSupervisords supervisors;
  static final List<AutoCloseable> owned = new ArrayList<>();
  static Server a;
  static Server b;
  /** The test's own connection to the database: reads the log, holds the reconciler lock. */
  static JdbcStore db;
  static String runId;

  /** One server: its fleet, reconciler and HTTP server. */
  record Server(String name, Fleet fleet, Reconciler reconciler, VrServer http) {}

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-two-servers-it-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    pg = PostgresCluster.start();
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(10);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build()));
    Host h1 = supervisors.hosts().get(0);
    Files.writeString(dir.resolve("pg.pass"), pg.password() + "\n");
    try (var local = io.velociraptor.core.remote.LocalCommandRunner.builder().root(dir.resolve("apps").toString()).build()) {
      io.velociraptor.lxc.RunnerInstall.builder().root(dir.resolve("apps")).launcher(dir.resolve("apps/bin/vr-runner"))
          .classpath(List.of(Path.of("target/vr.jar").toAbsolutePath())).build().install(local);
    }
    a = server("a", h1, base);
    b = server("b", h1, base);
    db = JdbcStore.builder().url(pg.jdbcUrl()).user(pg.user()).password(pg.password()).open();
    owned.add(db);
  }

  /** A server with its own directory and config; the database, the host, the runner and the artifacts are shared. */
  static Server server(String name, Host h1, int base) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    Files.writeString(home.resolve("vr.yaml"), "store_dir: store\n"
        + "store:\n  type: postgres\n  url: " + pg.jdbcUrl() + "\n  user: " + pg.user() + "\n  password_file: ../pg.pass\n"
        // builds are made where a server runs; a shared artifact directory lets either deploy them
        + "artifact_dir: ../artifacts\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n  install: false\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n  include_dir: "
        + dir.resolve("sup/h1/conf.d") + "\n"
        + "hosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + h1.supervisorPort()
        + "\n    port_range: " + base + "-" + (base + 10) + "\n"
        + "squads:\n  - name: s\n    hosts: [h1]\n"
        + "apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: " + EXAMPLES.resolve("apps/java-hello") + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/java") + "]\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tokens:\n"
        + "    - name: ci\n      sha256: " + ServeSettings.ApiToken.hash(DEPLOY) + "\n      role: deploy\n"
        + "  reconcile:\n    interval: 1\n    host_grace: 3\n");
    VrConfig config = VrConfig.load(home.resolve("vr.yaml"));
    Fleet fleet = Fleet.of(config);
    owned.add(fleet);
    var rs = config.serve().reconcile();
    Reconciler reconciler = fleet.reconciler().interval(rs.interval()).hostGrace(rs.hostGrace()).build();
    owned.add(reconciler);
    VrServer http = VrServer.builder().fleet(fleet).settings(config.serve()).reconciler(ReconcilerView.of(reconciler))
        .start();
    owned.add(http);
    reconciler.start();
    return new Server(name, fleet, reconciler, http);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      for (int i = owned.size() - 1; i >= 0; i--) {
        try {
          owned.get(i).close();
        } catch (Exception e) {
          System.err.println("closing " + owned.get(i) + ": " + e);
        }
      }
    } finally {
      try {
        if (supervisors != null) {
          supervisors.close();
        }
      } finally {
        try {
          if (pg != null) {
            pg.close();
          }
        } finally {
          FileTrees.deleteTree(dir);
        }
      }
    }
  }

  static HttpResponse<String> send(Server s, String method, String path, String body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(s.http().url().resolve(path)).timeout(Duration.ofSeconds(120))
        .header("Authorization", "Bearer " + DEPLOY)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, Object> map(String json) throws Exception {
    return VrJson.json().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
  }

  static <T> T await(String what, Supplier<Optional<T>> check) {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (true) {
      Optional<T> v = check.get();
      if (v.isPresent()) {
        return v.get();
      }
      assertThat(System.nanoTime()).as("waited %s for %s", LONG, what).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** One Server-Sent Event. */
  record Event(long id, String type, String data) {}

  /** A client of one server's /api/events: every event it sends, in order, on a queue. */
  static final class Sse implements AutoCloseable {
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final List<Event> seen = new ArrayList<>();
    private final InputStream body;
    private final Thread reader;

    Sse(Server s, Optional<Long> lastEventId) throws Exception {
      HttpRequest.Builder r = HttpRequest.newBuilder(s.http().url().resolve("/api/events"))
          .header("Authorization", "Bearer " + DEPLOY).header("Accept", "text/event-stream");
      lastEventId.ifPresent(id -> r.header("Last-Event-ID", Long.toString(id)));
      HttpResponse<InputStream> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(resp.statusCode()).isEqualTo(200);
      body = resp.body();
      BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      reader = new Thread(() -> {
        long id = 0;
        String type = null;
        StringBuilder data = new StringBuilder();
        try {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isEmpty()) {
              if (type != null) {
                events.add(new Event(id, type, data.toString()));
              }
              type = null;
              data.setLength(0);
            } else if (line.startsWith("id: ")) {
              id = Long.parseLong(line.substring(4));
            } else if (line.startsWith("event: ")) {
              type = line.substring(7);
            } else if (line.startsWith("data: ")) {
              data.append(line.substring(6));
            }
          }
        } catch (java.io.IOException closed) {
          // the test closed the stream
        }
      }, "sse-" + s.name());
      reader.setDaemon(true);
      reader.start();
    }

    /** @return the first event (from now) that matches, waiting up to three minutes; every one read is in {@link #seen} */
    Event await(String what, Predicate<Event> match) throws InterruptedException {
      long deadline = System.nanoTime() + LONG.toNanos();
      while (true) {
        Event e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(e).as("waited %s for %s (seen: %s)", LONG, what, seen).isNotNull();
        seen.add(e);
        if (match.test(e)) {
          return e;
        }
      }
    }

    @Override
    public void close() throws java.io.IOException {
      body.close();
      try {
        reader.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static String swarmJson(int size) {
    return "{\"app\": \"java_hello\", \"version\": \"1\", \"config\": \"c1\", \"proc\": \"web\", \"squad\": \"s\","
        + " \"size\": " + size + ", \"env\": {\"PATH\": \"" + Path.of(System.getProperty("java.home"), "bin")
        + ":/usr/bin:/bin\"}}";
  }

  static boolean ofRun(Event e, String run) {
    return e.data().contains("\"run_id\":\"" + run + "\"");
  }

  @Test
  @Order(1)
  void bothServeTheApiOnOneDatabase() throws Exception {
    for (Server s : List.of(a, b)) {
      HttpResponse<String> health = send(s, "GET", "/api/health", null);
      assertThat(health.statusCode()).as(s.name()).isEqualTo(200);
      assertThat(map(health.body())).containsEntry("store", "ok");
      assertThat(s.fleet().sharedStore()).as(s.name()).isPresent();
    }
  }

  @Test
  @Order(2)
  void aDispatchThroughAIsSeenLiveInBsEventStreamWithTheSameIds() throws Exception {
    try (Sse onA = new Sse(a, Optional.empty()); Sse onB = new Sse(b, Optional.empty())) {
      HttpResponse<String> put = send(a, "PUT", "/api/swarms/" + SWARM, swarmJson(2));
      assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
      runId = (String) map(put.body()).get("run");
      Event doneOnB = onB.await("run_done of " + runId + " on B", e -> e.type().equals("run_done") && ofRun(e, runId));
      Event doneOnA = onA.await("run_done of " + runId + " on A", e -> e.type().equals("run_done") && ofRun(e, runId));
      assertThat(map(send(b, "GET", "/api/runs/" + runId, null).body())).containsEntry("state", "done");
      // one event once per server, under its database id: both streams carry the run's events alike
      List<Event> runOnA = onA.seen.stream().filter(e -> ofRun(e, runId)).toList();
      List<Event> runOnB = onB.seen.stream().filter(e -> ofRun(e, runId)).toList();
      assertThat(runOnB).isEqualTo(runOnA);
      assertThat(runOnB).extracting(Event::type).contains("run_started", "planned", "proc_started", "run_done")
          .containsOnlyOnce("run_started", "run_done");
      assertThat(runOnB).extracting(Event::id).isSorted().doesNotHaveDuplicates();
      assertThat(doneOnB).isEqualTo(doneOnA);
      List<StoredEvent> logged = db.events().after(0, 10_000).stream().filter(e -> e.json().contains(runId)).toList();
      assertThat(logged).extracting(StoredEvent::id).containsExactlyElementsOf(runOnB.stream().map(Event::id).toList());
    }
  }

  @Test
  @Order(3)
  void bsStreamResumesAfterTheLastEventIdItWasGiven() throws Exception {
    List<StoredEvent> logged = db.events().after(0, 10_000).stream().filter(e -> e.json().contains(runId)).toList();
    StoredEvent started = logged.get(0);
    try (Sse resumed = new Sse(b, Optional.of(started.id()))) {
      resumed.await("run_done of " + runId, e -> e.type().equals("run_done") && ofRun(e, runId));
      assertThat(resumed.seen.get(0).id()).as("the event after the one given").isGreaterThan(started.id());
      assertThat(resumed.seen.stream().filter(e -> ofRun(e, runId)).map(Event::id).toList())
          .containsExactlyElementsOf(logged.subList(1, logged.size()).stream().map(StoredEvent::id).toList());
    }
  }

  /** @return the swarm's procs on h1 as its supervisord reports them */
  static List<ObservedProc> procs(Server s, Swarm swarm) {
    List<ObservedProc> out = new ArrayList<>();
    for (HostSnapshot h : s.fleet().observeHosts()) {
      for (ObservedProc p : h.procs()) {
        if (p.name() instanceof ProcName.Ours o && o.swarmId().equals(swarm.id())) {
          out.add(p);
        }
      }
    }
    return out;
  }

  @Test
  @Order(4)
  void whileTheLockIsHeldNeitherReconcilerActsThenExactlyOneRunReplacesAProcStoppedByHand() throws Exception {
    Swarm swarm = a.fleet().store().swarms().stream().filter(s -> s.name().equals(SWARM)).findFirst().orElseThrow();
    int runsBefore = a.fleet().store().history(swarm.id()).size();
    List<ObservedProc> before = procs(a, swarm);
    assertThat(before).hasSize(2).allSatisfy(p -> assertThat(p.state()).isEqualTo(ProcState.RUNNING));
    ObservedProc victim = before.get(0);
    Host h1 = a.fleet().fleetConfig().host(HostName.of("h1"));
    long eventsBefore = db.events().lastId();
    // the test holds the reconcilers' lock: a pass of either server finds it taken and does nothing
    // (a pass in flight holds it for a moment: take it as soon as it is free)
    boolean held = await("the reconcilers' lock", () -> db.exclusively(Fleet.RECONCILER_LOCK, () -> {
      a.fleet().procs().stop(h1, victim.name());
      assertThat(procs(a, swarm)).filteredOn(p -> p.name().equals(victim.name()))
          .singleElement().satisfies(p -> assertThat(p.state()).isNotEqualTo(ProcState.RUNNING));
      for (Server s : List.of(a, b)) {
        ReconcilePass pass = s.reconciler().runOnce();
        assertThat(pass.actions()).as("server %s acted while another held the lock", s.name()).isEmpty();
      }
      assertThat(a.fleet().store().history(swarm.id())).as("no run began under the lock").hasSize(runsBefore);
      return true;
    }));
    assertThat(held).as("the test took the reconcilers' lock").isTrue();

    // released: one of the two servers' reconcilers (every second) replaces the proc
    SwarmRun repair = await("a reconcile run of " + SWARM + " that finished", () -> a.fleet().store()
        .history(swarm.id()).stream().skip(runsBefore).filter(r -> r.state().isTerminal()).findFirst());
    assertThat(repair.state()).as(repair.toString()).isEqualTo(RunState.DONE);
    await("two running procs of " + SWARM + ", the stopped one gone", () -> Optional.of(procs(b, swarm))
        .filter(ps -> ps.size() == 2 && ps.stream().allMatch(p -> p.state() == ProcState.RUNNING
            && !p.name().equals(victim.name()))));
    // a pass of each server now: nothing left to do, and still that one run
    for (Server s : List.of(a, b)) {
      assertThat(s.reconciler().runOnce().actions()).as(s.name()).isEmpty();
    }
    assertThat(a.fleet().store().history(swarm.id())).as("exactly one repair run").hasSize(runsBefore + 1);
    List<StoredEvent> actions = db.events().after(eventsBefore, 10_000).stream()
        .filter(e -> e.type().equals("reconcile_action")).toList();
    assertThat(actions).as("one reconcile action across both servers").singleElement()
        .satisfies(e -> assertThat(e.json()).contains(repair.id()));
  }

  @Test
  @Order(5)
  void vrEventsWithEitherConfigPrintsTheDatabaseLogWithTheReconcilersRepair() throws Exception {
    for (String name : List.of("a", "b")) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.io.PrintStream old = System.out;
      int exit;
      synchronized (System.class) {
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
          exit = io.velociraptor.examples.cli.VrMain.run("--config", dir.resolve(name + "/vr.yaml").toString(), "events");
        } finally {
          System.setOut(old);
        }
      }
      String text = out.toString(StandardCharsets.UTF_8);
      assertThat(exit).as(text).isZero();
      assertThat(text).contains(runId + "  done: ").containsPattern("reconciler  swarm " + SWARM + ": run \\S+ done \\(reconcile: ");
    }
  }
}
