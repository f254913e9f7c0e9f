package io.velociraptor.core.routing;

import io.velociraptor.core.spi.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One nginx server a {@link NginxBalancer} manages, reached through a {@link CommandRunner}
 * (local or SSH): the directory its configuration includes ({@code include <dir>/*.conf;} inside
 * {@code http}), the nginx binary, and the pid file of its running master. The prefix and
 * configuration file are passed to nginx as {@code -p} and {@code -c} when set; otherwise nginx
 * uses its compiled-in defaults.
 */
public final class NginxHost {
  private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9_./@+-]*");

  private final CommandRunner runner;
  private final String poolsDir;
  private final String nginx;
  private final Optional<String> prefix;
  private final Optional<String> configFile;
  private final String pidFile;
  private final Optional<String> errorLog;

  private NginxHost(Builder b) {
    this.runner = Objects.requireNonNull(b.runner, "runner");
    this.poolsDir = path("pools directory", b.poolsDir).replaceAll("/+$", "");
    this.nginx = path("nginx binary", b.nginx);
    this.prefix = b.prefix.map(p -> path("prefix", p));
    this.configFile = b.configFile.map(p -> path("config file", p));
    this.pidFile = path("pid file", b.pidFile);
    this.errorLog = b.errorLog.map(p -> path("error log", p));
    if (poolsDir.isEmpty()) {
      throw new IllegalArgumentException("the pools directory must not be /");
    }
  }

  private static String path(String what, String value) {
    Objects.requireNonNull(value, what);
    if (!PATH.matcher(value).matches() || value.contains("/../") || value.endsWith("/..")) {
      throw new IllegalArgumentException("the nginx " + what + " must be an absolute path of [A-Za-z0-9_./@+-]"
          + " without '..': \"" + value + "\"");
    }
    return value;
  }

  /** A new builder for a {@link NginxHost}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The runner that reaches the host. */
  public CommandRunner runner() {
    return runner;
  }

  /** The host's name, for messages. */
  public String host() {
    return runner.host();
  }

  /** The directory of pool files. */
  public String poolsDir() {
    return poolsDir;
  }

  /** The nginx binary. */
  public String nginx() {
    return nginx;
  }

  /** The pid file of the running nginx master. */
  public String pidFile() {
    return pidFile;
  }

  String poolFile(String pool) {
    return poolsDir + "/" + pool + ".conf";
  }

  List<String> nginxArgv(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(nginx);
    prefix.ifPresent(p -> {
      argv.add("-p");
      argv.add(p);
    });
    configFile.ifPresent(c -> {
      argv.add("-c");
      argv.add(c);
    });
    errorLog.ifPresent(e -> {
      argv.add("-e");
      argv.add(e);
    });
    argv.addAll(List.of(args));
    return argv;
  }

  /** The host and the directory of its pool files, for messages. */
  @Override
  public String toString() {
    return "nginx on " + host() + " (pools in " + poolsDir + ")";
  }

  /** Builds a {@link NginxHost}. */
  public static final class Builder {
    private CommandRunner runner;
    private String poolsDir;
    private String nginx = "/usr/sbin/nginx";
    private Optional<String> prefix = Optional.empty();
    private Optional<String> configFile = Optional.empty();
    private String pidFile = "/run/nginx.pid";
    private Optional<String> errorLog = Optional.empty();

    private Builder() {}

    /**
     * Sets the error log, passed as {@code nginx -e}: where nginx logs before it has read its
     * configuration (nginx 1.19.5 and later).
     *
     * @param file passed as {@code nginx -e}: where nginx logs before it has read its
     *     configuration (nginx 1.19.5 and later)
     * @return this builder
     */
    public Builder errorLog(String file) {
      this.errorLog = Optional.of(file);
      return this;
    }

    /**
     * Sets the command runner that reaches the host.
     *
     * @param runner reaches the host
     * @return this builder
     */
    public Builder runner(CommandRunner runner) {
      this.runner = runner;
      return this;
    }

    /**
     * Sets the directory nginx includes {@code *.conf} from; it must exist.
     *
     * @param dir the directory nginx includes {@code *.conf} from; it must exist
     * @return this builder
     */
    public Builder poolsDir(String dir) {
      this.poolsDir = dir;
      return this;
    }

    /**
     * Sets the nginx binary; default {@code /usr/sbin/nginx}.
     *
     * @param path the nginx binary; default {@code /usr/sbin/nginx}
     * @return this builder
     */
    public Builder nginx(String path) {
      this.nginx = path;
      return this;
    }

    /**
     * Sets the prefix, passed as {@code nginx -p}.
     *
     * @param dir passed as {@code nginx -p}
     * @return this builder
     */
    public Builder prefix(String dir) {
      this.prefix = Optional.of(dir);
      return this;
    }

    /**
     * Sets the configuration file, passed as {@code nginx -c}.
     *
     * @param file passed as {@code nginx -c}
     * @return this builder
     */
    public Builder configFile(String file) {
      this.configFile = Optional.of(file);
      return this;
    }

    /**
     * Sets the master's pid file, as the configuration's {@code pid}; default {@code
     * /run/nginx.pid}.
     *
     * @param file the master's pid file, as the configuration's {@code pid}; default
     *     {@code /run/nginx.pid}
     * @return this builder
     */
    public Builder pidFile(String file) {
      this.pidFile = file;
      return this;
    }

    /**
     * Builds the nginx host.
     *
     * @return the host
     * @throws IllegalArgumentException if a path is not absolute or has characters outside
     *     {@code [A-Za-z0-9_./@+-]}
     * @throws NullPointerException if the runner or pools directory is missing
     */
    public NginxHost build() {
      return new NginxHost(this);
    }
  }
}
