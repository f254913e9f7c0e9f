package io.velociraptor.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private OpenSSH sshd (Debian {@code openssh-server}) for tests: 127.0.0.1 on a free port, its
 * own host key, and an authorized client key generated for the test, all in a private temporary
 * directory. {@link #start()} returns once sshd says it is listening; {@link #close()} stops the
 * daemon and every connection process it forked and deletes the directory, so use it in
 * try-with-resources or an {@code @AfterAll}, which also run when a test fails.
 *
 * <p>It logs to a file ({@code -e}, output appended to {@code sshd.log}), from which
 * {@link #acceptedConnections()} counts logins.
 */
public final class SshdFixture implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SshdFixture.class);
  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final int port;
  private PrivateProcess sshd;

  private SshdFixture(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** @return whether this machine has OpenSSH's sshd */
  public static boolean available() {
    return Files.isExecutable(SSHD);
  }

  /**
   * Generates keys and starts sshd. The client key is ed25519; {@link #addAuthorizedRsaKey()}
   * adds an RSA one.
   *
   * @return the running fixture
   * @throws IllegalStateException if sshd is not installed or does not come up
   */
  public static SshdFixture start() {
    if (!available()) {
      throw new IllegalStateException("sshd is not installed at " + SSHD
          + "; install Debian's openssh-server");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("vr-sshd");
      Files.createDirectories(Path.of("/run/sshd"));
      SshdFixture keys = new SshdFixture(dir, 0);
      keys.keygen("ed25519", keys.hostKey());
      keys.keygen("ed25519", keys.clientKey());
      Files.copy(keys.clientKey().resolveSibling("client_key.pub"), keys.authorizedKeys());
      // the free port is released before sshd binds it; another test may take it meanwhile
      for (int attempt = 1; ; attempt++) {
        SshdFixture f = new SshdFixture(dir, PrivateProcess.freePort());
        f.writeConfig();
        try {
          f.launch();
          return f;
        } catch (IllegalStateException e) {
          if (attempt == 3 || !e.getMessage().contains("Address already in use")) {
            throw e;
          }
          LOG.info("port {} was taken before sshd could bind it; trying another", f.port);
        }
      }
    } catch (IOException e) {
      PrivateProcess.deleteTree(dir);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      PrivateProcess.deleteTree(dir);
      throw e;
    }
  }

  private void keygen(String type, Path key) {
    run(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "vr-test", "-f", key.toString()));
  }

  private void run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(argv + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void writeConfig() throws IOException {
    String config = String.join("\n",
        "ListenAddress 127.0.0.1",
        "Port " + port,
        "HostKey " + hostKey(),
        "PidFile " + dir.resolve("sshd.pid"),
        "AuthorizedKeysFile " + authorizedKeys(),
        "StrictModes no",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "LogLevel INFO",
        "MaxStartups 100:30:200",
        // Debian's bash sources ~/.bashrc for every command run over ssh; point HOME at the
        // fixture so the machine's own (possibly slow or noisy) ~/.bashrc stays out of tests
        "SetEnv HOME=" + dir,
        "");
    Files.writeString(dir.resolve("sshd_config"), config);
  }

  private void launch() {
    // a restart appends to the same log, so only this start's lines say it is listening
    sshd = PrivateProcess.start("sshd", List.of(SSHD.toString(), "-D", "-e", "-f",
        dir.resolve("sshd_config").toString()), dir, log());
    String listening = "Server listening on 127.0.0.1 port " + port;
    sshd.await("sshd to listen on 127.0.0.1:" + port, READY_TIMEOUT,
        () -> sshd.logSinceStart().contains(listening));
    LOG.info("private sshd listening on 127.0.0.1:{} (pid {})", port, sshd.pid());
  }

  private Path log() {
    return dir.resolve("sshd.log");
  }

  /** @return {@code 127.0.0.1} */
  public String host() {
    return "127.0.0.1";
  }

  /** @return the port sshd listens on */
  public int port() {
    return port;
  }

  /** @return the pid of the sshd daemon, while it runs */
  public long pid() {
    if (sshd == null) {
      throw new IllegalStateException("sshd is not running");
    }
    return sshd.pid();
  }

  /** @return the fixture's private directory (keys, config, known_hosts) */
  public Path dir() {
    return dir;
  }

  /** @return the user the tests log in as: the user running the JVM */
  public String user() {
    return System.getProperty("user.name");
  }

  /**
   * A runner builder set up for this sshd: address, port, user, the authorized key and a
   * known_hosts file holding the host key. Add {@code root(...)} and build.
   *
   * @return a new builder
   */
  public io.velociraptor.core.remote.JschCommandRunner.Builder runnerBuilder() {
    return io.velociraptor.core.remote.JschCommandRunner.builder()
        .host(host())
        .port(port)
        .user(user())
        .privateKey(clientKey())
        .knownHosts(knownHosts());
  }

  /** @return the authorized ed25519 client private key (OpenSSH format, no passphrase) */
  public Path clientKey() {
    return dir.resolve("client_key");
  }

  /** @return the host's private key file */
  private Path hostKey() {
    return dir.resolve("host_key");
  }

  private Path authorizedKeys() {
    return dir.resolve("authorized_keys");
  }

  /**
   * Generates an RSA client key and authorizes it.
   *
   * @return the RSA private key (OpenSSH format, no passphrase)
   */
  public Path addAuthorizedRsaKey() {
    Path key = dir.resolve("client_rsa");
    keygen("rsa", key);
    try {
      Files.writeString(authorizedKeys(), Files.readString(key.resolveSibling("client_rsa.pub")),
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return key;
  }

  /**
   * Generates a client key that sshd does not accept.
   *
   * @return a private key not in authorized_keys
   */
  public Path unauthorizedKey() {
    Path key = dir.resolve("stranger_key");
    if (!Files.exists(key)) {
      keygen("ed25519", key);
    }
    return key;
  }

  /**
   * Writes a known_hosts file holding this sshd's current host key.
   *
   * @return the file, in the fixture's directory
   */
  public Path knownHosts() {
    try {
      String pub = Files.readString(hostKey().resolveSibling("host_key.pub")).trim();
      String[] parts = pub.split(" ");
      Path file = dir.resolve("known_hosts");
      Files.writeString(file, "[127.0.0.1]:" + port + " " + parts[0] + " " + parts[1] + "\n");
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return the host key's OpenSSH fingerprint, {@code SHA256:...} */
  public String hostKeyFingerprint() {
    try {
      String pub = Files.readString(hostKey().resolveSibling("host_key.pub")).trim();
      byte[] blob = Base64.getDecoder().decode(pub.split(" ")[1]);
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @return how many logins sshd has accepted since the fixture started */
  public int acceptedConnections() {
    return (int) logText().lines().filter(l -> l.startsWith("Accepted publickey for")).count();
  }

  /** @return everything sshd logged so far, across restarts */
  public String logText() {
    try {
      return Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops sshd with all its open connections and starts it again on the same port with the same
   * keys: clients see their sessions drop.
   */
  public void restart() {
    stopDaemon();
    launch();
  }

  /** Gives the host a new key (as a reinstalled host would have) and restarts sshd. */
  public void changeHostKey() {
    try {
      Files.deleteIfExists(hostKey());
      Files.deleteIfExists(hostKey().resolveSibling("host_key.pub"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    keygen("ed25519", hostKey());
    restart();
  }

  /** Stops sshd; its connection processes, which outlive it, are killed with it. */
  private void stopDaemon() {
    if (sshd != null) {
      sshd.stop();
      sshd = null;
    }
  }

  /** Stops sshd and its connections and deletes the keys and config. Idempotent. */
  @Override
  public void close() {
    stopDaemon();
    PrivateProcess.deleteTree(dir);
  }

  @Override
  public String toString() {
    return "SshdFixture[127.0.0.1:" + port + "]";
  }
}
