package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.examples.server.Role;
import io.velociraptor.examples.server.ServeSettings;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config's {@code serve:} section, read as strictly as the rest, and {@code vr serve hash-token}. */
class ServeConfigTest {
  @TempDir Path tmp;

  VrConfig load(String serve) throws Exception {
    Path config = CliConfigFixture.in(tmp).write();
    Files.writeString(config, Files.readString(config) + serve);
    return VrConfig.load(config);
  }

  @Test
  void withoutAServeSectionTheServerListensOnLoopbackPort7070WithTheDefaultSchedule() throws Exception {
    ServeSettings s = load("").serve();
    assertThat(s.listen().toString()).isEqualTo("127.0.0.1:7070");
    assertThat(s.listen().isLoopback()).isTrue();
    assertThat(s.listen().explicit()).isFalse();
    assertThat(s.tokens()).isEmpty();
    assertThat(s.reconcile().hostGrace()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void everyFieldIsRead() throws Exception {
    String sha = ServeSettings.ApiToken.hash("secret");
    ServeSettings s = load("serve:\n  listen: 0.0.0.0:8080\n  tokens:\n    - name: ci\n      sha256: " + sha
        + "\n      role: deploy\n  tls:\n    keystore: ks.p12\n    password_file: ks.pass\n"
        + "  webhooks:\n    - url: https://ci.example/hook\n      events: [run_done]\n      secret_file: hook.secret\n"
        + "  reconcile:\n    interval: 5\n    uptest_failures: 2\n").serve();
    assertThat(s.listen().explicit()).isTrue();
    assertThat(s.listen().isLoopback()).isFalse();
    assertThat(s.tokens()).singleElement().satisfies(t -> assertThat(t.role()).isEqualTo(Role.DEPLOY));
    assertThat(s.tls().orElseThrow().keystore()).isEqualTo(tmp.resolve("ks.p12"));
    assertThat(s.webhooks()).singleElement().satisfies(w -> assertThat(w.events()).containsExactly("run_done"));
    assertThat(s.reconcile().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.reconcile().uptestFailures()).isEqualTo(2);
  }

  @Test
  void anUnknownKeyABadRoleOrAClearTokenIsRefusedNamingTheFieldWithoutEchoingIt() throws Exception {
    assertThatThrownBy(() -> load("serve:\n  listn: 127.0.0.1:1\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("serve.listn is not a known field");
    String sha = ServeSettings.ApiToken.hash("x");
    assertThatThrownBy(() -> load("serve:\n  tokens:\n    - name: a\n      sha256: " + sha + "\n      role: root\n"))
        .hasMessageContaining("serve.tokens[0].role").hasMessageContaining("read, deploy, admin");
    assertThatThrownBy(() -> load("serve:\n  tokens:\n    - name: a\n      sha256: my-clear-token\n      role: read\n"))
        .hasMessageContaining("serve.tokens[0].sha256").satisfies(e -> assertThat(e.getMessage())
            .doesNotContain("my-clear-token"));
    assertThatThrownBy(() -> load("serve:\n  listen: localhost\n")).hasMessageContaining("serve.listen")
        .hasMessageContaining("HOST:PORT");
  }

  @Test
  void hashTokenPrintsTheSha256LineOfTheTokenOnStdinAndNotTheToken() {
    InputStream in = System.in;
    try {
      System.setIn(new ByteArrayInputStream("s3cret-token\n".getBytes(StandardCharsets.UTF_8)));
      CliConfigFixture.Result r = CliConfigFixture.vr("serve", "hash-token");
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.out().strip()).isEqualTo("sha256: " + ServeSettings.ApiToken.hash("s3cret-token"))
          .doesNotContain("s3cret");
    } finally {
      System.setIn(in);
    }
  }
}
