package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactsTest {
  @TempDir
  Path dir;
  HttpServer server;
  byte[] served;
  final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void serve() throws IOException {
    Path src = Fixtures.tree(dir.resolve("src"), Map.of("Procfile", "web: run\n"));
    served = Files.readAllBytes(Fixtures.tar(src, dir.resolve("b.tar.gz")));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/files/builds/app-1-abc.tar.gz", ex -> {
      requests.incrementAndGet();
      ex.sendResponseHeaders(200, served.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(served);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void downloadsOverHttpChecksTheMd5AndReusesAVerifiedCopy() {
    String md5 = Files2.digest(dir.resolve("b.tar.gz"), "MD5");
    Path builds = dir.resolve("builds");
    Artifacts.Fetched f = Artifacts.fetch("build_url", url("/files/builds/app-1-abc.tar.gz"),
        Optional.of(md5), Optional.empty(), builds, Duration.ofSeconds(10));
    assertThat(f.file()).isEqualTo(builds.resolve("app-1-abc.tar.gz")).hasBinaryContent(served);
    Artifacts.fetch("build_url", url("/files/builds/app-1-abc.tar.gz"), Optional.of(md5),
        Optional.empty(), builds, Duration.ofSeconds(10));
    assertThat(requests).hasValue(1);
  }

  @Test
  void refusesADownloadWhoseMd5DoesNotMatchAndKeepsNothing() {
    Path builds = dir.resolve("builds");
    assertThatThrownBy(() -> Artifacts.fetch("build_url", url("/files/builds/app-1-abc.tar.gz"),
        Optional.of("f".repeat(32)), Optional.empty(), builds, Duration.ofSeconds(10)))
        .isInstanceOf(RunnerException.class).hasMessageContaining("does not match");
    assertThat(builds.resolve("app-1-abc.tar.gz")).doesNotExist();
  }

  @Test
  void reportsAnHttpErrorWithItsStatus() {
    assertThatThrownBy(() -> Artifacts.fetch("build_url", url("/files/builds/missing.tar.gz"),
        Optional.empty(), Optional.empty(), dir.resolve("builds"), Duration.ofSeconds(10)))
        .isInstanceOf(RunnerException.class).hasMessageContaining("HTTP 404");
  }

  @Test
  void refusesAUrlThatIsNeitherAPathNorHttp() {
    assertThatThrownBy(() -> Artifacts.fetch("build_url", "ftp://x/y.tar.gz", Optional.empty(),
        Optional.empty(), dir, Duration.ofSeconds(1)))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"ftp://x/y.tar.gz\"");
  }

  @Test
  void unpacksEachTarballOnceUnderItsSha256() {
    Artifacts.Fetched f = Artifacts.fetch("build_url", dir.resolve("b.tar.gz").toString(),
        Optional.empty(), Optional.empty(), dir, Duration.ofSeconds(1));
    AtomicInteger fixups = new AtomicInteger();
    Path a = Artifacts.unpackOnce(f, dir.resolve("unpacked"), p -> fixups.incrementAndGet());
    Path b = Artifacts.unpackOnce(f, dir.resolve("unpacked"), p -> fixups.incrementAndGet());
    assertThat(a).isEqualTo(b).isEqualTo(dir.resolve("unpacked").resolve(f.sha256()));
    assertThat(a.resolve("Procfile")).hasContent("web: run\n");
    assertThat(fixups).hasValue(1);
    assertThat(dir.resolve("unpacked").toFile().list()).allMatch(n -> !n.startsWith("."));
  }
}
