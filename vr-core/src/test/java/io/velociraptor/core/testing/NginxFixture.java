package io.velociraptor.core.testing;

import io.velociraptor.core.routing.NginxHost;
import io.velociraptor.core.routing.PrivateNginx;
import io.velociraptor.core.spi.CommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link PrivateNginx} (Debian {@code nginx-light}) for tests, under a temporary prefix, that
 * passes the whole path on to a pool's upstream. {@link #close()} stops it and deletes the
 * prefix, so use it in try-with-resources or {@code @AfterAll}.
 */
public final class NginxFixture implements AutoCloseable {
  private static final Path NGINX = Path.of("/usr/sbin/nginx");

  private final Path dir;
  private final PrivateNginx nginx;

  private NginxFixture(Path dir, PrivateNginx nginx) {
    this.dir = dir;
    this.nginx = nginx;
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
   * @throws IllegalStateException if nginx is missing
   * @throws io.velociraptor.core.VrException if it does not come up
   */
  public static NginxFixture start(String... pools) {
    if (!available()) {
      throw new IllegalStateException("nginx is not installed at " + NGINX + "; install Debian's nginx-light");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("vr-nginx");
      return new NginxFixture(dir, PrivateNginx.start(NGINX, dir, List.of(pools),
          PrivateNginx.ProxyPath.WHOLE, "balancer fixture"));
    } catch (IOException e) {
      PrivateProcess.deleteTree(dir);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      PrivateProcess.deleteTree(dir);
      throw e;
    }
  }

  /** @return the port nginx listens on, on 127.0.0.1 */
  public int port() {
    return nginx.port();
  }

  /**
   * @param pool a pool given to {@link #start}
   * @return the URL that nginx proxies to the pool's upstream
   */
  public URI url(String pool) {
    return nginx.url(pool);
  }

  /** @return the directory nginx includes {@code *.conf} from */
  public Path poolsDir() {
    return nginx.poolsDir();
  }

  /** @return the main configuration file */
  public Path configFile() {
    return nginx.configFile();
  }

  /** @return the master's pid file */
  public Path pidFile() {
    return nginx.pidFile();
  }

  /** @return the error log */
  public Path errorLog() {
    return nginx.errorLog();
  }

  /**
   * @param runner reaches this machine (locally or over SSH to 127.0.0.1)
   * @return this nginx as a balancer host
   */
  public NginxHost host(CommandRunner runner) {
    return nginx.host(runner);
  }

  /** Stops nginx and its workers and deletes the prefix. Idempotent. */
  @Override
  public void close() {
    nginx.close();
    PrivateProcess.deleteTree(dir);
  }

  @Override
  public String toString() {
    return "NginxFixture[127.0.0.1:" + port() + "]";
  }
}
