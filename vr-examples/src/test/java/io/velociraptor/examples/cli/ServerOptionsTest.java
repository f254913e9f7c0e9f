package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.examples.cli.CliConfigFixture.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --server}, {@code --token-file} and their environment variables, and how the CLI maps a
 * server's error answers, against a small real HTTP server on loopback that answers in the shape
 * docs/api.md gives (canned answers: what the CLI does with them is under test, not a server).
 */
class ServerOptionsTest {
  static final String TOKEN = "s3cr3t-token-value";

  @TempDir Path tmp;
  HttpServer http;
  String url;
  Path tokenFile;
  final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
  /** path → status and JSON body */
  final Map<String, Map.Entry<Integer, String>> answers = new ConcurrentHashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", ex -> {
      requests.add(Map.of("method", ex.getRequestMethod(), "path", ex.getRequestURI().toString(),
          "authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization"))));
      ex.getRequestBody().readAllBytes();
      var a = answers.getOrDefault(ex.getRequestURI().getPath(),
          Map.entry(404, "{\"error\":\"no such route\",\"exit_code\":2,\"status\":404}"));
      byte[] body = a.getValue().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
      ex.sendResponseHeaders(a.getKey(), body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    http.start();
    url = "http://127.0.0.1:" + http.getAddress().getPort();
    tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, "  " + TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
  }

  @AfterEach
  void stopServer() {
    http.stop(0);
  }

  static Result vr(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = VrMain.run(env::get, new PrintWriter(out), new PrintWriter(err), args);
    return new Result(exit, out.toString(), err.toString());
  }

  Result vr(String... args) {
    return vr(Map.of(), args);
  }

  void answer(String path, int status, String json) {
    answers.put(path, Map.entry(status, json));
  }

  static void assertNoToken(Result r) {
    assertThat(r.out() + r.err()).as(r.toString()).doesNotContain(TOKEN);
  }

  @Test
  void theTokenIsReadFromItsFileTrimmedAndSentAsABearerTokenOnly() {
    answer("/api/swarms", 200, "[]");
    answer("/api/runs", 200, "[]");
    Result r = vr("--server", url, "--token-file", tokenFile.toString(), "swarms");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(requests).extracting(m -> m.get("authorization")).containsOnly("Bearer " + TOKEN);
    assertThat(requests).extracting(m -> m.get("path")).containsExactly("/api/swarms", "/api/runs");
    assertThat(r.out()).contains("SWARM").contains("(none)");
    assertNoToken(r);
  }

  @Test
  void theServerAndTheTokenFileComeFromTheEnvironmentWhenNoOptionGivesThem() {
    answer("/api/runs", 200, "[]");
    Result r = vr(Map.of("VR_SERVER", url, "VR_TOKEN_FILE", tokenFile.toString()), "runs", "--json");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().strip()).isEqualTo("[ ]");
    assertThat(requests).singleElement().satisfies(m -> {
      assertThat(m.get("path")).isEqualTo("/api/runs");
      assertThat(m.get("authorization")).isEqualTo("Bearer " + TOKEN);
    });
  }

  @Test
  void aTokenFileThatGroupOrOthersMayReadIsRefusedNamingTheFileNeverTheToken() throws IOException {
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-r--r--"));
    Result r = vr("--server", url, "--token-file", tokenFile.toString(), "swarms");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.INVALID);
    assertThat(r.err()).contains(tokenFile.toString()).contains("chmod 600");
    assertThat(requests).as("nothing sent").isEmpty();
    assertNoToken(r);

    Result missing = vr("--server", url, "--token-file", tmp.resolve("nosuch").toString(), "swarms");
    assertThat(missing.exit()).isEqualTo(VrMain.INVALID);
    assertThat(missing.err()).contains("nosuch").contains("does not exist");
  }

  @Test
  void anUnreachableServerExits3NamingItsUrlNeverTheToken() throws IOException {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Result r = vr("--server", "http://127.0.0.1:" + dead, "--token-file", tokenFile.toString(), "procs");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    assertThat(r.err()).contains("cannot reach the vr server at http://127.0.0.1:" + dead).contains("hint: ");
    assertNoToken(r);
  }

  @Test
  void aBadServerUrlIsRefusedNamingIt() {
    Result r = vr("--server", "ftp://example.org", "swarms");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.INVALID);
    assertThat(r.err()).contains("--server").contains("ftp://example.org");
    Result withUser = vr("--server", "http://me:pw@127.0.0.1:1", "swarms");
    assertThat(withUser.exit()).isEqualTo(VrMain.INVALID);
    assertThat(withUser.err()).doesNotContain("pw@");
  }

  @Test
  void anErrorAnswerBecomesTheSameErrorHintAndExitCodeAsLocally() {
    answer("/api/swarms/nosuch", 404, "{\"error\":\"swarm nosuch is not a stored swarm (`vr swarms` lists them)\","
        + "\"hint\":\"fix the value named above\",\"exit_code\":2,\"status\":404}");
    Result text = vr("--server", url, "--token-file", tokenFile.toString(), "swarm", "show", "nosuch");
    assertThat(text.exit()).as(text.toString()).isEqualTo(VrMain.INVALID);
    assertThat(text.err()).isEqualTo("vr: error: swarm nosuch is not a stored swarm (`vr swarms` lists them)\n"
        + "hint: fix the value named above\n");
    assertThat(text.out()).isEmpty();

    Result json = vr("--server", url, "--token-file", tokenFile.toString(), "--json", "swarm", "show", "nosuch");
    Map<?, ?> m = JsonErrorsTest.jsonError(new Result(json.exit(), json.out(), json.err()));
    assertThat(m.get("error")).isEqualTo("swarm nosuch is not a stored swarm (`vr swarms` lists them)");
    assertThat(m.get("exit_code")).isEqualTo(2);

    answer("/api/swarms/app-c-web/restart", 409, "{\"error\":\"swarm app-c-web is busy: run abcd-3 is live\","
        + "\"run\":\"abcd-3\",\"exit_code\":3,\"status\":409}");
    answer("/api/events", 200, ""); // a stream that ends at once: the refusal comes first
    Result busy = vr("--server", url, "--token-file", tokenFile.toString(), "restart", "app-c-web");
    assertThat(busy.exit()).as(busy.toString()).isEqualTo(VrMain.ERROR);
    assertThat(busy.err()).contains("run abcd-3 is live");
    Map<?, ?> busyJson = JsonErrorsTest.jsonError(vr("--server", url, "--token-file", tokenFile.toString(), "--json", "restart",
        "app-c-web"));
    assertThat(busyJson.get("run")).as("the busy run, as the server named it").isEqualTo("abcd-3");
    assertThat(busyJson.get("exit_code")).isEqualTo(3);
  }

  @Test
  void anErrorWithoutAnExitCodeGetsTheContractsCodeForItsStatus() {
    answer("/api/swarms", 400, "{\"error\":\"size -1 must be between 0 and 200\"}");
    assertThat(vr("--server", url, "swarms").exit()).isEqualTo(VrMain.INVALID);
    answer("/api/swarms", 503, "{\"error\":\"host h1 is unreachable\"}");
    Result r = vr("--server", url, "swarms");
    assertThat(r.exit()).isEqualTo(VrMain.ERROR);
    assertThat(r.err()).contains("host h1 is unreachable");
    answer("/api/swarms", 502, "<html>bad gateway</html>");
    Result proxy = vr("--server", url, "swarms");
    assertThat(proxy.exit()).isEqualTo(VrMain.ERROR);
    assertThat(proxy.err()).contains("answered HTTP 502");
  }

  @Test
  void aRefusedTokenSaysHowToGiveOneAndNeverEchoesIt() {
    answer("/api/procs", 401, "{\"error\":\"a valid API token is required\",\"status\":401}");
    Result r = vr("--server", url, "--token-file", tokenFile.toString(), "procs");
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    assertThat(r.err()).contains("a valid API token is required").contains("--token-file");
    assertNoToken(r);
  }

  @Test
  void commandsThatActOnlyLocallyRefuseAServer() {
    for (List<String> args : List.of(List.of("demo"), List.of("reconcile"), List.of("proc", "delete", "h1", "p"),
        List.of("simulate", "swarm.yaml", "--snapshot", "f.json"), List.of("dispatch", "--all"))) {
      List<String> all = new java.util.ArrayList<>(List.of("--server", url));
      all.addAll(args);
      Result r = vr(all.toArray(String[]::new));
      assertThat(r.exit()).as(args + ": " + r).isEqualTo(VrMain.INVALID);
      assertThat(r.err()).as(args + ": " + r).contains("only locally");
    }
    assertThat(requests).as("nothing sent").isEmpty();
    Result help = vr("--server", url, "demo", "--help");
    assertThat(help.exit()).as("help is still shown").isZero();
  }

  @Test
  void showSecretsIsRefusedThroughAServer() {
    Result r = vr("--server", url, "--show-secrets", "swarms");
    assertThat(r.exit()).isEqualTo(VrMain.INVALID);
    assertThat(r.err()).contains("--show-secrets").contains("only locally");
  }

  @Test
  void aServersAnswerIsRenderedAsTheLocalResultWouldBe() {
    answer("/api/procs", 200, VrJson.writeJson(Map.of(
        "hosts", List.of(Map.of("host", "h1", "reachable", true), Map.of("host", "h2", "reachable", false,
            "unreachable_reason", "connection refused")),
        "procs", List.of(Map.of("host", "h1", "name", "legacy_app", "kind", "foreign", "state", "RUNNING",
            "port", "", "swarm_id", "", "uptime_seconds", 75)))));
    Result r = vr("--server", url, "procs");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("host h2 is UNREACHABLE: connection refused (its procs are unknown)")
        .contains("h1    legacy_app  foreign  RUNNING").contains("1m15s");
  }

  /** The events of a run as the server's stream sends them, with an event of another run among them. */
  static String stream(List<io.velociraptor.core.deploy.DispatchEvent> events) {
    StringBuilder b = new StringBuilder(": keepalive\n\n");
    int id = 1;
    for (var e : events) {
      b.append("id: ").append(id++).append("\nevent: x\ndata: ")
          .append(io.velociraptor.core.deploy.JsonLinesEventSink.line(e)).append("\n\n");
    }
    return b.toString();
  }

  @Test
  void aDispatchThroughAServerPrintsItsRunsProgressAndSummaryAndExitsAsTheRunEnded() throws IOException {
    var swarmId = io.velociraptor.core.model.SwarmId.derivedFrom("app1-c-web");
    String runId = swarmId.value() + "-1";
    java.time.Instant t = java.time.Instant.parse("2026-12-03T10:00:01Z");
    var owner = new io.velociraptor.core.model.SwarmRun.Owner("vm", "boot-1", 42, java.util.Optional.of(t));
    var host = io.velociraptor.core.model.HostName.of("h1");
    List<io.velociraptor.core.deploy.DispatchEvent> ours = List.of(
        new io.velociraptor.core.deploy.DispatchEvent.RunStarted(runId, t, "app1-c-web", swarmId.value(), "trace-1"),
        new io.velociraptor.core.deploy.DispatchEvent.Planned(runId, t, "1 to start", "THE PLAN AS RENDERED"),
        new io.velociraptor.core.deploy.DispatchEvent.ProcStarting(runId, t.plusSeconds(1), host, "app1-c-web-x", 5001),
        new io.velociraptor.core.deploy.DispatchEvent.RunDone(runId, t.plusSeconds(2), "1 started"));
    String other = io.velociraptor.core.model.SwarmId.derivedFrom("other-c-web").value() + "-7";
    List<io.velociraptor.core.deploy.DispatchEvent> all = new java.util.ArrayList<>();
    all.add(new io.velociraptor.core.deploy.DispatchEvent.Warning(other, t, "ANOTHER RUN'S WARNING"));
    all.addAll(ours);
    answer("/api/events", 200, stream(all));
    answer("/api/swarms/app1-c-web", 202, "{\"run\":\"" + runId + "\",\"swarm\":\"app1-c-web\",\"swarm_id\":\""
        + swarmId.value() + "\"}");
    var run = io.velociraptor.core.model.SwarmRun.begin(runId, swarmId, "trace-1", owner, t)
        .withState(io.velociraptor.core.model.RunState.DONE, "1 started", t.plusSeconds(2));
    answer("/api/runs/" + runId, 200, VrJson.writeJson(run));
    Path swarm = tmp.resolve("swarm.yaml");
    Files.writeString(swarm, "app: app1\nversion: '1'\nconfig: c\nproc: web\nsquad: s\nsize: 1\n");

    Result r = vr("--server", url, "dispatch", swarm.toString());
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().lines().toList()).containsExactly(
        "swarm app1-c-web has id " + swarmId.value() + " (put `id: " + swarmId.value() + "` in the file to keep it across renames)",
        "10:00:01  " + ours.get(0).describe(),
        "THE PLAN AS RENDERED",
        "10:00:02  " + ours.get(2).describe(),
        "10:00:03  " + ours.get(3).describe(),
        "run " + runId + ": done (1 to start)");
    assertThat(requests).extracting(m -> m.get("method") + " " + m.get("path"))
        .containsSubsequence("GET /api/events", "PUT /api/swarms/app1-c-web", "GET /api/runs/" + runId);

    Result json = vr("--server", url, "--json", "dispatch", swarm.toString());
    assertThat(json.exit()).as(json.toString()).isZero();
    assertThat(json.out().lines().toList()).as("the run's events only, as local dispatch prints them")
        .containsExactlyElementsOf(ours.stream().map(io.velociraptor.core.deploy.JsonLinesEventSink::line).toList());

    answer("/api/runs/" + runId, 200, VrJson.writeJson(io.velociraptor.core.model.SwarmRun.begin(runId, swarmId,
        "trace-1", owner, t).withState(io.velociraptor.core.model.RunState.FAILED, "uptest failed", t.plusSeconds(2))));
    List<io.velociraptor.core.deploy.DispatchEvent> failing = new java.util.ArrayList<>(ours.subList(0, 3));
    failing.add(new io.velociraptor.core.deploy.DispatchEvent.RunFailed(runId, t.plusSeconds(2),
        io.velociraptor.core.model.RunState.FAILED, "uptest failed"));
    answer("/api/events", 200, stream(failing));
    Result failed = vr("--server", url, "dispatch", swarm.toString());
    assertThat(failed.exit()).as(failed.toString()).isEqualTo(VrMain.CHANGES);
    assertThat(failed.out()).contains("run " + runId + ": failed (1 to start): uptest failed");
  }

  static void keytool(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("keytool " + args[0]).isTrue();
    assertThat(p.exitValue()).as("keytool " + args[0] + ": " + out).isZero();
  }

  @Test
  void anHttpsServerIsTrustedThroughServerCaAndRefusedWithoutIt() throws Exception {
    keytool(tmp, "-genkeypair", "-alias", "vr", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", "server.p12",
        "-storepass", "changeit", "-keypass", "changeit");
    keytool(tmp, "-exportcert", "-rfc", "-alias", "vr", "-keystore", "server.p12", "-storepass", "changeit",
        "-file", "ca.pem");
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(tmp.resolve("server.p12"))) {
      ks.load(in, "changeit".toCharArray());
    }
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
        new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ctx));
    https.createContext("/", ex -> {
      byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    https.start();
    try {
      String at = "https://127.0.0.1:" + https.getAddress().getPort();
      Result trusted = vr("--server", at, "--server-ca", tmp.resolve("ca.pem").toString(), "--json", "runs");
      assertThat(trusted.exit()).as(trusted.toString()).isZero();
      assertThat(trusted.out().strip()).isEqualTo("[ ]");

      Result unknown = vr("--server", at, "runs");
      assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(VrMain.ERROR);
      assertThat(unknown.err()).contains("cannot reach the vr server at " + at).contains("--server-ca");

      Files.writeString(tmp.resolve("junk.pem"), "not a certificate");
      Result junk = vr("--server", at, "--server-ca", tmp.resolve("junk.pem").toString(), "runs");
      assertThat(junk.exit()).as(junk.toString()).isEqualTo(VrMain.INVALID);
      assertThat(junk.err()).contains("junk.pem");
    } finally {
      https.stop(0);
    }
  }
}
