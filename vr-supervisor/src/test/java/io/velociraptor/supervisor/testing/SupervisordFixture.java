package io.velociraptor.supervisor.testing;

import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.SupervisorEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A private supervisord for tests: its own temp directory, {@code inet_http_server} on 127.0.0.1
 * with a free port and random credentials, and an include directory for program files. {@link
 * #start()} returns once supervisord answers XML-RPC; {@link #close()} stops it, kills anything it
 * left behind and deletes the directory. Use it with try-with-resources or {@link
 * SupervisordExtension} so it is cleaned up when a test fails.
 */
public final class SupervisordFixture implements AutoCloseable {
  /** Where Debian installs supervisord. */
  public static final String SUPERVISORD = "/usr/bin/supervisord";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final Path includeDir;
  private final int port;
  private final String username;
  private final String password;
  private final Process process;
  private final SupervisorClient client;
  private final List<ProcessHandle> seen = new ArrayList<>();

  private SupervisordFixture(Path dir, int port, String username, String password, Process process) {
    this.dir = dir;
    this.includeDir = dir.resolve("conf.d");
    this.port = port;
    this.username = username;
    this.password = password;
    this.process = process;
    this.client = SupervisorClient.of(endpoint());
  }

  /**
   * @return a running supervisord with no programs
   * @throws IllegalStateException if supervisord is missing or does not come up in 30 s
   */
  public static SupervisordFixture start() {
    return start("");
  }

  /**
   * @param extraConfig text appended to supervisord.conf (e.g. an {@code [eventlistener:x]})
   * @return a running supervisord
   * @throws IllegalStateException if supervisord is missing or does not come up in 30 s
   */
  public static SupervisordFixture start(String extraConfig) {
    if (!Files.isExecutable(Path.of(SUPERVISORD))) {
      throw new IllegalStateException(SUPERVISORD + " is missing: install Debian's supervisor package (.ci/run does)");
    }
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return tryStart(extraConfig);
      } catch (PortTakenException e) {
        last = e; // another test took the port between our probe and supervisord's bind
      }
    }
    throw last;
  }

  private static final class PortTakenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortTakenException(String m) {
      super(m);
    }
  }

  private static SupervisordFixture tryStart(String extraConfig) {
    Path dir;
    try {
      dir = Files.createTempDirectory("vr-supervisord-");
      Files.createDirectories(dir.resolve("conf.d"));
      Files.createDirectories(dir.resolve("childlog"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int port = freePort();
    String username = "vr";
    byte[] secret = new byte[12];
    new SecureRandom().nextBytes(secret);
    String password = HexFormat.of().formatHex(secret);
    String conf = "[supervisord]\n"
        + "logfile=" + dir.resolve("supervisord.log") + "\n"
        + "pidfile=" + dir.resolve("supervisord.pid") + "\n"
        + "childlogdir=" + dir.resolve("childlog") + "\n"
        + "loglevel=info\n"
        + "\n[inet_http_server]\n"
        + "port=127.0.0.1:" + port + "\n"
        + "username=" + username + "\n"
        + "password=" + password + "\n"
        + "\n[rpcinterface:supervisor]\n"
        + "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        + "\n[include]\n"
        + "files=" + dir.resolve("conf.d") + "/*.conf\n"
        + "\n" + extraConfig + "\n";
    Path confFile = dir.resolve("supervisord.conf");
    Process process;
    try {
      Files.writeString(confFile, conf, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(confFile, PosixFilePermissions.fromString("rw-------"));
      process = new ProcessBuilder(SUPERVISORD, "-n", "-c", confFile.toString())
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("supervisord.out").toFile())
          .start();
    } catch (IOException e) {
      deleteTree(dir);
      throw new UncheckedIOException(e);
    }
    SupervisordFixture f = new SupervisordFixture(dir, port, username, password, process);
    try {
      f.awaitReady();
      return f;
    } catch (RuntimeException e) {
      String out = f.output();
      f.close();
      if (out.contains("Another program is already listening") || out.contains("Address already in use")) {
        throw new PortTakenException("port " + port + " was taken: " + out);
      }
      throw e;
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    RuntimeException last = null;
    SupervisorClient quick = client.withReadTimeout(Duration.ofSeconds(2));
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("supervisord exited with " + process.exitValue() + ": " + output());
      }
      try {
        if (quick.getState().isRunning()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    throw new IllegalStateException("supervisord on port " + port + " did not answer within " + READY_TIMEOUT
        + ": " + output(), last);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return the XML-RPC port on 127.0.0.1 */
  public int port() {
    return port;
  }

  /** @return the basic-auth user */
  public String username() {
    return username;
  }

  /** @return the basic-auth password */
  public String password() {
    return password;
  }

  /** @return the private directory (config, logs) */
  public Path dir() {
    return dir;
  }

  /** @return the directory whose {@code *.conf} files supervisord includes */
  public Path includeDir() {
    return includeDir;
  }

  /** @return the supervisord.conf path */
  public Path configFile() {
    return dir.resolve("supervisord.conf");
  }

  /** @return an endpoint with the right credentials */
  public SupervisorEndpoint endpoint() {
    return SupervisorEndpoint.builder("127.0.0.1", port).credentials(username, password).build();
  }

  /** @return a client owned by the fixture (closed with it) */
  public SupervisorClient client() {
    return client;
  }

  /** @return supervisord's pid */
  public long pid() {
    return process.pid();
  }

  /** @return whether supervisord still runs */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Writes a program file into the include directory (atomically); call reloadConfig after.
   *
   * @param fileName e.g. {@code web.conf}
   * @param text the section text
   * @return the file written
   */
  public Path writeInclude(String fileName, String text) {
    try {
      Path tmp = includeDir.resolve("." + fileName + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      return Files.move(tmp, includeDir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills supervisord with SIGKILL, as a crash would; its children are killed at close. */
  public void kill() {
    rememberChildren();
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** @return what supervisord wrote to stdout/stderr and its log, for failure messages */
  public String output() {
    StringBuilder b = new StringBuilder();
    for (String f : List.of("supervisord.out", "supervisord.log")) {
      Path p = dir.resolve(f);
      try {
        if (Files.exists(p)) {
          String s = Files.readString(p, StandardCharsets.UTF_8);
          b.append("[").append(f).append("] ").append(s.length() > 4000 ? s.substring(s.length() - 4000) : s);
        }
      } catch (IOException e) {
        b.append("[").append(f).append(" unreadable: ").append(e).append("]");
      }
    }
    return b.toString();
  }

  private void rememberChildren() {
    process.descendants().forEach(seen::add);
  }

  @Override
  public void close() {
    client.close();
    rememberChildren();
    process.destroy(); // SIGTERM: supervisord stops its programs
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle h : seen) {
      h.destroyForcibly();
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir left behind is not worth failing a test over
    }
  }

  @Override
  public String toString() {
    return "supervisord on 127.0.0.1:" + port + " in " + dir;
  }
}
