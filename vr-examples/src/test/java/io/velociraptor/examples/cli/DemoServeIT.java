package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr demo --serve} with the real jar: after the story the demo's fleet stays up under
 * {@code vr serve}, the printed admin token works (and nothing works without it), and SIGTERM
 * stops everything and removes the work directory.
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
}
