package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The private cluster starts, stops, starts again on its port and leaves nothing behind. */
class PostgresClusterTest {
  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void startsStopsStartsAgainAndCloseDeletesEverything() throws Exception {
    Path dir;
    int port;
    try (PostgresCluster pg = PostgresCluster.start()) {
      dir = pg.directory();
      port = pg.port();
      assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/vr");
      assertThat(pg.database()).isEqualTo("vr");
      assertThat(pg.user()).matches("vr_[a-z0-9]{8}");
      assertThat(pg.password()).hasSize(24);
      assertThat(accepts(port)).isTrue();
      assertThat(pg.createDatabase("other_db")).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/other_db");
      assertThatThrownBy(() -> pg.createDatabase("x; DROP DATABASE vr")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> pg.createDatabase("other_db")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already exists").hasMessageNotContaining(pg.password());
      if ("root".equals(System.getProperty("user.name"))) {
        assertThat(Files.getOwner(dir.resolve("data")).getName()).isEqualTo(PostgresCluster.SYSTEM_USER);
      }

      pg.stop();
      assertThat(accepts(port)).isFalse();
      pg.startAgain();
      assertThat(accepts(port)).isTrue();
      pg.restart();
      assertThat(accepts(port)).isTrue();
      assertThat(pg.createDatabase("after_restart")).endsWith("/after_restart");
    }
    assertThat(accepts(port)).isFalse();
    assertThat(dir).doesNotExist();
  }

  @Test
  void aClusterLeftByAKilledJvmIsStoppedAndDeletedByTheNextStart() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process child = new ProcessBuilder(javaBin, "-cp", classpath, PostgresClusterChild.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Path dir;
    int port;
    try {
      String line = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8)).readLine();
      assertThat(line).as("the child's cluster").isNotNull();
      dir = Path.of(line.split(" ")[0]);
      port = Integer.parseInt(line.split(" ")[1]);
    } finally {
      child.destroyForcibly(); // SIGKILL: its shutdown hook does not run
      assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
    assertThat(accepts(port)).as("the orphaned server still runs").isTrue();
    try (PostgresCluster next = PostgresCluster.start()) {
      assertThat(accepts(port)).as("the orphaned server").isFalse();
      assertThat(dir).doesNotExist();
      assertThat(accepts(next.port())).isTrue();
    }
  }
}
