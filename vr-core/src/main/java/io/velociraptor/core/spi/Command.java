package io.velociraptor.core.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A command to run on a host: an argv list (never a shell string), with optional stdin,
 * environment, working directory, timeout, output limit and sudo user. Immutable.
 *
 * <p>Runners pass the argv to the program exactly as given: over SSH every element is
 * POSIX-quoted, locally it goes to {@link ProcessBuilder} unchanged. To run a shell snippet, say
 * so explicitly: {@code Command.of("sh", "-c", script, "sh", arg1, ...)} with the data in
 * positional arguments, not pasted into the script.
 */
public final class Command {

  /** The timeout used when none is set: 60 seconds (the original's supervisorctl timeout). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The default cap on captured output, per stream: 1 MiB. Bytes past it are read and dropped,
   * and the result says the stream was truncated; a streamed command still delivers every line.
   */
  public static final int DEFAULT_OUTPUT_LIMIT = 1 << 20;


  private final List<String> argv;
  private final byte[] stdin;
  private final SortedMap<String, String> env;
  private final String workingDir;
  private final Duration timeout;
  private final String sudoUser;
  private final int outputLimit;

  private Command(Builder b) {
    if (b.argv.isEmpty()) {
      throw new InvalidCommandException("argv", "[]", "a command needs at least a program name");
    }
    for (String arg : b.argv) {
      Objects.requireNonNull(arg, "argv element");
      CommandValues.requireNoNul("argv", arg);
    }
    if (b.argv.get(0).isEmpty()) {
      throw new InvalidCommandException("argv[0]", "", "the program name is empty");
    }
    this.argv = List.copyOf(b.argv);
    this.stdin = b.stdin == null ? null : b.stdin.clone();
    this.env = CommandValues.env(b.env);
    if (b.workingDir != null) {
      CommandValues.requireNoNul("workingDir", b.workingDir);
      if (!b.workingDir.startsWith("/")) {
        throw new InvalidCommandException(
            "workingDir", b.workingDir, "the working directory must be an absolute path");
      }
    }
    this.workingDir = b.workingDir;
    this.timeout = CommandValues.timeout(b.timeout);
    this.sudoUser = b.sudoUser == null ? null : CommandValues.user("sudoUser", b.sudoUser);
    if (b.outputLimit < 0) {
      throw new InvalidCommandException(
          "outputLimit", Integer.toString(b.outputLimit), "the output limit must not be negative");
    }
    this.outputLimit = b.outputLimit;
  }

  /**
   * A command with just an argv and every other setting at its default.
   *
   * @param program the program to run (looked up on the host's PATH unless absolute)
   * @param args its arguments, passed verbatim
   * @return the command
   * @throws InvalidCommandException if the program name is empty or an argument holds a NUL
   */
  public static Command of(String program, String... args) {
    List<String> argv = new ArrayList<>(args.length + 1);
    argv.add(program);
    argv.addAll(Arrays.asList(args));
    return builder().argv(argv).build();
  }

  /**
   * A builder with the defaults: no stdin, no extra environment, the runner's default working
   * directory, {@link #DEFAULT_TIMEOUT}, {@link #DEFAULT_OUTPUT_LIMIT} and no sudo.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this command's settings, to derive a changed copy.
   *
   * @return a new builder initialized from this command
   */
  public Builder toBuilder() {
    Builder b = new Builder().argv(argv).env(env).timeout(timeout).outputLimit(outputLimit);
    b.stdin = stdin;
    b.workingDir = workingDir;
    b.sudoUser = sudoUser;
    return b;
  }

  /** The program and its arguments, never empty. */
  public List<String> argv() {
    return argv;
  }

  /** A copy of the bytes fed to the command's standard input, if any. */
  public Optional<byte[]> stdin() {
    return Optional.ofNullable(stdin).map(byte[]::clone);
  }

  /** Environment variables added to the runner's environment, sorted by name. */
  public SortedMap<String, String> env() {
    return env;
  }

  /** The absolute directory to run in, if not the runner's default. */
  public Optional<String> workingDir() {
    return Optional.ofNullable(workingDir);
  }

  /** How long the command may run before it is killed. */
  public Duration timeout() {
    return timeout;
  }

  /** The user to run as through {@code sudo -n -u}, if any. */
  public Optional<String> sudoUser() {
    return Optional.ofNullable(sudoUser);
  }

  /** The cap on captured bytes, per output stream. */
  public int outputLimit() {
    return outputLimit;
  }

  /**
   * The argv as one POSIX shell line, for messages. Environment values and stdin are left out,
   * because they may hold secrets.
   *
   * @return the display form, e.g. {@code ls -l '/tmp/a b'}
   */
  public String display() {
    return ShellQuoting.join(argv);
  }

  /**
   * Whether {@code o} is a command with the same argv, stdin, env, directory, timeout, sudo user
   * and output limit.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Command)) {
      return false;
    }
    Command c = (Command) o;
    return argv.equals(c.argv)
        && Arrays.equals(stdin, c.stdin)
        && env.equals(c.env)
        && Objects.equals(workingDir, c.workingDir)
        && timeout.equals(c.timeout)
        && Objects.equals(sudoUser, c.sudoUser)
        && outputLimit == c.outputLimit;
  }

  /** A hash code over every field that {@link #equals(Object)} compares. */
  @Override
  public int hashCode() {
    return Objects.hash(argv, Arrays.hashCode(stdin), env, workingDir, timeout, sudoUser,
        outputLimit);
  }

  /** The display form plus the settings that differ from the defaults (no env values). */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Command[").append(display());
    if (!env.isEmpty()) {
      s.append(", env=").append(env.keySet());
    }
    if (stdin != null) {
      s.append(", stdin=").append(stdin.length).append(" bytes");
    }
    if (workingDir != null) {
      s.append(", workingDir=").append(workingDir);
    }
    if (sudoUser != null) {
      s.append(", sudoUser=").append(sudoUser);
    }
    return s.append(", timeout=").append(timeout).append(']').toString();
  }

  /** Builds a {@link Command}; not thread-safe. */
  public static final class Builder {
    private final List<String> argv = new ArrayList<>();
    private byte[] stdin;
    private final TreeMap<String, String> env = new TreeMap<>();
    private String workingDir;
    private Duration timeout = DEFAULT_TIMEOUT;
    private String sudoUser;
    private int outputLimit = DEFAULT_OUTPUT_LIMIT;

    private Builder() {}

    /**
     * Replaces the argv.
     *
     * @param argv the program and its arguments
     * @return this builder
     */
    public Builder argv(List<String> argv) {
      this.argv.clear();
      this.argv.addAll(argv);
      return this;
    }

    /**
     * Replaces the argv.
     *
     * @param program the program
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
     * Sets the bytes fed to standard input (copied); without it stdin is empty (EOF at once).
     *
     * @param stdin the bytes
     * @return this builder
     */
    public Builder stdin(byte[] stdin) {
      this.stdin = stdin.clone();
      return this;
    }

    /**
     * Replaces the extra environment variables.
     *
     * @param env name to value
     * @return this builder
     */
    public Builder env(Map<String, String> env) {
      this.env.clear();
      this.env.putAll(env);
      return this;
    }

    /**
     * Adds one environment variable.
     *
     * @param name the variable name, {@code [A-Za-z_][A-Za-z0-9_]*}
     * @param value its value
     * @return this builder
     */
    public Builder putEnv(String name, String value) {
      this.env.put(name, value);
      return this;
    }

    /**
     * Sets the absolute working directory.
     *
     * @param workingDir an absolute path on the host
     * @return this builder
     */
    public Builder workingDir(String workingDir) {
      this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
      return this;
    }

    /**
     * Sets the timeout after which the command (and what it started) is killed.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Runs the command as another user through {@code sudo -n -u <user>} (never prompting).
     *
     * @param sudoUser the user name
     * @return this builder
     */
    public Builder sudoUser(String sudoUser) {
      this.sudoUser = Objects.requireNonNull(sudoUser, "sudoUser");
      return this;
    }

    /**
     * Sets the cap on captured bytes per output stream.
     *
     * @param bytes zero or more
     * @return this builder
     */
    public Builder outputLimit(int bytes) {
      this.outputLimit = bytes;
      return this;
    }

    /**
     * Builds the command.
     *
     * @return the command
     * @throws InvalidCommandException naming the bad value: empty argv or program name, NUL
     *     characters, a bad environment name, a relative working directory, a non-positive
     *     timeout, a bad sudo user name or a negative output limit
     */
    public Command build() {
      return new Command(this);
    }
  }
}
