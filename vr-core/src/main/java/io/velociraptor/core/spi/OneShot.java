package io.velociraptor.core.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A command that {@link ContainerRuntime#runOneShot} runs once, to completion, in a throwaway
 * container (or as a user, for a runtime without containers): a buildpack's {@code bin/compile},
 * a migration, a one-off task. Immutable; built with {@link #builder()}, which checks every value
 * and names the bad one.
 *
 * <p>Nothing is inherited: the environment is exactly {@link #env()} (no {@code PATH} unless given),
 * the program is an absolute path, and the host paths it may write are listed. Paths are
 * absolute and normalized ({@code /a/b}, no {@code .}, {@code ..}, {@code //} or trailing
 * {@code /}); runtimes may refuse more (LXC refuses characters it cannot write into its config)
 * and then name the value.
 */
public final class OneShot {

  /** The time limit used when none is set: 60 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);


  private final List<String> argv;
  private final SortedMap<String, String> env;
  private final String workingDir;
  private final SortedSet<String> writableDirs;
  private final Optional<String> user;
  private final boolean network;
  private final Duration timeout;

  private OneShot(Builder b) {
    if (b.argv.isEmpty()) {
      throw new InvalidCommandException("argv", "[]", "a one-shot command needs a program");
    }
    for (String arg : b.argv) {
      Objects.requireNonNull(arg, "argv element");
      CommandValues.requireNoNul("argv", arg);
    }
    String program = b.argv.get(0);
    if (!program.startsWith("/") || program.indexOf('=') >= 0) {
      throw new InvalidCommandException("argv[0]", program,
          "the program must be an absolute path without '=' (nothing is looked up on a PATH)");
    }
    this.argv = List.copyOf(b.argv);
    this.env = CommandValues.env(b.env);
    this.workingDir = requirePath("workingDir", b.workingDir);
    TreeSet<String> dirs = new TreeSet<>();
    for (String dir : b.writableDirs) {
      dirs.add(requirePath("writableDirs", Objects.requireNonNull(dir, "writable dir")));
    }
    this.writableDirs = Collections.unmodifiableSortedSet(dirs);
    this.user = b.user.map(u -> CommandValues.user("user", u));
    this.network = b.network;
    this.timeout = CommandValues.timeout(b.timeout);
  }

  private static String requirePath(String field, String path) {
    CommandValues.requireNoNul(field, path);
    boolean normal = path.startsWith("/")
        && (path.equals("/") || !path.endsWith("/"))
        && !path.contains("//")
        && Arrays.stream(path.substring(1).split("/", -1))
            .noneMatch(s -> s.equals(".") || s.equals(".."));
    if (!normal) {
      throw new InvalidCommandException(field, path,
          "must be an absolute, normalized path (no '.', '..', '//' or trailing '/')");
    }
    return path;
  }

  /**
   * A builder with the defaults: working directory {@code /}, empty environment, nothing
   * writable, no user switch, no network, {@link #DEFAULT_TIMEOUT}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The absolute program path and its arguments, passed as an argv (never through a shell). */
  public List<String> argv() {
    return argv;
  }

  /** The whole environment the program sees, sorted by name. */
  public SortedMap<String, String> env() {
    return env;
  }

  /** The absolute directory the program starts in. */
  public String workingDir() {
    return workingDir;
  }

  /**
   * Returns the host directories the program may write, sorted; a container binds each at the same
   * path inside.
   *
   * @return the host directories the program may write, sorted; a container binds each at the
   *     same path inside
   */
  public SortedSet<String> writableDirs() {
    return writableDirs;
  }

  /** The user to run as; empty runs as the host runner's own user. */
  public Optional<String> user() {
    return user;
  }

  /** Whether the program may use the network (default: no). */
  public boolean network() {
    return network;
  }

  /** How long it may run before everything it started is killed. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The argv as one POSIX shell line, for messages; environment values are left out, because
   * they may hold secrets.
   *
   * @return the display form
   */
  public String display() {
    return ShellQuoting.join(argv);
  }

  /**
   * Whether {@code o} is a one-shot with the same argv, env, directory, writable directories, user,
   * network and timeout.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof OneShot)) {
      return false;
    }
    OneShot s = (OneShot) o;
    return argv.equals(s.argv) && env.equals(s.env) && workingDir.equals(s.workingDir)
        && writableDirs.equals(s.writableDirs) && user.equals(s.user) && network == s.network
        && timeout.equals(s.timeout);
  }

  /** A hash code over every field that {@link #equals(Object)} compares. */
  @Override
  public int hashCode() {
    return Objects.hash(argv, env, workingDir, writableDirs, user, network, timeout);
  }

  /** The display form and settings; env names only, never values. */
  @Override
  public String toString() {
    return "OneShot[" + display() + ", env=" + env.keySet() + ", workingDir=" + workingDir
        + ", writableDirs=" + writableDirs + ", user=" + user.orElse("(runner's)")
        + ", network=" + network + ", timeout=" + timeout + "]";
  }

  /** Builds a {@link OneShot}; not thread-safe. */
  public static final class Builder {
    private final List<String> argv = new ArrayList<>();
    private final TreeMap<String, String> env = new TreeMap<>();
    private String workingDir = "/";
    private final List<String> writableDirs = new ArrayList<>();
    private Optional<String> user = Optional.empty();
    private boolean network;
    private Duration timeout = DEFAULT_TIMEOUT;

    private Builder() {}

    /**
     * Sets the absolute program path and its arguments (replaces earlier ones).
     *
     * @param argv the absolute program path and its arguments (replaces earlier ones)
     * @return this builder
     */
    public Builder argv(List<String> argv) {
      this.argv.clear();
      this.argv.addAll(argv);
      return this;
    }

    /**
     * Sets the absolute program path and its arguments (replaces earlier ones).
     *
     * @param program the absolute program path
     * @param args its arguments
     * @return this builder
     */
    public Builder argv(String program, String... args) {
      this.argv.clear();
      this.argv.add(program);
      this.argv.addAll(Arrays.asList(args));
      return this;
    }

    /**
     * Sets the whole environment (replaces earlier variables).
     *
     * @param env the whole environment (replaces earlier variables)
     * @return this builder
     */
    public Builder env(Map<String, String> env) {
      this.env.clear();
      this.env.putAll(env);
      return this;
    }

    /**
     * Adds one environment variable, or replaces the one of that name.
     *
     * @param name a variable name, {@code [A-Za-z_][A-Za-z0-9_]*}
     * @param value its value, anything but NUL
     * @return this builder
     */
    public Builder putEnv(String name, String value) {
      this.env.put(name, value);
      return this;
    }

    /**
     * Sets the absolute directory to start in.
     *
     * @param workingDir the absolute directory to start in
     * @return this builder
     */
    public Builder workingDir(String workingDir) {
      this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
      return this;
    }

    /**
     * Sets the host directories the program may write (replaces earlier ones).
     *
     * @param dirs the host directories the program may write (replaces earlier ones)
     * @return this builder
     */
    public Builder writableDirs(Collection<String> dirs) {
      this.writableDirs.clear();
      this.writableDirs.addAll(dirs);
      return this;
    }

    /**
     * Adds one more host directory the program may write.
     *
     * @param dir one more host directory the program may write
     * @return this builder
     */
    public Builder addWritableDir(String dir) {
      this.writableDirs.add(dir);
      return this;
    }

    /**
     * Sets the user to run as (a name or a numeric uid).
     *
     * @param user the user to run as (a name or a numeric uid)
     * @return this builder
     */
    public Builder user(String user) {
      this.user = Optional.of(Objects.requireNonNull(user, "user"));
      return this;
    }

    /**
     * Sets whether the program may use the network.
     *
     * @param network whether the program may use the network
     * @return this builder
     */
    public Builder network(boolean network) {
      this.network = network;
      return this;
    }

    /**
     * Sets how long it may run, positive.
     *
     * @param timeout how long it may run, positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Builds the one-shot command.
     *
     * @return the command
     * @throws InvalidCommandException naming the bad value: an empty argv, a program that is not
     *     an absolute path or holds {@code =}, a NUL character, a bad variable name, a path that
     *     is not absolute and normalized, a bad user name or a non-positive timeout
     */
    public OneShot build() {
      return new OneShot(this);
    }
  }
}
