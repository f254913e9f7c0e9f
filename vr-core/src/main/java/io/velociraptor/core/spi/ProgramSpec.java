package io.velociraptor.core.spi;

import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.InvalidValueException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a {@link ProcController} runs for one proc: a supervised program. The values mirror
 * Supervisor's {@code [program:x]} keys and default to Supervisor's own defaults, so a spec means
 * the same thing to the Supervisor-backed controller and to an embedded one.
 *
 * <p>Built with {@link #builder()}; immutable. The builder checks structure (non-empty argv,
 * absolute paths, non-negative numbers, variable names); controllers may reject more where their
 * backend cannot represent a value, and then name the field and the value.
 */
public final class ProgramSpec {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,255}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]{0,31}\\$?|[0-9]{1,10}");

  /** When Supervisor restarts a program that exited after it was running. */
  public enum AutoRestart {
    /** Always restart. */
    ALWAYS,
    /** Never restart. */
    NEVER,
    /** Restart only when the exit code is not one of {@link ProgramSpec#exitCodes()}. */
    UNEXPECTED
  }

  /** The signals Supervisor accepts as {@code stopsignal}. */
  public enum StopSignal {
    /** SIGTERM (15). */
    TERM(15),
    /** SIGHUP (1). */
    HUP(1),
    /** SIGINT (2). */
    INT(2),
    /** SIGQUIT (3). */
    QUIT(3),
    /** SIGKILL (9). */
    KILL(9),
    /** SIGUSR1 (10). */
    USR1(10),
    /** SIGUSR2 (12). */
    USR2(12);

    private final int number;

    StopSignal(int number) {
      this.number = number;
    }

    /** The Linux signal number. */
    public int number() {
      return number;
    }
  }

  private final String name;
  private final List<String> argv;
  private final Optional<String> directory;
  private final Optional<String> user;
  private final SortedMap<String, String> environment;
  private final boolean autoStart;
  private final AutoRestart autoRestart;
  private final SortedSet<Integer> exitCodes;
  private final int startSecs;
  private final int startRetries;
  private final StopSignal stopSignal;
  private final int stopWaitSecs;
  private final boolean stopAsGroup;
  private final boolean killAsGroup;
  private final Optional<String> stdoutLogfile;
  private final long stdoutLogfileMaxBytes;
  private final int stdoutLogfileBackups;
  private final boolean redirectStderr;

  private ProgramSpec(Builder b) {
    this.name = requireName(b.name);
    if (b.argv.isEmpty()) {
      throw InvalidValueException.of("argv of program " + name, b.argv, "must hold at least the executable");
    }
    for (String arg : b.argv) {
      Objects.requireNonNull(arg, "argv element");
    }
    if (b.argv.get(0).isEmpty()) {
      throw InvalidValueException.of("argv[0] of program " + name, "", "must name the executable");
    }
    this.argv = List.copyOf(b.argv);
    this.directory = b.directory.map(d -> requireAbsolute("directory of program " + name, d));
    this.user = b.user.map(u -> {
      if (!USER.matcher(u).matches()) {
        throw InvalidValueException.of("user of program " + name, u, "must be a user name or a numeric uid");
      }
      return u;
    });
    TreeMap<String, String> env = new TreeMap<>();
    b.environment.forEach((k, v) -> {
      if (k == null || !ENV_NAME.matcher(k).matches()) {
        throw InvalidValueException.of(
            "environment variable name of program " + name, k, "must match [A-Za-z_][A-Za-z0-9_]*");
      }
      Objects.requireNonNull(v, "environment value of " + k);
      Env.requireFits("environment variable " + k + " of program " + name, k, v);
      env.put(k, v);
    });
    this.environment = Collections.unmodifiableSortedMap(env);
    this.autoStart = b.autoStart;
    this.autoRestart = Objects.requireNonNull(b.autoRestart, "autoRestart");
    if (b.exitCodes.isEmpty()) {
      throw InvalidValueException.of("exit codes of program " + name, "[]", "must hold at least one code");
    }
    for (int code : b.exitCodes) {
      if (code < 0 || code > 255) {
        throw InvalidValueException.of("exit code of program " + name, code, "must be between 0 and 255");
      }
    }
    this.exitCodes = Collections.unmodifiableSortedSet(new TreeSet<>(b.exitCodes));
    this.startSecs = nonNegative("startsecs of program " + name, b.startSecs);
    this.startRetries = nonNegative("startretries of program " + name, b.startRetries);
    this.stopSignal = Objects.requireNonNull(b.stopSignal, "stopSignal");
    this.stopWaitSecs = nonNegative("stopwaitsecs of program " + name, b.stopWaitSecs);
    if (b.stopAsGroup && !b.killAsGroup) {
      throw InvalidValueException.of(
          "killasgroup of program " + name, false, "must be true when stopasgroup is true (Supervisor's rule)");
    }
    this.stopAsGroup = b.stopAsGroup;
    this.killAsGroup = b.killAsGroup;
    this.stdoutLogfile = b.stdoutLogfile.map(f -> requireAbsolute("stdout log file of program " + name, f));
    if (b.stdoutLogfileMaxBytes < 0) {
      throw InvalidValueException.of(
          "stdout log max bytes of program " + name, b.stdoutLogfileMaxBytes, "must not be negative");
    }
    this.stdoutLogfileMaxBytes = b.stdoutLogfileMaxBytes;
    this.stdoutLogfileBackups = nonNegative("stdout log backups of program " + name, b.stdoutLogfileBackups);
    this.redirectStderr = b.redirectStderr;
  }

  /** A builder with Supervisor's defaults; {@code name} and {@code argv} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this spec's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.argv = new ArrayList<>(argv);
    b.directory = directory;
    b.user = user;
    b.environment = new TreeMap<>(environment);
    b.autoStart = autoStart;
    b.autoRestart = autoRestart;
    b.exitCodes = new TreeSet<>(exitCodes);
    b.startSecs = startSecs;
    b.startRetries = startRetries;
    b.stopSignal = stopSignal;
    b.stopWaitSecs = stopWaitSecs;
    b.stopAsGroup = stopAsGroup;
    b.killAsGroup = killAsGroup;
    b.stdoutLogfile = stdoutLogfile;
    b.stdoutLogfileMaxBytes = stdoutLogfileMaxBytes;
    b.stdoutLogfileBackups = stdoutLogfileBackups;
    b.redirectStderr = redirectStderr;
    return b;
  }

  /** The program name: {@code A-Z a-z 0-9 _ . -}, 1 to 255 characters. */
  public String name() {
    return name;
  }

  /** The command as an argument vector, executable first; never run through a shell. */
  public List<String> argv() {
    return argv;
  }

  /** The absolute working directory, or empty for the controller's default. */
  public Optional<String> directory() {
    return directory;
  }

  /** The user to run as, or empty for the controller's own user. */
  public Optional<String> user() {
    return user;
  }

  /** Extra environment variables, sorted by name. */
  public SortedMap<String, String> environment() {
    return environment;
  }

  /** Whether the program starts as soon as it is installed (default true). */
  public boolean autoStart() {
    return autoStart;
  }

  /** The restart policy (default {@link AutoRestart#UNEXPECTED}). */
  public AutoRestart autoRestart() {
    return autoRestart;
  }

  /** The exit codes that count as expected (default {@code {0}}). */
  public SortedSet<Integer> exitCodes() {
    return exitCodes;
  }

  /** Seconds the program must stay up to count as started (default 1). */
  public int startSecs() {
    return startSecs;
  }

  /** Failed starts allowed before FATAL (default 3). */
  public int startRetries() {
    return startRetries;
  }

  /** The signal that asks the program to stop (default TERM). */
  public StopSignal stopSignal() {
    return stopSignal;
  }

  /** Seconds to wait after the stop signal before SIGKILL (default 10). */
  public int stopWaitSecs() {
    return stopWaitSecs;
  }

  /** Whether the stop signal goes to the whole process group (default false). */
  public boolean stopAsGroup() {
    return stopAsGroup;
  }

  /** Whether SIGKILL goes to the whole process group (default false). */
  public boolean killAsGroup() {
    return killAsGroup;
  }

  /** The absolute stdout log path, or empty for one the controller chooses. */
  public Optional<String> stdoutLogfile() {
    return stdoutLogfile;
  }

  /** Bytes after which the stdout log rotates; 0 never rotates (default 50 MB). */
  public long stdoutLogfileMaxBytes() {
    return stdoutLogfileMaxBytes;
  }

  /** Rotated stdout logs kept (default 10). */
  public int stdoutLogfileBackups() {
    return stdoutLogfileBackups;
  }

  /** Whether stderr goes to the stdout log (default true, unlike Supervisor's). */
  public boolean redirectStderr() {
    return redirectStderr;
  }

  /** Whether {@code o} is a spec with the same value in every setting. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ProgramSpec)) {
      return false;
    }
    ProgramSpec s = (ProgramSpec) o;
    return name.equals(s.name)
        && argv.equals(s.argv)
        && directory.equals(s.directory)
        && user.equals(s.user)
        && environment.equals(s.environment)
        && autoStart == s.autoStart
        && autoRestart == s.autoRestart
        && exitCodes.equals(s.exitCodes)
        && startSecs == s.startSecs
        && startRetries == s.startRetries
        && stopSignal == s.stopSignal
        && stopWaitSecs == s.stopWaitSecs
        && stopAsGroup == s.stopAsGroup
        && killAsGroup == s.killAsGroup
        && stdoutLogfile.equals(s.stdoutLogfile)
        && stdoutLogfileMaxBytes == s.stdoutLogfileMaxBytes
        && stdoutLogfileBackups == s.stdoutLogfileBackups
        && redirectStderr == s.redirectStderr;
  }

  /** A hash code over every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(name, argv, directory, user, environment, autoStart, autoRestart, exitCodes,
        startSecs, startRetries, stopSignal, stopWaitSecs, stopAsGroup, killAsGroup, stdoutLogfile,
        stdoutLogfileMaxBytes, stdoutLogfileBackups, redirectStderr);
  }

  /** The main settings, with the environment's names but never its values. */
  @Override
  public String toString() {
    // environment values may hold secrets: only their names are shown
    return "ProgramSpec{name=" + name + ", argv=" + argv + ", directory=" + directory + ", user=" + user
        + ", environment=" + environment.keySet() + ", autoStart=" + autoStart + ", autoRestart=" + autoRestart
        + ", startSecs=" + startSecs + ", stopSignal=" + stopSignal + ", stopWaitSecs=" + stopWaitSecs + "}";
  }

  private static String requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw InvalidValueException.of("program name", name, "use 1 to 255 of A-Z a-z 0-9 _ . -");
    }
    return name;
  }

  private static String requireAbsolute(String field, String path) {
    if (!path.startsWith("/")) {
      throw InvalidValueException.of(field, path, "must be an absolute path");
    }
    return path;
  }

  private static int nonNegative(String field, int value) {
    if (value < 0) {
      throw InvalidValueException.of(field, value, "must not be negative");
    }
    return value;
  }

  /** Collects a {@link ProgramSpec}; starts from Supervisor's defaults. */
  public static final class Builder {
    private String name;
    private List<String> argv = new ArrayList<>();
    private Optional<String> directory = Optional.empty();
    private Optional<String> user = Optional.empty();
    private Map<String, String> environment = new TreeMap<>();
    private boolean autoStart = true;
    private AutoRestart autoRestart = AutoRestart.UNEXPECTED;
    private SortedSet<Integer> exitCodes = new TreeSet<>(List.of(0));
    private int startSecs = 1;
    private int startRetries = 3;
    private StopSignal stopSignal = StopSignal.TERM;
    private int stopWaitSecs = 10;
    private boolean stopAsGroup;
    private boolean killAsGroup;
    private Optional<String> stdoutLogfile = Optional.empty();
    private long stdoutLogfileMaxBytes = 50L * 1024 * 1024;
    private int stdoutLogfileBackups = 10;
    private boolean redirectStderr = true;

    private Builder() {}

    /**
     * Sets the program name.
     *
     * @param name the program name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the executable and its arguments.
     *
     * @param argv the executable and its arguments
     * @return this builder
     */
    public Builder argv(List<String> argv) {
      this.argv = new ArrayList<>(argv);
      return this;
    }

    /**
     * Sets the executable and its arguments.
     *
     * @param argv the executable and its arguments
     * @return this builder
     */
    public Builder argv(String... argv) {
      return argv(List.of(argv));
    }

    /**
     * Sets an absolute working directory.
     *
     * @param directory an absolute working directory
     * @return this builder
     */
    public Builder directory(String directory) {
      this.directory = Optional.of(directory);
      return this;
    }

    /**
     * Sets the user to run as.
     *
     * @param user the user to run as
     * @return this builder
     */
    public Builder user(String user) {
      this.user = Optional.of(user);
      return this;
    }

    /**
     * Sets the variables added to the program's environment (replaces earlier ones).
     *
     * @param environment variables added to the program's environment (replaces earlier ones)
     * @return this builder
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = new TreeMap<>(environment);
      return this;
    }

    /**
     * Adds one environment variable, or replaces the one of that name.
     *
     * @param name a variable name
     * @param value its value
     * @return this builder
     */
    public Builder putEnvironment(String name, String value) {
      this.environment.put(name, value);
      return this;
    }

    /**
     * Sets whether the program starts on install.
     *
     * @param autoStart start on install
     * @return this builder
     */
    public Builder autoStart(boolean autoStart) {
      this.autoStart = autoStart;
      return this;
    }

    /**
     * Sets the restart policy.
     *
     * @param autoRestart the restart policy
     * @return this builder
     */
    public Builder autoRestart(AutoRestart autoRestart) {
      this.autoRestart = autoRestart;
      return this;
    }

    /**
     * Sets the expected exit codes, 0 to 255.
     *
     * @param exitCodes expected exit codes, 0 to 255
     * @return this builder
     */
    public Builder exitCodes(Iterable<Integer> exitCodes) {
      this.exitCodes = new TreeSet<>();
      exitCodes.forEach(this.exitCodes::add);
      return this;
    }

    /**
     * Sets how many seconds the program must stay up to count as started.
     *
     * @param startSecs seconds up before the program counts as started
     * @return this builder
     */
    public Builder startSecs(int startSecs) {
      this.startSecs = startSecs;
      return this;
    }

    /**
     * Sets how many failed starts are allowed before the program is FATAL.
     *
     * @param startRetries failed starts allowed before FATAL
     * @return this builder
     */
    public Builder startRetries(int startRetries) {
      this.startRetries = startRetries;
      return this;
    }

    /**
     * Sets the signal that asks the program to stop.
     *
     * @param stopSignal the signal that asks the program to stop
     * @return this builder
     */
    public Builder stopSignal(StopSignal stopSignal) {
      this.stopSignal = stopSignal;
      return this;
    }

    /**
     * Sets how many seconds pass between the stop signal and SIGKILL.
     *
     * @param stopWaitSecs seconds between the stop signal and SIGKILL
     * @return this builder
     */
    public Builder stopWaitSecs(int stopWaitSecs) {
      this.stopWaitSecs = stopWaitSecs;
      return this;
    }

    /**
     * Sets whether the stop signal goes to the whole process group (implies killAsGroup).
     *
     * @param stopAsGroup send the stop signal to the process group (implies killAsGroup)
     * @return this builder
     */
    public Builder stopAsGroup(boolean stopAsGroup) {
      this.stopAsGroup = stopAsGroup;
      if (stopAsGroup) {
        this.killAsGroup = true;
      }
      return this;
    }

    /**
     * Sets whether SIGKILL goes to the whole process group.
     *
     * @param killAsGroup send SIGKILL to the process group
     * @return this builder
     */
    public Builder killAsGroup(boolean killAsGroup) {
      this.killAsGroup = killAsGroup;
      return this;
    }

    /**
     * Sets an absolute path for the stdout log.
     *
     * @param path an absolute path for the stdout log
     * @return this builder
     */
    public Builder stdoutLogfile(String path) {
      this.stdoutLogfile = Optional.of(path);
      return this;
    }

    /**
     * Sets how many bytes the stdout log may grow to before it is rotated; 0 never rotates.
     *
     * @param maxBytes bytes before rotation; 0 never rotates
     * @return this builder
     */
    public Builder stdoutLogfileMaxBytes(long maxBytes) {
      this.stdoutLogfileMaxBytes = maxBytes;
      return this;
    }

    /**
     * Sets how many rotated stdout logs are kept.
     *
     * @param backups rotated logs kept
     * @return this builder
     */
    public Builder stdoutLogfileBackups(int backups) {
      this.stdoutLogfileBackups = backups;
      return this;
    }

    /**
     * Sets whether stderr goes to the stdout log.
     *
     * @param redirectStderr send stderr to the stdout log
     * @return this builder
     */
    public Builder redirectStderr(boolean redirectStderr) {
      this.redirectStderr = redirectStderr;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws InvalidValueException if a value breaks the rules; the message names it
     */
    public ProgramSpec build() {
      return new ProgramSpec(this);
    }
  }
}
