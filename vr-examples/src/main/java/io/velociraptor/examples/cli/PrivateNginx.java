package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.routing.NginxHost;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A private nginx for {@code vr demo --real}: everything under its own prefix directory (config,
 * pid file, error log, temp paths), one {@code server} on 127.0.0.1 at a free port that includes
 * {@code <prefix>/pools/*.conf} and proxies {@code /<pool>/} to the upstream of that name. Each
 * pool starts with vr's empty-pool placeholder, because a {@code proxy_pass} needs its upstream
 * to exist. {@link #close()} stops the master and its workers; it is idempotent, so a shutdown
 * hook and the normal end may both call it.
 */
final class PrivateNginx implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(20);
  private static final Duration STOP = Duration.ofSeconds(10);

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
   * Writes the configuration under {@code dir} and starts nginx in the foreground; returns once
   * it accepts connections.
   *
   * @param nginx the nginx binary
   * @param dir the prefix directory (created)
   * @param pools the pools to route, each at {@code /<pool>/}
   * @return the running nginx
   * @throws VrException if nginx does not come up; its error log is quoted
   * @throws IOException if the files cannot be written
   */
  static PrivateNginx start(Path nginx, Path dir, List<PoolName> pools) throws IOException {
    Files.createDirectories(dir.resolve("pools"));
    Files.createDirectories(dir.resolve("temp"));
    for (PoolName pool : pools) {
      Files.writeString(dir.resolve("pools").resolve(pool + ".conf"), "# written by vr: pool " + pool
          + " of balancer demo; do not edit\nupstream " + pool + " {\n  server 127.0.0.1:1 down;\n}\n");
    }
    // the free port is released before nginx binds it; another program may take it meanwhile
    for (int attempt = 1; ; attempt++) {
      PrivateNginx n = new PrivateNginx(nginx, dir, freePort());
      Files.writeString(n.configFile(), n.config(pools), StandardCharsets.UTF_8);
      try {
        n.launch();
        return n;
      } catch (VrException e) {
        if (attempt == 3 || !e.getMessage().contains("Address already in use")) {
          throw e;
        }
      }
    }
  }

  private String config(List<PoolName> pools) {
    StringBuilder locations = new StringBuilder();
    for (PoolName pool : pools) {
      locations.append("    location /").append(pool).append("/ { proxy_pass http://").append(pool).append("/; }\n");
    }
    Path temp = dir.resolve("temp");
    return String.join("\n",
        "# a private nginx of vr demo; stopped when the demo ends",
        "worker_processes 1;",
        "error_log " + errorLog() + " info;",
        "pid " + pidFile() + ";",
        "events { worker_connections 256; }",
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
    master = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c", configFile().toString(),
        "-e", errorLog().toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    long deadline = System.nanoTime() + READY.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(5);
    while (!answers() || !Files.exists(pidFile())) {
      if (!master.isAlive() || System.nanoTime() > deadline) {
        String log = (Files.exists(errorLog()) ? Files.readString(errorLog()) : "")
            + Files.readString(dir.resolve("stdout.log"));
        close();
        throw new VrException("nginx did not start on 127.0.0.1:" + port + " (prefix " + dir + "): " + log.strip());
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(100));
    }
    pid = master.pid();
    master.descendants().forEach(workers::add);
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  int port() {
    return port;
  }

  /** @return the master's pid */
  long pid() {
    return pid;
  }

  Path dir() {
    return dir;
  }

  /** @return the URL nginx proxies to the pool's upstream */
  URI url(PoolName pool) {
    return URI.create("http://127.0.0.1:" + port + "/" + pool + "/");
  }

  private Path poolsDir() {
    return dir.resolve("pools");
  }

  private Path configFile() {
    return dir.resolve("nginx.conf");
  }

  private Path pidFile() {
    return dir.resolve("nginx.pid");
  }

  private Path errorLog() {
    return dir.resolve("error.log");
  }

  /**
   * @param runner reaches this machine
   * @return this nginx as a balancer host
   */
  NginxHost host(CommandRunner runner) {
    return NginxHost.builder().runner(runner).nginx(nginx.toString()).poolsDir(poolsDir().toString())
        .prefix(dir.toString()).configFile(configFile().toString()).pidFile(pidFile().toString())
        .errorLog(errorLog().toString()).build();
  }

  /** Stops the master (SIGTERM: nginx's fast shutdown) and every worker it ever had. */
  @Override
  public synchronized void close() {
    if (master == null) {
      return;
    }
    master.descendants().forEach(workers::add); // reloads start new workers
    master.destroy();
    try {
      if (!master.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
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
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new VrException("an nginx worker of the demo did not exit: " + e.getMessage(), e);
    }
    master = null;
  }
}
