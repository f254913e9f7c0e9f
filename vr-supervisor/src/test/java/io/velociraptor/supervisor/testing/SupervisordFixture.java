package io.velociraptor.supervisor.testing;

import io.velociraptor.core.testing.PrivateProcess;
import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.SupervisorEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

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
  private final PrivateProcess process;
  private final SupervisorClient client;

  private SupervisordFixture(Path dir, int port, String username, String password, PrivateProcess process) {
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
    int port = PrivateProcess.freePort();
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
    PrivateProcess process;
    try {
      Files.writeString(confFile, conf, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(confFile, PosixFilePermissions.fromString("rw-------"));
      process = PrivateProcess.start("supervisord", List.of(SUPERVISORD, "-n", "-c", confFile.toString()),
          dir, dir.resolve("supervisord.out"), dir.resolve("supervisord.log"));
    } catch (IOException e) {
      PrivateProcess.deleteTree(dir);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      PrivateProcess.deleteTree(dir);
      throw e;
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
    SupervisorClient quick = client.withReadTimeout(Duration.ofSeconds(2));
    process.await("supervisord to answer XML-RPC on 127.0.0.1:" + port, READY_TIMEOUT, () -> {
      try {
        return quick.getState().isRunning();
      } catch (RuntimeException notYet) {
        return false;
      }
    });
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
    process.kill();
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

  /** Stops supervisord (SIGTERM: it stops its programs), kills what it left behind, deletes the directory. */
  @Override
  public void close() {
    client.close();
    process.stop(Duration.ofSeconds(20));
    PrivateProcess.deleteTree(dir);
  }

  @Override
  public String toString() {
    return "supervisord on 127.0.0.1:" + port + " in " + dir;
  }
}
