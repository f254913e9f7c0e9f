package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr demo --serve} with the real jar: after the story the demo's fleet stays up under
 * {@code vr serve}, the printed admin token works (and nothing works without it), and SIGTERM
 * stops everything and removes the work directory. With {@code --real} the private supervisords'
 * event listeners post to the server, so a proc killed by hand nudges its reconciler.
 */
class DemoServeIT {
  @TempDir Path tmp;

  @Test
  void theDemosFleetStaysUpUnderVrServeUntilItIsStopped() throws Exception {
    // as root the demo's procs run as nobody, who must be able to enter the work directory's parents
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path out = tmp.resolve("out.txt");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-jar", VrJar.JAR.toString(), "demo", "--serve", "--listen", "127.0.0.1:0")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (!Files.readString(out).contains("admin token: ")) {
        if (!p.isAlive()) {
          p.waitFor();
          assertThat(p.isAlive()).as("the demo exited: " + Files.readString(out)).isTrue();
        }
        assertThat(System.nanoTime()).as(Files.readString(out)).isLessThan(deadline);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
      String text = Files.readString(out);
      URI url = URI.create(text.lines().filter(l -> l.startsWith("url: ")).findFirst().orElseThrow().substring(5));
      String token = text.lines().filter(l -> l.startsWith("admin token: ")).findFirst().orElseThrow().substring(13);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest.Builder procs = HttpRequest.newBuilder(url.resolve("/api/procs")).timeout(Duration.ofSeconds(60));
      assertThat(http.send(procs.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
      HttpResponse<String> r = http.send(procs.header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("java_hello-1.0-live-").contains("RUNNING");
    } finally {
      p.destroy(); // SIGTERM: the demo's shutdown hook stops the server, then everything it started
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    }
    try (var left = Files.list(tmp)) {
      assertThat(left.filter(f -> f.getFileName().toString().startsWith("vr-demo-"))).isEmpty();
    }
  }

  @Test
  void theRealDemosSupervisordsNudgeTheServedReconcilerWithTheirEvents() throws Exception {
    assertThat(DemoCommand.onPath("supervisord")).as("this test needs supervisord on $PATH").isTrue();
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path out = tmp.resolve("out.txt");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-jar", VrJar.JAR.toString(), "demo", "--real", "--procs", "1", "--serve",
        "--listen", "127.0.0.1:0").redirectErrorStream(true).redirectOutput(out.toFile()).start();
    List<ProcessHandle> listeners;
    try {
      await(() -> "the admin token", () -> Files.readString(out).contains("admin token: "), p, out);
      String text = Files.readString(out);
      assertThat(text).contains("each private supervisord posts its process state changes to");
      URI url = URI.create(text.lines().filter(l -> l.startsWith("url: ")).findFirst().orElseThrow().substring(5));
      String token = text.lines().filter(l -> l.startsWith("admin token: ")).findFirst().orElseThrow().substring(13);
      // one listener per host (3), each a child of its host's supervisord
      await(() -> "3 vr-events listeners", () -> listeners(p).size() == 3, p, out);
      listeners = listeners(p);
      Map<String, Object> procs = get(url.resolve("/api/procs"), token);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> rows = (List<Map<String, Object>>) procs.get("procs");
      assertThat(rows).filteredOn(r -> "vr-events".equals(r.get("name"))).hasSize(3)
          .allSatisfy(r -> assertThat(r.get("kind")).isEqualTo("foreign"));
      String web = rows.stream().filter(r -> "ours".equals(r.get("kind")) && "RUNNING".equals(r.get("state")))
          .map(r -> (String) r.get("name")).findFirst().orElseThrow(() -> new AssertionError("no running web proc: " + procs));
      // the listeners take events once they run (each is a JVM, slow to start on a busy machine)
      await(() -> "the 3 vr-events listeners RUNNING", () -> {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> now = (List<Map<String, Object>>) get(url.resolve("/api/procs"), token).get("procs");
        return now.stream().filter(r -> "vr-events".equals(r.get("name")) && "RUNNING".equals(r.get("state"))).count() == 3;
      }, p, out);
      // kill the app by hand (SIGKILL): supervisord sees its program exit, restarts it, and posts each state change
      List<ProcessHandle> app = p.descendants().filter(h -> h.info().commandLine().orElse("").contains("hello.Main")).toList();
      assertThat(app).as("the web proc's processes").isNotEmpty();
      app.forEach(ProcessHandle::destroyForcibly);
      // the demo's reconciler also runs every 10 s ("interval"): poll until a pass names the killed proc
      String[] seen = {""};
      await(() -> "a reconciler pass nudged by a Supervisor event about " + web + " (last reason seen: " + seen[0] + ")"
          + diagnostics(url, token, out),
          () -> {
            Object reason = get(url.resolve("/api/reconciler"), token).get("last_pass_reason");
            seen[0] = String.valueOf(reason);
            return reason instanceof String r && r.startsWith("nudged: supervisor: PROCESS_STATE_") && r.contains(web);
          }, p, out);
    } finally {
      p.destroy();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(listeners).as("the listeners after the demo exited").noneMatch(ProcessHandle::isAlive);
    try (var left = Files.list(tmp)) {
      assertThat(left.filter(f -> f.getFileName().toString().startsWith("vr-demo-"))).isEmpty();
    }
  }

  /** What the served demo says of its reconciler and procs, and its supervisords' and listeners' logs. */
  private static String diagnostics(URI url, String token, Path out) {
    StringBuilder b = new StringBuilder("\n--- diagnostics");
    try {
      b.append("\nreconciler: ").append(get(url.resolve("/api/reconciler"), token));
      b.append("\nprocs: ").append(get(url.resolve("/api/procs"), token).get("procs"));
    } catch (Exception e) {
      b.append("\n(the server did not answer: ").append(e).append(')');
    }
    try {
      String text = Files.readString(out);
      String marker = "everything lives in ";
      int i = text.indexOf(marker);
      if (i >= 0) {
        Path demo = Path.of(text.substring(i + marker.length(), text.indexOf(' ', i + marker.length())));
        try (var files = Files.walk(demo, 4)) {
          for (Path f : files.filter(f -> f.getFileName().toString().matches("vr-events\\.log|supervisord\\.log")).toList()) {
            List<String> lines = Files.readAllLines(f);
            b.append("\n--- ").append(f).append(" (last 30 lines)\n")
                .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
          }
        }
      }
    } catch (Exception e) {
      b.append("\n(cannot read the demo's logs: ").append(e).append(')');
    }
    return b.toString();
  }

  private static List<ProcessHandle> listeners(Process p) {
    return p.descendants().filter(h -> h.info().commandLine().orElse("")
        .contains("io.velociraptor.supervisor.events.EventListenerMain --post")).toList();
  }

  private static Map<String, Object> get(URI url, String token) throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        .send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return VrJson.json().readValue(r.body(), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  /** Polls every 200 ms until the condition holds; fails after 4 minutes, or when the demo exits, with its output. */
  private static void await(java.util.function.Supplier<String> what, Condition condition, Process p, Path out)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!condition.holds()) {
      if (!p.isAlive()) {
        throw new AssertionError("the demo exited with " + p.waitFor() + " while waiting for " + what.get() + ": "
            + Files.readString(out));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 4 minutes waiting for " + what.get() + ": " + Files.readString(out));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
  }
}
