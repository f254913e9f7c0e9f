package io.velociraptor.core.routing;

import io.velociraptor.core.VrException;
import io.velociraptor.core.spi.CommandRunner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private nginx on this machine (for the demo and for tests): everything under its own prefix
 * directory (config, pid file, error log, every {@code *_temp_path}), one {@code server} on
 * 127.0.0.1 at a free port that includes {@code <prefix>/pools/*.conf} and proxies {@code
 * /<pool>/} to the upstream of that name for each pool it was started with. Each pool begins
 * with vr's empty-pool placeholder, as nginx needs an upstream that a {@code proxy_pass} names to
 * exist. {@link #start} returns once nginx answers, has written its pid file and has forked its
 * worker; {@link #close()} stops the master and every worker it ever had (it is idempotent, so a
 * shutdown hook and the normal end may both call it). The prefix directory stays.
 */
public final class PrivateNginx implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateNginx.class);
  private static final Duration READY = Duration.ofSeconds(20);
  private static final Duration STOP = Duration.ofSeconds(10);
  private static final int ATTEMPTS = 3;

  /** What nginx passes on to a pool's upstream for a request to {@code /<pool>/x}. */
  public enum ProxyPath {
    /** The whole path, {@code /<pool>/x} ({@code proxy_pass http://<pool>;}). */
    WHOLE(""),
    /** The path below the pool, {@code /x} ({@code proxy_pass http://<pool>/;}). */
    BELOW_POOL("/");

    private final String uri;

    ProxyPath(String uri) {
      this.uri = uri;
    }
  }

  private final Path nginx;
  private final Path dir;
  private final int port;
  private Process master;
  private long pid;
  private final List<ProcessHandle> workers = new ArrayList<>();

  private PrivateNginx(Path nginx, Path dir, int port) {
    this.nginx = nginx;
    this.dir = dir;
    this.port = port;
  }

  /**
   * Writes the configuration under {@code dir} and starts nginx in the foreground ({@code daemon
   * off}). The free port is released before nginx binds it, so if another program takes it
   * meanwhile, nginx is started again at another (three times at most).
   *
   * @param nginx the nginx binary
   * @param dir the prefix directory (created)
   * @param pools the pools to route, each at {@code /<pool>/}
   * @param proxyPath what nginx passes on to a pool's upstream
   * @param owner who runs it (for instance "vr demo"), written into the configuration's comments
   * @return the running nginx
   * @throws VrException if nginx does not come up; its error log is quoted
   * @throws IOException if the files cannot be written
   */
  public static PrivateNginx start(Path nginx, Path dir, List<String> pools, ProxyPath proxyPath,
      String owner) throws IOException {
    Files.createDirectories(dir.resolve("pools"));
    Files.createDirectories(dir.resolve("temp"));
    for (String pool : pools) {
      Files.writeString(dir.resolve("pools").resolve(pool + ".conf"), "# written by vr: pool "
          + pool + " of " + owner + "; do not edit\nupstream " + pool
          + " {\n  server 127.0.0.1:1 down;\n}\n");
    }
    for (int attempt = 1; ; attempt++) {
      PrivateNginx n = new PrivateNginx(nginx, dir, freePort());
      Files.writeString(n.configFile(), n.config(pools, proxyPath, owner), StandardCharsets.UTF_8);
      try {
        n.launch();
        return n;
      } catch (VrException e) {
        if (attempt == ATTEMPTS || !e.getMessage().contains("Address already in use")) {
          throw e;
        }
      }
    }
  }

  private String config(List<String> pools, ProxyPath proxyPath, String owner) {
    StringBuilder locations = new StringBuilder();
    for (String pool : pools) {
      locations.append("    location /").append(pool).append("/ { proxy_pass http://")
          .append(pool).append(proxyPath.uri).append("; }\n");
    }
    Path temp = dir.resolve("temp");
    return String.join("\n",
        "# a private nginx of " + owner + "; stopped when it ends",
        "worker_processes 1;",
        "error_log " + errorLog() + " info;",
        "pid " + pidFile() + ";",
        "events { worker_connections 512; }",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + temp.resolve("body") + ";",
        "  proxy_temp_path " + temp.resolve("proxy") + ";",
        "  fastcgi_temp_path " + temp.resolve("fastcgi") + ";",
        "  uwsgi_temp_path " + temp.resolve("uwsgi") + ";",
        "  scgi_temp_path " + temp.resolve("scgi") + ";",
        "  include " + poolsDir() + "/*.conf;",
        "  server {",
        "    listen 127.0.0.1:" + port + ";",
        locations.toString(),
        "  }",
        "}",
        "");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void launch() throws IOException {
    master = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c",
        configFile().toString(), "-e", errorLog().toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    long deadline = System.nanoTime() + READY.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(5);
    // the listening socket accepts before the master has forked its worker; a test that kills
    // nginx's processes by hand must find the worker among the master's children
    while (!answers() || !Files.exists(pidFile()) || master.children().findAny().isEmpty()) {
      if (!master.isAlive() || System.nanoTime() > deadline) {
        String log = (Files.exists(errorLog()) ? Files.readString(errorLog()) : "")
            + Files.readString(dir.resolve("stdout.log"));
        close();
        throw new VrException("nginx did not start on 127.0.0.1:" + port + " (prefix " + dir
            + "): " + log.strip());
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(100));
    }
    pid = master.pid();
    master.descendants().forEach(workers::add);
    LOG.info("private nginx on 127.0.0.1:{} (pid {}, prefix {})", port, pid, dir);
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The port nginx listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The pid of nginx's master process. */
  public long pid() {
    return pid;
  }

  /** The prefix directory, which holds the configuration, the pid file and the logs. */
  public Path dir() {
    return dir;
  }

  /**
   * The URL at which nginx proxies requests to that pool's upstream, {@code
   * http://127.0.0.1:<port>/<pool>/}.
   *
   * @param pool a pool given to {@link #start}
   * @return the URL that nginx proxies to the pool's upstream
   */
  public URI url(String pool) {
    return URI.create("http://127.0.0.1:" + port + "/" + pool + "/");
  }

  /** The directory nginx includes {@code *.conf} from, one file per pool. */
  public Path poolsDir() {
    return dir.resolve("pools");
  }

  /** The main configuration file, {@code nginx.conf} in the prefix directory. */
  public Path configFile() {
    return dir.resolve("nginx.conf");
  }

  /** The master's pid file, {@code nginx.pid} in the prefix directory. */
  public Path pidFile() {
    return dir.resolve("nginx.pid");
  }

  /** The error log, {@code error.log} in the prefix directory. */
  public Path errorLog() {
    return dir.resolve("error.log");
  }

  /**
   * This nginx as a host a {@link NginxBalancer} can manage, reached through that runner.
   *
   * @param runner reaches this machine (locally or over SSH to 127.0.0.1)
   * @return this nginx as a balancer host
   */
  public NginxHost host(CommandRunner runner) {
    return NginxHost.builder().runner(runner).nginx(nginx.toString())
        .poolsDir(poolsDir().toString()).prefix(dir.toString())
        .configFile(configFile().toString()).pidFile(pidFile().toString())
        .errorLog(errorLog().toString()).build();
  }

  /**
   * Stops the master (SIGTERM: nginx's fast shutdown; SIGKILL if it has not ended within 10 s)
   * and every worker it ever had. Idempotent.
   *
   * @throws VrException if a worker does not exit
   */
  @Override
  public synchronized void close() {
    if (master == null) {
      return;
    }
    master.descendants().forEach(workers::add); // reloads start new workers
    master.destroy();
    try {
      if (!master.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("nginx (pid {}) ignored SIGTERM for {}; killing it", master.pid(), STOP);
        master.destroyForcibly();
        master.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
      }
      for (ProcessHandle w : workers) {
        if (w.isAlive()) {
          w.destroyForcibly();
          w.onExit().get(STOP.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new VrException("a worker of the private nginx in " + dir + " did not exit: "
          + e.getMessage(), e);
    }
    workers.clear();
    master = null;
  }

  /** The address and prefix directory, for logs. */
  @Override
  public String toString() {
    return "PrivateNginx[127.0.0.1:" + port + ", prefix " + dir + "]";
  }
}
