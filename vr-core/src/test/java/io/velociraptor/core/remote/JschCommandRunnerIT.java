package io.velociraptor.core.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.HostConnectionException;
import io.velociraptor.core.testing.SshdFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the SSH runner does: host keys, auth, session reuse and reconnects. */
class JschCommandRunnerIT {
  @TempDir Path tmp;
  private SshdFixture sshd;

  @BeforeEach
  void startSshd() {
    sshd = SshdFixture.start();
  }

  @AfterEach
  void stopSshd() {
    sshd.close();
  }

  private JschCommandRunner.Builder runner() {
    return JschCommandRunner.builder()
        .host(sshd.host())
        .port(sshd.port())
        .user(sshd.user())
        .privateKey(sshd.clientKey())
        .knownHosts(sshd.knownHosts())
        .root(tmp.toString());
  }

  @Test
  void rejectsAnUnknownHostByDefaultNamingHostAndFingerprint() throws IOException {
    Path empty = Files.createFile(tmp.resolve("known_hosts"));
    try (JschCommandRunner r = runner().knownHosts(empty).build()) {
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOfSatisfying(HostKeyRejectedException.class, e -> {
            assertThat(e.reason()).isEqualTo(HostKeyRejectedException.Reason.UNKNOWN);
            assertThat(e.host()).isEqualTo("127.0.0.1");
            assertThat(e.fingerprint()).isEqualTo(sshd.hostKeyFingerprint());
            assertThat(e.keyType()).isEqualTo("ssh-ed25519");
            assertThat(e.getMessage()).contains("[127.0.0.1]:" + sshd.port(),
                sshd.hostKeyFingerprint(), empty.toString());
          });
    }
    assertThat(sshd.acceptedConnections()).isZero();
  }

  @Test
  void rejectsAnUnknownHostWhenTheKnownHostsFileIsMissing() {
    Path missing = tmp.resolve("no-such-known-hosts");
    try (JschCommandRunner r = runner().knownHosts(missing).build()) {
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOf(HostKeyRejectedException.class)
          .hasMessageContaining(missing.toString());
    }
  }

  @Test
  void rejectsAChangedHostKeyNamingTheNewFingerprint() {
    Path knownHosts = sshd.knownHosts();
    try (JschCommandRunner r = runner().knownHosts(knownHosts).build()) {
      assertThat(r.run(Command.of("true")).exitCode()).isZero();
      String oldFingerprint = sshd.hostKeyFingerprint();
      sshd.changeHostKey();
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOfSatisfying(HostKeyRejectedException.class, e -> {
            assertThat(e.reason()).isEqualTo(HostKeyRejectedException.Reason.CHANGED);
            assertThat(e.fingerprint()).isEqualTo(sshd.hostKeyFingerprint())
                .isNotEqualTo(oldFingerprint);
            assertThat(e.getMessage()).contains("CHANGED", sshd.hostKeyFingerprint());
          });
    }
  }

  @Test
  void acceptsAnyHostKeyOnlyWhenExplicitlyAskedTo() throws IOException {
    Path empty = Files.createFile(tmp.resolve("known_hosts"));
    try (JschCommandRunner r = runner().knownHosts(empty).acceptAnyHostKeyForTestsOnly()
        .build()) {
      assertThat(r.run(Command.of("echo", "hi")).stdout()).isEqualTo("hi\n");
    }
    assertThat(Files.readString(empty)).as("accept-any never writes known_hosts").isEmpty();
  }

  @Test
  void verifiesHashedKnownHostsEntries() throws Exception {
    Path knownHosts = sshd.knownHosts();
    Process p = new ProcessBuilder("ssh-keygen", "-H", "-f", knownHosts.toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(knownHosts)).startsWith("|1|");
    try (JschCommandRunner r = runner().knownHosts(knownHosts).build()) {
      assertThat(r.run(Command.of("true")).exitCode()).isZero();
    }
  }

  @Test
  void rejectsAWrongKeyNamingUserAndHostButNotTheKey() throws IOException {
    Path stranger = sshd.unauthorizedKey();
    String keyText = Files.readString(stranger);
    try (JschCommandRunner r = JschCommandRunner.builder().host(sshd.host()).port(sshd.port())
        .user(sshd.user()).privateKey(stranger).knownHosts(sshd.knownHosts()).build()) {
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOfSatisfying(HostAuthenticationException.class, e -> {
            assertThat(e.user()).isEqualTo(sshd.user());
            assertThat(e.getMessage()).contains(sshd.user(), "127.0.0.1:" + sshd.port(),
                stranger.toString());
            assertThat(e.getMessage()).doesNotContain(keyText.lines().skip(1).findFirst()
                .orElseThrow());
          });
    }
  }

  @Test
  void rejectsAWrongPasswordWithoutShowingIt() {
    try (JschCommandRunner r = JschCommandRunner.builder().host(sshd.host()).port(sshd.port())
        .user(sshd.user()).password("hunter2-not-it".toCharArray())
        .knownHosts(sshd.knownHosts()).build()) {
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOf(HostAuthenticationException.class)
          .hasMessageContaining("a password")
          .hasMessageNotContaining("hunter2");
      assertThat(r.toString()).doesNotContain("hunter2");
    }
  }

  @Test
  void logsInWithAnRsaKeyUsingSha2Signatures() {
    Path rsa = sshd.addAuthorizedRsaKey();
    try (JschCommandRunner r = JschCommandRunner.builder().host(sshd.host()).port(sshd.port())
        .user(sshd.user()).privateKey(rsa).knownHosts(sshd.knownHosts()).build()) {
      assertThat(r.run(Command.of("echo", "rsa")).stdout()).isEqualTo("rsa\n");
    }
    // OpenSSH 9 refuses SHA-1 "ssh-rsa" signatures, so getting in proves SHA-2 was used
    assertThat(sshd.logText()).contains("Accepted publickey", "RSA");
  }

  @Test
  void reusesOneSessionForManyCommands() {
    try (JschCommandRunner r = runner().build()) {
      for (int i = 0; i < 15; i++) {
        assertThat(r.run(Command.of("echo", "n" + i)).stdout()).isEqualTo("n" + i + "\n");
      }
      r.upload(new byte[] {1, 2}, tmp.resolve("f").toString(), 0644);
      assertThat(r.download(tmp.resolve("f").toString())).containsExactly(1, 2);
      assertThat(r.exists(tmp.resolve("f").toString())).isTrue();
      r.remove(tmp.resolve("f").toString(), false);
      assertThat(r.sessionsOpened()).isEqualTo(1);
      assertThat(sshd.acceptedConnections()).isEqualTo(1);
    }
  }

  @Test
  void reconnectsOnceWhenSshdRestartedBetweenCommands() {
    try (JschCommandRunner r = runner().build()) {
      assertThat(r.run(Command.of("echo", "before")).stdout()).isEqualTo("before\n");
      sshd.restart();
      assertThat(r.run(Command.of("echo", "after")).stdout()).isEqualTo("after\n");
      assertThat(r.run(Command.of("echo", "again")).stdout()).isEqualTo("again\n");
      assertThat(r.sessionsOpened()).isEqualTo(2);
      assertThat(sshd.acceptedConnections()).isEqualTo(2);
    }
  }

  @Test
  void reportsAHostThatIsDownAsAConnectionErrorNamingIt() {
    try (JschCommandRunner r = runner().connectTimeout(Duration.ofSeconds(5)).build()) {
      sshd.close();
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOfSatisfying(HostConnectionException.class, e -> {
            assertThat(e.host()).isEqualTo("127.0.0.1");
            assertThat(e.getMessage()).contains("127.0.0.1:" + sshd.port());
          });
    }
  }

  @Test
  void namesAModelHostByItsNameAndConnectsToItsAddress() throws IOException {
    Host app1 = Host.builder().name(HostName.of("app1")).address(sshd.host()).build();
    try (JschCommandRunner r = runner().host(app1).build()) {
      assertThat(r.host()).isEqualTo("app1");
      assertThat(r.run(Command.of("echo", "ok")).stdout()).isEqualTo("ok\n");
    }
    Path empty = Files.createFile(tmp.resolve("empty_known_hosts"));
    try (JschCommandRunner r = runner().host(app1).knownHosts(empty).build()) {
      assertThatThrownBy(() -> r.run(Command.of("true")))
          .isInstanceOfSatisfying(HostKeyRejectedException.class,
              e -> assertThat(e.host()).isEqualTo("app1"));
    }
  }

  @Test
  void killsACommandThatTimesOutBeforeASlowNoisyLoginShellHasStarted() throws Exception {
    String shell = new String(new ProcessBuilder("getent", "passwd", sshd.user()).start()
        .getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    org.junit.jupiter.api.Assumptions.assumeTrue(shell.endsWith("/bash"),
        "needs bash as the login shell (Debian's bash reads ~/.bashrc for ssh commands): " + shell);
    // the fixture points HOME at its directory, so this is the ~/.bashrc of every session
    Files.writeString(sshd.dir().resolve(".bashrc"), "echo 'noise from bashrc' >&2; sleep 1\n");
    try (JschCommandRunner r = runner().build()) {
      CommandResult quick = r.run(Command.of("sh", "-c", "echo out; echo err >&2"));
      assertThat(quick.stdout()).isEqualTo("out\n");
      assertThat(quick.stderr()).isEqualTo("noise from bashrc\nerr\n");
      CommandResult slow = r.run(Command.builder().argv("sleep", "37.123")
          .timeout(Duration.ofMillis(300)).build());
      assertThat(slow.timedOut()).isTrue();
      assertThat(slow.stderr()).doesNotContain("vr-pgid");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (survivors("37.123") > 0 && System.nanoTime() < deadline) {
      ProcessHandle.allProcesses().filter(p -> isSleep(p, "37.123")).findFirst()
          .ifPresent(p -> p.onExit().completeOnTimeout(p, 100, TimeUnit.MILLISECONDS).join());
    }
    assertThat(survivors("37.123")).as("sleep 37.123 processes left").isZero();
  }

  private static long survivors(String token) {
    return ProcessHandle.allProcesses().filter(p -> isSleep(p, token)).count();
  }

  private static boolean isSleep(ProcessHandle p, String token) {
    return p.info().arguments().map(a -> List.of(a).contains(token)).orElse(false);
  }

  @Test
  void runsTwentyConcurrentCommandsOverOneSession() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try (JschCommandRunner r = runner().build()) {
      List<Future<CommandResult>> results = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String word = "w" + i;
        byte[] input = ("in" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        results.add(pool.submit(() -> r.run(Command.builder()
            .argv("sh", "-c", "sleep 0.3; printf '%s:' \"$1\"; cat; echo >&2 \"$1\"", "sh", word)
            .stdin(input)
            .build())));
      }
      for (int i = 0; i < 20; i++) {
        CommandResult result = results.get(i).get(60, TimeUnit.SECONDS);
        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).isEqualTo("w" + i + ":in" + i);
        assertThat(result.stderr()).isEqualTo("w" + i + "\n");
      }
      assertThat(r.sessionsOpened()).isEqualTo(1);
      assertThat(sshd.acceptedConnections()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesToWorkAfterClose() {
    JschCommandRunner r = runner().build();
    r.close();
    r.close();
    assertThatThrownBy(() -> r.run(Command.of("true")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void rejectsIncompleteConfigurationNamingWhatIsMissing() {
    assertThatThrownBy(() -> JschCommandRunner.builder().user("u").privateKey(sshd.clientKey())
        .build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("host");
    assertThatThrownBy(() -> JschCommandRunner.builder().host("h").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("user");
    assertThatThrownBy(() -> JschCommandRunner.builder().host("h").user("u").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("key or a password");
    Path garbage = tmp.resolve("garbage-key");
    assertThatThrownBy(() -> {
      Files.writeString(garbage, "not a key");
      JschCommandRunner.builder().host("h").user("u").privateKey(garbage).build();
    }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(garbage.toString());
  }
}
