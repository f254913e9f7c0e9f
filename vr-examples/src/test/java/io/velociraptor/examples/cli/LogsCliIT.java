package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code vr logs SWARM} with the real jar over two private supervisords: the end of every proc's
 * log, each line prefixed with its host and proc, one proc with {@code --proc}, JSON lines, and
 * {@code --follow} across a dispatch that replaces every proc (the new procs join, the old end).
 * The app is busybox httpd logging each request it serves, so the test writes the log lines it
 * then looks for by asking each proc for a path of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LogsCliIT {
  static final String SWARM = "talk-c1-web";
  static Path dir;
  static PrivateSupervisords supervisors;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-logs-it-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(20);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build(),
        Host.builder().name(HostName.of("h2")).address("127.0.0.1").portRange(PortRange.of(base + 10, base + 20)).build()));
    Path app = Files.createDirectories(dir.resolve("app"));
    Files.createDirectories(app.resolve("bin"));
    Files.createDirectories(app.resolve("www"));
    Files.writeString(app.resolve("www/index.html"), "talking\n");
    Files.writeString(app.resolve("Procfile"), "web: bin/serve\n");
    Files.writeString(app.resolve("bin/serve"), "#!/bin/sh\nset -eu\ncd \"$(dirname \"$0\")/..\"\necho \"talk up on $PORT\"\n"
        + "exec busybox httpd -f -vv -p \"$PORT\" -h www\n");
    Files.setPosixFilePermissions(app.resolve("bin/serve"), PosixFilePermissions.fromString("rwxr-xr-x"));
    StringBuilder hosts = new StringBuilder();
    for (Host h : supervisors.hosts()) {
      hosts.append("  - name: ").append(h.name()).append("\n    address: 127.0.0.1\n    supervisor_port: ")
          .append(h.supervisorPort()).append("\n    port_range: ").append(h.portRange().start()).append('-')
          .append(h.portRange().endExclusive()).append("\n    include_dir: ")
          .append(dir.resolve("sup").resolve(h.name().value()).resolve("conf.d")).append('\n');
    }
    Path examples = Path.of("src/main/resources/examples").toAbsolutePath();
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\nrunner:\n  root: " + dir.resolve("apps") + "\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "hosts:\n" + hosts + "squads:\n  - name: s\n    hosts: [h1, h2]\n"
        + "apps:\n  - name: talk\n    repo_type: local\n    repo_url: " + app + "\n"
        + "    buildpacks: [" + examples.resolve("buildpacks/procfile") + "]\n");
    for (String v : List.of("1", "2")) {
      Files.writeString(dir.resolve("swarm-" + v + ".yaml"), "app: talk\nversion: '" + v + "'\nconfig: c1\nproc: web\n"
          + "squad: s\nsize: 2\n");
    }
    VrJar.Result r = VrJar.run(dir, "dispatch", "swarm-1.yaml");
    assertThat(r.exit()).as(r.toString()).isZero();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (supervisors != null) {
        supervisors.close();
      }
    } finally {
      FileTrees.deleteTree(dir);
    }
  }

  /** A proc: its host, program name and port, from {@code vr procs --json}. */
  record Proc(String host, String name, int port) {}

  @SuppressWarnings("unchecked")
  static List<Proc> procs() throws Exception {
    Map<String, Object> m = VrJson.json().readValue(VrJar.run(dir, "procs", "--json", "--swarm", SWARM).out(),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    List<Proc> out = new ArrayList<>();
    for (Map<String, Object> r : (List<Map<String, Object>>) m.get("procs")) {
      out.add(new Proc((String) r.get("host"), (String) r.get("name"), ((Number) r.get("port")).intValue()));
    }
    return out;
  }

  /** Asks the proc for a path of its own; busybox httpd logs the request's url (a 404 is as good). */
  static void ask(Proc p, String path) throws Exception {
    HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isIn(200, 404);
  }

  @Test
  @Order(1)
  void theEndOfEveryProcsLogEachLinePrefixedWithItsHostAndProc() throws Exception {
    List<Proc> procs = procs();
    assertThat(procs).hasSize(2).extracting(Proc::host).containsExactlyInAnyOrder("h1", "h2");
    for (Proc p : procs) {
      ask(p, "/backlog-" + p.port());
    }
    VrJar.Result r = VrJar.run(dir, "logs", SWARM);
    assertThat(r.exit()).as(r.toString()).isZero();
    for (Proc p : procs) {
      assertThat(r.out()).contains(p.host() + " " + p.name() + " | talk up on " + p.port())
          .contains(p.host() + " " + p.name() + " | ")
          .containsPattern(p.host() + " " + p.name() + " \\| .*url:/backlog-" + p.port());
    }
    // no line of one proc under the other's name
    for (String line : r.out().lines().filter(l -> l.contains("url:/backlog-")).toList()) {
      Proc p = procs.stream().filter(x -> line.startsWith(x.host() + " " + x.name() + " | ")).findFirst().orElseThrow();
      assertThat(line).endsWith("url:/backlog-" + p.port());
    }

    // the same lines to a syslog receiver (RFC 5424 over TCP, octet-counted frames)
    try (java.net.ServerSocket rx = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      java.util.concurrent.CompletableFuture<String> got = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.net.Socket s = rx.accept(); var in = s.getInputStream()) {
          return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8); // until vr closes the drain
        } catch (java.io.IOException e) {
          return "receiver failed: " + e;
        }
      });
      VrJar.Result drained = VrJar.run(dir, "logs", SWARM, "--drain", "syslog+tcp://127.0.0.1:" + rx.getLocalPort());
      assertThat(drained.exit()).as(drained.toString()).isZero();
      String frames = got.get(60, java.util.concurrent.TimeUnit.SECONDS);
      for (Proc p : procs) {
        assertThat(frames).containsPattern("\\d+ <14>1 \\S+ " + p.host() + " " + SWARM + " " + p.name() + " - - .*url:/backlog-"
            + p.port());
      }
    }
    VrJar.Result badDrain = VrJar.run(dir, "logs", SWARM, "--drain", "http://127.0.0.1:1");
    assertThat(badDrain.exit()).isNotZero();
    assertThat(badDrain.err()).contains("http://127.0.0.1:1");

    Proc one = procs.get(0);
    VrJar.Result only = VrJar.run(dir, "logs", SWARM, "--proc", one.name());
    assertThat(only.out()).contains("url:/backlog-" + one.port()).doesNotContain("url:/backlog-" + procs.get(1).port());

    VrJar.Result json = VrJar.run(dir, "--json", "logs", SWARM);
    assertThat(json.exit()).isZero();
    List<String> lines = json.out().lines().toList();
    assertThat(lines).isNotEmpty();
    for (String l : lines) {
      Map<String, Object> m = VrJson.json().readValue(l, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
      assertThat(m).containsKeys("host", "proc", "line", "read_at");
    }
    assertThat(lines).anyMatch(l -> l.contains("\"line\":\"") && l.contains("url:/backlog-" + one.port()));
  }

  @Test
  @Order(2)
  void procLogsFollowPrintsWhatOneProcWritesAsItComes() throws Exception {
    Proc p = procs().get(0);
    try (VrJar.Running f = VrJar.start(dir, "proc", "logs", p.host(), p.name(), "--follow")) {
      f.awaitLine(l -> l.equals("talk up on " + p.port()), Duration.ofSeconds(60));
      ask(p, "/followed-" + p.port());
      f.awaitLine(l -> l.endsWith("url:/followed-" + p.port()), Duration.ofSeconds(60));
    }
    VrJar.Result bounded = VrJar.run(dir, "proc", "logs", p.host(), p.name(), "--follow", "--follow-seconds", "1");
    assertThat(bounded.exit()).as(bounded.toString()).isZero();
    assertThat(bounded.out()).contains("url:/followed-" + p.port());
    VrJar.Result json = VrJar.run(dir, "--json", "proc", "logs", p.host(), p.name(), "--follow");
    assertThat(json.exit()).isNotZero();
    assertThat(json.err()).contains("--json");
  }

  @Test
  @Order(3)
  void followKeepsPrintingAcrossADispatchThatReplacesEveryProc() throws Exception {
    List<Proc> old = procs();
    try (VrJar.Running f = VrJar.start(dir, "logs", SWARM, "--follow")) {
      // the backlog first: every proc's boot line
      for (Proc p : old) {
        f.awaitLine(l -> l.equals(p.host() + " " + p.name() + " | talk up on " + p.port()), Duration.ofSeconds(60));
      }
      ask(old.get(0), "/live-" + old.get(0).port());
      f.awaitLine(l -> l.startsWith(old.get(0).host() + " " + old.get(0).name() + " | ") && l.endsWith("url:/live-"
          + old.get(0).port()), Duration.ofSeconds(60));

      VrJar.Result r = VrJar.run(dir, "dispatch", "swarm-2.yaml");
      assertThat(r.exit()).as(r.toString()).isZero();
      List<Proc> now = procs();
      assertThat(now).hasSize(2).extracting(Proc::name).doesNotContainAnyElementsOf(old.stream().map(Proc::name).toList());
      // a new proc joins with its log from the start: its boot line, then what it serves
      awaitAll(f, now.stream().map(p -> p.host() + " " + p.name() + " | talk up on " + p.port()).toList());
      for (Proc p : now) {
        ask(p, "/after-" + p.port());
      }
      awaitAll(f, now.stream().map(p -> p.host() + " " + p.name() + " | *url:/after-" + p.port()).toList());
      // the old procs end on the follower's next look for procs (it may have printed that already)
      for (Proc p : old) {
        String ended = "-- " + p.host() + " " + p.name() + " ended";
        if (!f.seenSoFar().lines().anyMatch(ended::equals)) {
          f.awaitLine(ended::equals, Duration.ofSeconds(60));
        }
      }
      String all = f.stop(Duration.ofSeconds(20));
      // each line once: a follower reads on from where it was, not the log's end again
      assertThat(all.lines().filter(l -> l.endsWith("url:/live-" + old.get(0).port()))).hasSize(1);
      for (Proc p : old) {
        assertThat(all.lines().filter(l -> l.equals(p.host() + " " + p.name() + " | talk up on " + p.port()))).hasSize(1);
      }
      for (Proc p : now) {
        assertThat(all.lines().filter(l -> l.equals(p.host() + " " + p.name() + " | talk up on " + p.port()))).hasSize(1);
      }
      for (Proc p : old) {
        assertThat(all).contains("-- " + p.host() + " " + p.name() + " ended");
      }
      for (Proc p : now) {
        assertThat(all).contains("-- " + p.host() + " " + p.name() + " joined");
      }
    }
  }

  /** Waits until each wanted line (a '*' matches any text) has been printed, in any order. */
  static void awaitAll(VrJar.Running f, List<String> wanted) throws InterruptedException {
    List<java.util.regex.Pattern> left = new ArrayList<>();
    for (String w : wanted) {
      StringBuilder re = new StringBuilder();
      for (String part : w.split("\\*", -1)) {
        re.append(java.util.regex.Pattern.quote(part)).append(".*");
      }
      left.add(java.util.regex.Pattern.compile(re.substring(0, re.length() - 2)));
    }
    while (!left.isEmpty()) {
      String line = f.awaitLine(l -> left.stream().anyMatch(p -> p.matcher(l).matches()), Duration.ofSeconds(60));
      left.removeIf(p -> p.matcher(line).matches());
    }
  }

  @Test
  @Order(4)
  void badArgumentsAreNamed() throws Exception {
    VrJar.Result unknown = VrJar.run(dir, "logs", "nosuch-c1-web");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("nosuch-c1-web");
    VrJar.Result seconds = VrJar.run(dir, "logs", SWARM, "--follow-seconds", "2");
    assertThat(seconds.exit()).isNotZero();
    assertThat(seconds.err()).contains("--follow-seconds").contains("--follow");
    VrJar.Result proc = VrJar.run(dir, "logs", SWARM, "--proc", "not a proc name");
    assertThat(proc.exit()).isNotZero();
    assertThat(proc.err()).contains("not a proc name");
    VrJar.Result bounded = VrJar.run(dir, "logs", SWARM, "--follow", "--follow-seconds", "1");
    assertThat(bounded.exit()).as(bounded.toString()).isZero();
    assertThat(bounded.out()).contains("talk up on");
  }
}
