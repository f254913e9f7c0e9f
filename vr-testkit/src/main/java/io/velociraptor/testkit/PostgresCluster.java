package io.velociraptor.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster for one test class: {@code initdb} in a temporary directory,
 * {@code pg_ctl} on a claimed loopback port ({@link MachineClaims#portBlock}), password
 * ({@code scram-sha-256}) authentication for a generated user, and one database. Stopped and its
 * directory deleted on {@link #close()}, also when starting fails and, as a last resort, by a JVM
 * shutdown hook.
 *
 * <p>PostgreSQL refuses to run as root: when this JVM runs as root, the server's commands run as
 * the system user {@value #SYSTEM_USER} (made with {@link MachineClaims#ensureSystemUser}) through
 * {@code runuser}, and the cluster's directory belongs to it. The server's tools are found with
 * {@code pg_config --bindir}, or in {@code /usr/lib/postgresql/15/bin}. Readiness is awaited with
 * {@code pg_ctl -w} and a real connection ({@code psql}), never a sleep. No JDBC driver is needed
 * here: databases are made with {@code psql} over the cluster's Unix socket. A cluster left
 * running by a test JVM that was killed (so no hook ran) is stopped and deleted by the next
 * {@link #start()} on the machine.
 */
public final class PostgresCluster implements AutoCloseable {
  /** The system user the server runs as when this JVM is root. */
  public static final String SYSTEM_USER = "vr-postgres";
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9/._-]+");
  private static final long COMMAND_TIMEOUT_SECONDS = 120;
  private static final String DEFAULT_DATABASE = "vr";

  private final Path base;
  private final Path data;
  private final Path socketDir;
  private final Path bin;
  private final int port;
  private final String user;
  private final String password;
  private final boolean asSystemUser;
  private final Map<String, String> settings;
  private final Thread hook;
  private boolean running;
  private boolean closed;

  private PostgresCluster(Path base, Path bin, int port, String user, String password, boolean asSystemUser,
      Map<String, String> settings) {
    this.base = base;
    this.data = base.resolve("data");
    this.socketDir = base.resolve("sock");
    this.bin = bin;
    this.port = port;
    this.user = user;
    this.password = password;
    this.asSystemUser = asSystemUser;
    this.settings = settings;
    this.hook = new Thread(this::closeFromHook, "postgres-cluster-stop-" + port);
  }

  /**
   * Starts a new cluster with settings for tests ({@code fsync=off}: the data survive the
   * server's crash, not the machine's) and a database {@value #DEFAULT_DATABASE}.
   *
   * @return the running cluster; close it when done
   * @throws IllegalStateException if the server cannot be set up or started (the message has
   *     the end of its log)
   */
  public static PostgresCluster start() {
    return start(Map.of("fsync", "off", "synchronous_commit", "off", "full_page_writes", "off"));
  }

  /**
   * Starts a new cluster with the given server settings ({@code -c name=value}) and a database
   * {@value #DEFAULT_DATABASE}; pass an empty map for PostgreSQL's durable defaults (benchmarks).
   *
   * @param settings server settings, names and values of {@code [A-Za-z0-9_.]}
   * @return the running cluster; close it when done
   * @throws IllegalArgumentException if a setting has other characters
   * @throws IllegalStateException if the server cannot be set up or started
   */
  public static PostgresCluster start(Map<String, String> settings) {
    Map<String, String> checked = new TreeMap<>();
    settings.forEach((k, v) -> {
      if (!k.matches("[A-Za-z0-9_.]+") || !v.matches("[A-Za-z0-9_.]+")) {
        throw new IllegalArgumentException("server setting " + k + "=" + v + " must be of [A-Za-z0-9_.]");
      }
      checked.put(k, v);
    });
    sweepLeftovers();
    boolean root = isRoot();
    if (root) {
      MachineClaims.ensureSystemUser(SYSTEM_USER);
    }
    int port = MachineClaims.portBlock(1);
    String user = "vr_" + random(8).toLowerCase(java.util.Locale.ROOT);
    String password = random(24);
    Path base;
    try {
      base = Files.createTempDirectory("vr-pg-").toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for PostgreSQL", e);
    }
    if (!SAFE_PATH.matcher(base.toString()).matches()) {
      deleteTree(base);
      throw new IllegalStateException("the temporary directory " + base + " has characters pg_ctl's -o cannot take");
    }
    PostgresCluster cluster = new PostgresCluster(base, binDir(), port, user, password, root, Map.copyOf(checked));
    Runtime.getRuntime().addShutdownHook(cluster.hook);
    try {
      cluster.init();
      cluster.startAgain();
      cluster.createDatabase(DEFAULT_DATABASE);
      return cluster;
    } catch (RuntimeException e) {
      String log = cluster.logTail();
      cluster.close();
      throw new IllegalStateException("PostgreSQL did not start: " + e.getMessage() + "\n--- server log ---\n" + log, e);
    }
  }

  /** The JDBC URL of the cluster's database: {@code jdbc:postgresql://127.0.0.1:PORT/vr}. */
  public String jdbcUrl() {
    return jdbcUrl(DEFAULT_DATABASE);
  }

  private String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** The generated user (a superuser of the cluster). */
  public String user() {
    return user;
  }

  /** The generated user's password. */
  public String password() {
    return password;
  }

  /** The name of the database {@link #jdbcUrl()} points at. */
  public String database() {
    return DEFAULT_DATABASE;
  }

  /** The loopback TCP port the server listens on. */
  public int port() {
    return port;
  }

  /**
   * Creates a database owned by {@link #user()}, for a test that wants one of its own.
   *
   * @param name the database's name, {@code [a-z][a-z0-9_]*}, at most 63 characters
   * @return its JDBC URL
   * @throws IllegalArgumentException if the name has other characters
   * @throws IllegalStateException if it cannot be created (it exists, the server is down)
   */
  public String createDatabase(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("database name " + name + " must match " + NAME.pattern());
    }
    psql("postgres", "CREATE DATABASE " + name);
    return jdbcUrl(name);
  }

  /**
   * Stops the server (fast: sessions are ended, the data are kept); {@link #startAgain()} starts
   * it again. Idempotent.
   */
  public synchronized void stop() {
    if (running) {
      running = false;
      pgCtl("-m", "fast", "-w", "-t", Long.toString(COMMAND_TIMEOUT_SECONDS), "stop");
    }
  }

  /**
   * Starts the server again on the same port and data, and waits until it accepts a
   * connection. Idempotent.
   *
   * @throws IllegalStateException if it does not start
   */
  public synchronized void startAgain() {
    if (closed) {
      throw new IllegalStateException("the cluster on port " + port + " is closed");
    }
    if (running) {
      return;
    }
    StringBuilder options = new StringBuilder("-p " + port + " -k " + socketDir + " -c listen_addresses=127.0.0.1");
    settings.forEach((k, v) -> options.append(" -c ").append(k).append('=').append(v));
    pgCtl("-l", base.resolve("server.log").toString(), "-o", options.toString(), "-w",
        "-t", Long.toString(COMMAND_TIMEOUT_SECONDS), "start");
    running = true;
    psql("postgres", "SELECT 1"); // a real connection, with the password
  }

  /** Stops the server (fast) and starts it again on the same port and data. */
  public synchronized void restart() {
    stop();
    startAgain();
  }

  /** Stops the server at once and deletes its directory. Idempotent. */
  @Override
  public void close() {
    shutDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs or has run
    }
  }

  private void closeFromHook() {
    shutDown();
  }

  private synchronized void shutDown() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (running || Files.exists(data.resolve("postmaster.pid"))) {
        running = false;
        pgCtl("-m", "immediate", "-w", "-t", Long.toString(COMMAND_TIMEOUT_SECONDS), "stop");
      }
    } catch (RuntimeException e) {
      System.err.println("could not stop PostgreSQL on port " + port + ": " + e.getMessage());
    } finally {
      deleteTree(base);
    }
  }

  /** The cluster's temporary directory (data, socket, logs), for tests. */
  Path directory() {
    return base;
  }

  /** The cluster's data directory and port, for messages. */
  @Override
  public String toString() {
    return "PostgresCluster[127.0.0.1:" + port + ", " + data + "]";
  }

  // ---- setup ----------------------------------------------------------------------------------

  /** The file naming the JVM (pid and start time) that owns a cluster's directory. */
  private static final String OWNER_FILE = "owner";

  private static String thisJvm() {
    ProcessHandle self = ProcessHandle.current();
    return self.pid() + " " + self.info().startInstant().map(Object::toString).orElse("?");
  }

  /**
   * Stops and deletes the clusters of test JVMs that were killed (no shutdown hook ran): a
   * {@code vr-pg-*} directory whose owner file names a process that is gone.
   */
  private static void sweepLeftovers() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> dirs = Files.list(tmp)) {
      for (Path dir : (Iterable<Path>) dirs.filter(d -> d.getFileName().toString().startsWith("vr-pg-"))::iterator) {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
          continue;
        }
        String[] who = Files.readString(owner, StandardCharsets.UTF_8).trim().split(" ", 2);
        java.util.Optional<ProcessHandle> alive = ProcessHandle.of(Long.parseLong(who[0]))
            .filter(ProcessHandle::isAlive)
            .filter(h -> who.length < 2 || h.info().startInstant().map(Object::toString).orElse("?").equals(who[1]));
        if (alive.isPresent()) {
          continue;
        }
        Path data = dir.resolve("data");
        if (Files.exists(data.resolve("postmaster.pid"))) {
          List<String> stop = List.of(binDir().resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate",
              "-w", "stop");
          boolean asUser = !Files.getOwner(data).getName().equals(System.getProperty("user.name"));
          List<String> argv = new ArrayList<>();
          if (asUser) {
            argv.addAll(List.of("runuser", "-u", Files.getOwner(data).getName(), "--"));
          }
          argv.addAll(stop);
          Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
          if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
        deleteTree(dir);
        System.err.println("stopped and deleted the PostgreSQL cluster " + dir + " of a test JVM that was killed");
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("could not sweep leftover PostgreSQL clusters in " + tmp + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void init() {
    try {
      Files.writeString(base.resolve(OWNER_FILE), thisJvm() + "\n", StandardCharsets.UTF_8);
      Files.createDirectories(socketDir);
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx------"));
      Path pwfile = base.resolve("pwfile");
      Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
      if (asSystemUser) {
        UserPrincipal owner = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SYSTEM_USER);
        for (Path p : List.of(base, socketDir, pwfile)) {
          Files.setOwner(p, owner);
        }
      }
      try {
        run(asServer(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", user,
            "--pwfile=" + pwfile, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--no-locale", "--no-sync")), Map.of(), "initdb");
      } finally {
        Files.deleteIfExists(pwfile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up " + base, e);
    }
  }

  private void pgCtl(String... args) {
    List<String> argv = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString()));
    argv.addAll(List.of(args));
    run(asServer(argv), Map.of(), "pg_ctl " + args[args.length - 1]);
  }

  private void psql(String database, String sql) {
    // over the socket: the server is up once this answers; PGPASSWORD keeps the password out of argv
    run(List.of(bin.resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDir.toString(),
        "-p", Integer.toString(port), "-U", user, "-d", database, "-c", sql), Map.of("PGPASSWORD", password),
        "psql " + sql);
  }

  private List<String> asServer(List<String> argv) {
    if (!asSystemUser) {
      return argv;
    }
    List<String> out = new ArrayList<>(List.of("runuser", "-u", SYSTEM_USER, "--"));
    out.addAll(argv);
    return out;
  }

  private void run(List<String> argv, Map<String, String> env, String what) {
    Path log = base.resolve("command.log");
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      pb.environment().put("LC_ALL", "C");
      pb.directory(base.toFile());
      Process p = pb.start();
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS + 30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " did not finish within " + (COMMAND_TIMEOUT_SECONDS + 30) + " s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(what + " failed with exit code " + p.exitValue() + ": "
            + tail(log).replace(password, "***"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + argv.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + what, e);
    }
  }

  private String logTail() {
    return tail(base.resolve("server.log"));
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no " + file.getFileName() + ")";
    }
  }

  private static Path binDir() {
    try {
      Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.isExecutable(Path.of(out, "pg_ctl"))) {
        return Path.of(out);
      }
    } catch (IOException e) {
      // no pg_config: try Debian's place
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Path debian = Path.of("/usr/lib/postgresql/15/bin");
    if (Files.isExecutable(debian.resolve("pg_ctl"))) {
      return debian;
    }
    throw new IllegalStateException("PostgreSQL's server tools were not found (no pg_config --bindir, no " + debian
        + "); install Debian's postgresql package");
  }

  private static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(30, TimeUnit.SECONDS);
      return out.equals("0");
    } catch (IOException e) {
      return "root".equals(System.getProperty("user.name"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static String random(int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    SecureRandom r = new SecureRandom();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  private static void deleteTree(Path dir) {
    Objects.requireNonNull(dir);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          System.err.println("could not delete " + p + ": " + e.getMessage());
        }
      });
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
