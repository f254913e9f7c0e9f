package io.velociraptor.core.testing;

import io.velociraptor.core.routing.NginxHost;
import io.velociraptor.core.spi.CommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private nginx (Debian {@code nginx-light}) for tests: everything under a temporary prefix
 * (config, pid file, error log, every {@code *_temp_path}), one {@code server} on 127.0.0.1 at a
 * free port that includes {@code <prefix>/pools/*.conf} and proxies {@code /<pool>/} to the
 * upstream {@code <pool>} for each pool it was started with (each begins with vr's empty-pool
 * placeholder, as nginx needs an upstream that a {@code proxy_pass} names to exist).
 * {@link #start} returns once nginx answers; {@link #close()} stops the master and its workers
 * and deletes the prefix, so use it in try-with-resources or {@code @AfterAll}.
 */
public final class NginxFixture implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NginxFixture.class);
  private static final Path NGINX = Path.of("/usr/sbin/nginx");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final int port;
  private PrivateProcess nginx;

  private NginxFixture(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** @return whether nginx is installed */
  public static boolean available() {
    return Files.isExecutable(NGINX);
  }

  /**
   * Writes the configuration and starts nginx in the foreground ({@code daemon off}).
   *
   * @param pools pool names to route, each at {@code /<pool>/}
   * @return the running fixture
   * @throws IllegalStateException if nginx is missing or does not come up
   */
  public static NginxFixture start(String... pools) {
    if (!available()) {
      throw new IllegalStateException("nginx is not installed at " + NGINX + "; install Debian's nginx-light");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("vr-nginx");
      NginxFixture f = new NginxFixture(dir, PrivateProcess.freePort());
      Files.createDirectories(f.poolsDir());
      Files.createDirectories(dir.resolve("temp"));
      for (String pool : pools) {
        Files.writeString(f.poolsDir().resolve(pool + ".conf"), "# written by vr: pool " + pool
            + " of balancer fixture; do not edit\nupstream " + pool + " {\n  server 127.0.0.1:1 down;\n}\n");
      }
      Files.writeString(f.configFile(), f.config(pools));
      f.launch();
      return f;
    } catch (IOException e) {
      PrivateProcess.deleteTree(dir);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      PrivateProcess.deleteTree(dir);
      throw e;
    }
  }

  private String config(String... pools) {
    StringBuilder locations = new StringBuilder();
    for (String pool : pools) {
      locations.append("    location /").append(pool).append("/ { proxy_pass http://").append(pool).append("; }\n");
    }
    Path temp = dir.resolve("temp");
    return String.join("\n",
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

  private void launch() {
    nginx = PrivateProcess.start("nginx", List.of(NGINX.toString(), "-p", dir.toString(), "-c",
        configFile().toString(), "-e", errorLog().toString(), "-g", "daemon off;"), dir,
        dir.resolve("stdout.log"), errorLog());
    // the listening socket accepts before the master has forked its worker; a test that kills
    // nginx's processes by hand must find the worker among the master's children
    nginx.await("nginx to answer on 127.0.0.1:" + port + ", write its pid file and start its worker",
        READY_TIMEOUT, () -> PrivateProcess.accepts(port) && Files.exists(pidFile())
            && ProcessHandle.of(nginx.pid()).map(h -> h.children().findAny().isPresent()).orElse(false));
    LOG.info("private nginx on 127.0.0.1:{} (pid {}, prefix {})", port, nginx.pid(), dir);
  }

  /** @return the port nginx listens on, on 127.0.0.1 */
  public int port() {
    return port;
  }

  /**
   * @param pool a pool given to {@link #start}
   * @return the URL that nginx proxies to the pool's upstream
   */
  public URI url(String pool) {
    return URI.create("http://127.0.0.1:" + port + "/" + pool + "/");
  }

  /** @return the directory nginx includes {@code *.conf} from */
  public Path poolsDir() {
    return dir.resolve("pools");
  }

  /** @return the main configuration file */
  public Path configFile() {
    return dir.resolve("nginx.conf");
  }

  /** @return the master's pid file */
  public Path pidFile() {
    return dir.resolve("nginx.pid");
  }

  /** @return the error log */
  public Path errorLog() {
    return dir.resolve("error.log");
  }

  /**
   * @param runner reaches this machine (locally or over SSH to 127.0.0.1)
   * @return this nginx as a balancer host
   */
  public NginxHost host(CommandRunner runner) {
    return NginxHost.builder()
        .runner(runner)
        .poolsDir(poolsDir().toString())
        .prefix(dir.toString())
        .configFile(configFile().toString())
        .pidFile(pidFile().toString())
        .errorLog(errorLog().toString())
        .build();
  }

  /** Stops nginx (SIGTERM: its fast shutdown stops the workers too) and deletes the prefix. Idempotent. */
  @Override
  public void close() {
    if (nginx != null) {
      nginx.stop();
    }
    PrivateProcess.deleteTree(dir);
  }

  @Override
  public String toString() {
    return "NginxFixture[127.0.0.1:" + port + "]";
  }
}
