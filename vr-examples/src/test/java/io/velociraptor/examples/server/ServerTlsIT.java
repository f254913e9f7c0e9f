package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.VrConfig;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve.tls}: with a PKCS12 keystore (made here by keytool) the server speaks HTTPS only: a
 * client that trusts the certificate gets answers, plain HTTP on the same port gets none, and the
 * dashboard's login cookie is {@code Secure} (ServerApiIT checks it is not without TLS).
 */
class ServerTlsIT {
  static final String READ = "read-token-tls-0123456789";
  @TempDir Path dir;

  /** @return a Set-Cookie header's attributes after the name=value, lower case ({@code secure}, {@code samesite=strict}) */
  static java.util.List<String> attributes(String setCookie) {
    return java.util.Arrays.stream(setCookie.split(";")).skip(1).map(a -> a.strip().toLowerCase(java.util.Locale.ROOT))
        .toList();
  }

  @Test
  void withAKeystoreTheServerAnswersHttpsAndNotPlainHttp() throws Exception {
    Path ks = dir.resolve("keystore.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit1", "-alias", "vr",
        "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
        "-validity", "2").redirectErrorStream(true).redirectOutput(dir.resolve("keytool.out").toFile()).start();
    assertThat(keytool.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(Files.readString(dir.resolve("keytool.out"))).isZero();
    Files.writeString(dir.resolve("keystore.pass"), "changeit1\n");
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\nrunner:\n  root: " + dir.resolve("apps")
        + "\n  install: false\nhosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + dead + "\n"
        + "squads:\n  - name: s\n    hosts: [h1]\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tls:\n    keystore: keystore.p12\n    password_file: keystore.pass\n"
        + "  tokens:\n    - name: reader\n      sha256: " + ServeSettings.ApiToken.hash(READ) + "\n      role: read\n");
    VrConfig config = VrConfig.load(dir.resolve("vr.yaml"));
    try (Fleet fleet = Fleet.of(config); VrServer server = VrServer.builder().fleet(fleet).settings(config.serve()).start()) {
      assertThat(server.url().getScheme()).isEqualTo("https");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(ks)) {
        trust.load(in, "changeit1".toCharArray());
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> ok = https.send(HttpRequest.newBuilder(server.url().resolve("/api/health"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("\"status\" : \"ok\"");
      // the dashboard's login: under TLS its cookie is Secure (a browser never sends it over plain HTTP)
      HttpResponse<String> login = https.send(HttpRequest.newBuilder(server.url().resolve("/api/login"))
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("{\"token\": \"" + READ + "\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(204);
      String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(cookie).startsWith("vr_session=");
      assertThat(attributes(cookie)).contains("secure", "httponly", "samesite=strict");

      URI plain = URI.create("http://127.0.0.1:" + server.port() + "/api/health");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      Throwable refused = catchThrowable(() -> {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(plain).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).doesNotContain("\"status\" : \"ok\"");
        throw new java.io.IOException("answered " + r.statusCode() + " without the health");
      });
      assertThat(refused).isInstanceOf(java.io.IOException.class);
    }
  }
}
