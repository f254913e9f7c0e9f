package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.Reconciler;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.VrConfig;
import io.velociraptor.supervisor.ProcessInfo;
import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.events.EventListenerSection;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host's Supervisor events reach {@code vr serve}: a private supervisord runs two
 * {@code [eventlistener:x]} sections rendered by {@link EventListenerSection} (as an operator adds
 * them), each a real {@code EventListenerMain --post} JVM posting to a real {@link VrServer}, one
 * with a deploy token and one with a wrong token. The server's reconciler passes every 10 minutes,
 * so after its first pass only a nudge can run one. A program killed with SIGKILL goes EXITED: the
 * event reaches the server and the reconciler runs a pass whose reason names it; the listener with
 * the wrong token logs a 401 for each event (never the token), acknowledges each one, and
 * supervisord goes on working.
 */
class SupervisorEventsIT {
  private static final String DEPLOY = "deploy-token-for-supervisor-events-it";
  private static final String WRONG = "wrong-token-for-supervisor-events-it";
  private static final Duration DEADLINE = Duration.ofSeconds(120);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Path dir;
  private SupervisordFixture supervisord;
  private Fleet fleet;
  private Reconciler reconciler;
  private VrServer server;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("vr-supervisor-events-it-");
    supervisord = SupervisordFixture.start();
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(10);
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\n"
        + "supervisor:\n  username: " + supervisord.username() + "\n  password: " + supervisord.password() + "\n"
        + "hosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + supervisord.port()
        + "\n    port_range: " + base + "-" + (base + 9) + "\n    include_dir: " + supervisord.includeDir() + "\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tokens:\n"
        + "    - name: events\n      sha256: " + ServeSettings.ApiToken.hash(DEPLOY) + "\n      role: deploy\n");
    VrConfig config = VrConfig.load(dir.resolve("vr.yaml"));
    fleet = Fleet.of(config);
    reconciler = Reconciler.builder().dispatcher(fleet.dispatcher()).interval(Duration.ofMinutes(10)).build();
    server = VrServer.builder().fleet(fleet).settings(config.serve()).reconciler(ReconcilerView.of(reconciler)).start();
    reconciler.start();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (supervisord != null) {
        supervisord.close(); // stops the listeners first: they would post to a closed server
      }
    } finally {
      try {
        if (server != null) {
          server.close();
        }
        if (reconciler != null) {
          reconciler.close();
        }
        if (fleet != null) {
          fleet.close();
        }
      } finally {
        FileTrees.deleteTree(dir);
      }
    }
  }

  private Path tokenFile(String name, String token) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, token + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  /** The section an operator adds, with this JVM's java and classpath (a host's would be its vr.jar). */
  private String listener(String name, Path tokenFile, Path log) {
    return EventListenerSection.render(name, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        System.getProperty("java.class.path"), server.url().resolve("/api/supervisor-events"), tokenFile,
        Optional.empty(), Optional.of(log));
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void await(String what, Supplier<Boolean> condition, Supplier<Object> seen) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + DEADLINE.toSeconds() + " s waiting for " + what
            + "; last seen: " + seen.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private Map<String, Object> status() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.url().resolve("/api/reconciler"))
          .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + DEPLOY).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return VrJson.json().readValue(r.body(), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String reason(Map<String, Object> status) {
    return String.valueOf(status.get("last_pass_reason"));
  }

  @Test
  void aKilledProcsEventReachesTheServerAndNudgesAPassWhileAListenerWithAWrongTokenLogs401AndAcksEveryEvent()
      throws Exception {
    SupervisorClient c = supervisord.client();
    Path goodLog = dir.resolve("vr-events.err");
    Path badLog = dir.resolve("vr-events-bad.err");
    supervisord.writeInclude("vr-events.conf", listener("vr-events", tokenFile("events.token", DEPLOY), goodLog)
        + "\n" + listener("vr-events-bad", tokenFile("bad.token", WRONG), badLog)
        + "\n[program:evtarget]\ncommand=/bin/sleep 1000\nautostart=false\nautorestart=false\nstartsecs=1\n");
    c.reloadConfig();
    c.addProcessGroup("vr-events");
    c.addProcessGroup("vr-events-bad");
    c.addProcessGroup("evtarget");
    await("both listeners RUNNING", () -> c.getProcessInfo("vr-events").state() == ProcState.RUNNING
        && c.getProcessInfo("vr-events-bad").state() == ProcState.RUNNING,
        () -> c.getAllProcessInfo() + "\n" + read(goodLog) + read(badLog));
    long badPid = c.getProcessInfo("vr-events-bad").pid().orElseThrow();
    // the first pass runs at start; any later one can only be a nudge's (the listeners' own events nudge too)
    await("the first pass", () -> status().get("last_pass") != null, this::status);

    c.startProcess("evtarget", true);
    ProcessInfo target = c.getProcessInfo("evtarget");
    assertThat(target.state()).isEqualTo(ProcState.RUNNING);
    ProcessHandle victim = ProcessHandle.of(target.pid().orElseThrow()).orElseThrow();
    assertThat(victim.destroyForcibly()).as("SIGKILL to evtarget's pid %s", victim.pid()).isTrue();
    await("evtarget EXITED in Supervisor", () -> c.getProcessInfo("evtarget").state() == ProcState.EXITED,
        () -> c.getProcessInfo("evtarget"));

    // the next scheduled pass is 10 minutes away: a pass whose reason names the event is the nudge's
    await("a reconciler pass nudged by evtarget's EXITED event", () -> reason(status())
        .matches("nudged: .*supervisor: PROCESS_STATE_EXITED evtarget.*"), () -> status() + "\n" + read(goodLog));
    assertThat(read(goodLog)).contains("vr-events: posting every event to " + server.url().resolve("/api/supervisor-events"))
        .doesNotContain("refused").doesNotContain(DEPLOY);

    // the wrong token: each of evtarget's events refused with 401 and logged without the token, in order,
    // so each one before was acknowledged (Supervisor sends a listener its next event only after its result)
    await("the wrong-token listener's 401 for evtarget's EXITED", () -> read(badLog)
        .contains("of PROCESS_STATE_EXITED evtarget refused: HTTP 401"), () -> read(badLog));
    String bad = read(badLog);
    assertThat(bad).contains("of PROCESS_STATE_STARTING evtarget refused: HTTP 401")
        .contains("of PROCESS_STATE_RUNNING evtarget refused: HTTP 401")
        .contains("the token in --token-file is not one of the server's API tokens")
        .doesNotContain(WRONG).doesNotContain(DEPLOY);
    assertThat(bad.indexOf("PROCESS_STATE_STARTING evtarget")).isLessThan(bad.indexOf("PROCESS_STATE_RUNNING evtarget"));
    assertThat(bad.indexOf("PROCESS_STATE_RUNNING evtarget")).isLessThan(bad.indexOf("PROCESS_STATE_EXITED evtarget"));
    // the listener was never restarted, and supervisord still serves: evtarget starts again, and that event gets through too
    assertThat(c.getProcessInfo("vr-events-bad").pid()).hasValue(badPid);
    assertThat(c.getProcessInfo("vr-events-bad").state()).isEqualTo(ProcState.RUNNING);
    assertThat(c.startProcess("evtarget", true)).isTrue();
    await("the 401 for evtarget's second RUNNING", () -> read(badLog).split("PROCESS_STATE_RUNNING evtarget", -1).length > 2,
        () -> read(badLog));
    await("a pass nudged by evtarget's second RUNNING", () -> reason(status())
        .matches("nudged: .*supervisor: PROCESS_STATE_RUNNING evtarget.*"), this::status);
  }
}
