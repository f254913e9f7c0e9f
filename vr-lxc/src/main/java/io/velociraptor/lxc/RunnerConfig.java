package io.velociraptor.lxc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Host-side runner settings: where procs, builds and images live, which runtime, which host
 * directories volumes may come from, the network mode and the timeouts.
 */
public final class RunnerConfig {
  private final Path root;
  private final RuntimeKind runtime;
  private final List<Path> volumeRoots;
  private final boolean hostNetwork;
  private final Duration uptestTimeout;
  private final Duration downloadTimeout;
  private final Duration stopTimeout;
  private final Map<String, String> hostEnv;
  private final Path sysFsCgroup;

  private RunnerConfig(Builder b) {
    this.root = ProcPaths.checkRoot(b.root);
    this.runtime = b.runtime;
    this.volumeRoots = b.volumeRoots.stream().map(p -> Path.of(
        ProcYaml.absoluteNormal("allowed volume root", p.toString()))).sorted().toList();
    this.hostNetwork = b.hostNetwork;
    this.uptestTimeout = positive("uptest timeout", b.uptestTimeout);
    this.downloadTimeout = positive("download timeout", b.downloadTimeout);
    this.stopTimeout = positive("stop timeout", b.stopTimeout);
    this.hostEnv = Map.copyOf(b.hostEnv);
    this.sysFsCgroup = b.sysFsCgroup;
  }

  private static Duration positive(String what, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw RunnerException.badValue(what, d, "must be positive");
    }
    return d;
  }

  /**
   * A builder with the original's defaults: root {@code /apps}, LXC, host network, uptest timeout
   * 60 s, download timeout 5 min, stop timeout 20 s and this JVM's environment.
   *
   * @return a builder with the original's defaults: root /apps, LXC, host network
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The directory holding procs/, builds/ and images/, by default {@code /apps} as in the original.
   *
   * @return the root of procs/, builds/, images/ (the original's /apps)
   */
  public Path root() {
    return root;
  }

  /**
   * The runtime procs are started with: LXC containers or plain processes.
   *
   * @return the runtime procs are started with
   */
  public RuntimeKind runtime() {
    return runtime;
  }

  /**
   * The host directories volumes must lie under, sorted; empty means no volumes are allowed.
   *
   * @return host directories volumes must lie under; empty means no volumes are allowed
   */
  public List<Path> volumeRoots() {
    return volumeRoots;
  }

  /**
   * Whether containers share the host's network (the original's behaviour) rather than having
   * loopback only.
   *
   * @return true if containers share the host's network (the original's behaviour)
   */
  public boolean hostNetwork() {
    return hostNetwork;
  }

  /**
   * The per-script uptest timeout used when the caller gives none.
   *
   * @return the per-script uptest timeout used when the caller gives none
   */
  public Duration uptestTimeout() {
    return uptestTimeout;
  }

  /**
   * The timeout for fetching one build or image over HTTP.
   *
   * @return the timeout for fetching one build or image over HTTP
   */
  public Duration downloadTimeout() {
    return downloadTimeout;
  }

  /**
   * How long teardown waits for a container or process to stop.
   *
   * @return how long teardown waits for a container or process to stop
   */
  public Duration stopTimeout() {
    return stopTimeout;
  }

  Map<String, String> hostEnv() {
    return hostEnv;
  }

  Path sysFsCgroup() {
    return sysFsCgroup;
  }

  /**
   * The {@link RunnerMain} command-line options for this config's root, runtime, network mode,
   * uptest timeout and volume roots.
   *
   * @return the options that give this config back to {@link RunnerMain}
   */
  public List<String> toArgs() {
    List<String> a = new ArrayList<>(List.of("--root", root.toString(),
        "--runtime", runtime.name().toLowerCase(java.util.Locale.ROOT),
        "--network", hostNetwork ? "host" : "none",
        "--uptest-timeout-ms", Long.toString(uptestTimeout.toMillis())));
    for (Path p : volumeRoots) {
      a.add("--volume-root");
      a.add(p.toString());
    }
    return List.copyOf(a);
  }

  /** Builds a {@link RunnerConfig}. */
  public static final class Builder {
    private Path root = Path.of("/apps");
    private RuntimeKind runtime = RuntimeKind.LXC;
    private final List<Path> volumeRoots = new ArrayList<>();
    private boolean hostNetwork = true;
    private Duration uptestTimeout = Duration.ofSeconds(60);
    private Duration downloadTimeout = Duration.ofMinutes(5);
    private Duration stopTimeout = Duration.ofSeconds(20);
    private Map<String, String> hostEnv = System.getenv();
    private Path sysFsCgroup = Path.of("/sys/fs/cgroup");

    private Builder() {}

    /**
     * Sets the directory holding procs/, builds/ and images/, default {@code /apps}.
     *
     * @param root absolute directory without whitespace, holding procs/, builds/, images/
     * @return this
     */
    public Builder root(Path root) {
      this.root = Objects.requireNonNull(root, "root");
      return this;
    }

    /**
     * Sets the runtime procs are started with, default LXC.
     *
     * @param runtime LXC or PLAIN
     * @return this
     */
    public Builder runtime(RuntimeKind runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /**
     * Adds a host directory volumes may be taken from; by default there is none, so no volumes are
     * allowed.
     *
     * @param dir an absolute, normalised host directory volumes may be taken from
     * @return this
     */
    public Builder allowVolumesUnder(Path dir) {
      volumeRoots.add(Objects.requireNonNull(dir, "dir"));
      return this;
    }

    /**
     * Sets whether containers share the host's network, default true.
     *
     * @param hostNetwork true to share the host's network, false for loopback only
     * @return this
     */
    public Builder hostNetwork(boolean hostNetwork) {
      this.hostNetwork = hostNetwork;
      return this;
    }

    /**
     * Sets the per-script uptest timeout used when the caller gives none, default 60 seconds.
     *
     * @param timeout default per-script uptest timeout
     * @return this
     */
    public Builder uptestTimeout(Duration timeout) {
      this.uptestTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the timeout for fetching one build or image over HTTP, default 5 minutes.
     *
     * @param timeout timeout for one download
     * @return this
     */
    public Builder downloadTimeout(Duration timeout) {
      this.downloadTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long teardown waits for a container or process to stop, default 20 seconds.
     *
     * @param timeout how long teardown waits for things to stop
     * @return this
     */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the environment {@code $NAME} values in proc.yaml env are resolved from, default this
     * JVM's environment.
     *
     * @param env the environment {@code $NAME} values in proc.yaml env are resolved from
     * @return this
     */
    public Builder hostEnv(Map<String, String> env) {
      this.hostEnv = Objects.requireNonNull(env, "env");
      return this;
    }

    Builder sysFsCgroup(Path dir) {
      this.sysFsCgroup = dir;
      return this;
    }

    /**
     * Builds the config, checking its paths and timeouts.
     *
     * @return the config
     * @throws RunnerException if the root or a volume root is not an absolute, normalised path
     *     without whitespace, or a timeout is not positive
     */
    public RunnerConfig build() {
      return new RunnerConfig(this);
    }
  }
}
