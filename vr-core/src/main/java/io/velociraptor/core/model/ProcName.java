package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.Optional;

/**
 * A Supervisor program name, parsed. vr writes {@code app-version-config-hash-proc-port-swarmid}
 * ({@link Ours}); the original wrote the same without the swarm id ({@link Legacy}); anything
 * else is {@link Foreign}: shown and counted in port accounting, never started, stopped or
 * routed. {@code parse(format(x)).equals(x)} for every name.
 */
public sealed interface ProcName extends Comparable<ProcName>
    permits ProcName.Ours, ProcName.Legacy, ProcName.Foreign {

  /** The three kinds of program name. */
  enum Kind {
    /** Written by vr: seven fields ending in the swarm id. */
    OURS,
    /** Written by the original Velociraptor: six fields. */
    LEGACY,
    /** Anything else. */
    FOREIGN
  }

  /**
   * Parses a program name. Never throws: what is not ours or legacy is foreign.
   *
   * @param text a Supervisor program name
   * @return the parsed name
   * @throws InvalidValueException only if {@code text} is null or empty
   */
  @JsonCreator
  static ProcName parse(String text) {
    Names.requireText("program name", text);
    String[] f = text.split("-", -1);
    try {
      if (f.length == 7 && isPortText(f[5]) && isNameForm(f[1])) {
        return new Ours(
            AppName.of(f[0]), f[1], ConfigName.of(f[2]), ReleaseHash.of(f[3]),
            ProcTypeName.of(f[4]), Port.parse(f[5]), SwarmId.of(f[6]));
      }
      if (f.length == 6 && isPortText(f[5]) && isNameForm(f[1]) && !f[3].isEmpty()) {
        return new Legacy(AppName.of(f[0]), f[1], ConfigName.of(f[2]), f[3], ProcTypeName.of(f[4]), Port.parse(f[5]));
      }
    } catch (InvalidValueException notOurs) {
      // a field breaks our rules, so the name is somebody else's
    }
    return new Foreign(text);
  }

  /**
   * Returns the program name vr gives this proc.
   *
   * @param app the app
   * @param version the build's version (its name form is used)
   * @param config the config name
   * @param hash the release hash
   * @param procType the proc type
   * @param port the port
   * @param swarmId the swarm's stable id
   * @return the program name vr gives this proc
   */
  static Ours of(AppName app, Version version, ConfigName config, ReleaseHash hash,
      ProcTypeName procType, Port port, SwarmId swarmId) {
    return new Ours(app, version.nameForm(), config, hash, procType, port, swarmId);
  }

  private static boolean isPortText(String s) {
    if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0')) {
      return false;
    }
    return s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static boolean isNameForm(String s) {
    return !s.isEmpty() && Version.nameForm(s).equals(s);
  }

  /** The program name as Supervisor knows it. */
  @JsonValue
  String format();

  /** Which kind of name this is. */
  Kind kind();

  /** The port the name says the proc listens on; empty for foreign names. */
  Optional<Port> port();

  /**
   * Orders names as their {@link #format()} texts compare, without formatting two of vr's own
   * names (the planner sorts many of them).
   */
  @Override
  default int compareTo(ProcName other) {
    if (this instanceof Ours a && other instanceof Ours b) {
      return Ours.compareFields(a, b);
    }
    return format().compareTo(other.format());
  }

  /**
   * A name vr wrote.
   *
   * @param app the app
   * @param versionName the version's name form
   * @param config the config name
   * @param hash the release hash
   * @param procType the proc type
   * @param portNumber the port
   * @param swarmId the swarm's stable id
   */
  record Ours(AppName app, String versionName, ConfigName config, ReleaseHash hash,
      ProcTypeName procType, Port portNumber, SwarmId swarmId) implements ProcName {
    /**
     * @throws InvalidValueException if the version name is not in name form
     * @param versionName the version name
     * @param swarmId the swarm id
     * @param procType the proc type
     * @param portNumber the port number
     * @param hash the hash
     * @param config the config
     * @param app the app
     */
    public Ours {
      Objects.requireNonNull(app, "app");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(hash, "hash");
      Objects.requireNonNull(procType, "procType");
      Objects.requireNonNull(portNumber, "port");
      Objects.requireNonNull(swarmId, "swarmId");
      Names.requireText("version name", versionName);
      if (!isNameForm(versionName)) {
        throw InvalidValueException.of("version name", versionName, "must be in name form [A-Za-z0-9_.]");
      }
    }

    @Override
    public String format() {
      return app + "-" + versionName + "-" + config + "-" + hash + "-" + procType + "-" + portNumber + "-" + swarmId;
    }

    /**
     * Compares field by field, which orders exactly as comparing the formatted names: every
     * character a field may hold ({@code [A-Za-z0-9_.]}, hex, digits, base32) sorts after the
     * {@code -} between fields, so a field that is a prefix of the other's sorts first either way.
     */
    static int compareFields(Ours a, Ours b) {
      int c = a.app.value().compareTo(b.app.value());
      if (c == 0) {
        c = a.versionName.compareTo(b.versionName);
      }
      if (c == 0) {
        c = a.config.value().compareTo(b.config.value());
      }
      if (c == 0) {
        c = a.hash.value().compareTo(b.hash.value());
      }
      if (c == 0) {
        c = a.procType.value().compareTo(b.procType.value());
      }
      if (c == 0) {
        c = compareAsDecimalText(a.portNumber.value(), b.portNumber.value());
      }
      if (c == 0) {
        c = a.swarmId.value().compareTo(b.swarmId.value());
      }
      return c;
    }

    /** Compares two positive ints as their decimal texts compare ("10" before "9"). */
    private static int compareAsDecimalText(int a, int b) {
      int da = digits(a);
      int db = digits(b);
      // align both to the same number of digits: the first differing digit decides
      long wa = a * pow10(Math.max(da, db) - da);
      long wb = b * pow10(Math.max(da, db) - db);
      return wa != wb ? Long.compare(wa, wb) : Integer.compare(da, db);
    }

    private static int digits(int n) {
      int d = 1;
      for (int v = n; v >= 10; v /= 10) {
        d++;
      }
      return d;
    }

    private static long pow10(int n) {
      long p = 1;
      for (int i = 0; i < n; i++) {
        p *= 10;
      }
      return p;
    }

    @Override
    public Kind kind() {
      return Kind.OURS;
    }

    @Override
    public Optional<Port> port() {
      return Optional.of(portNumber);
    }

    @Override
    public String toString() {
      return format();
    }
  }

  /**
   * A name the original Velociraptor wrote: {@code app-version-config-hash-proc-port}.
   *
   * @param app the app
   * @param versionName the version as written
   * @param config the config name
   * @param hash the release hash as written (the original's 8 hex characters, normally)
   * @param procType the proc type
   * @param portNumber the port
   */
  record Legacy(AppName app, String versionName, ConfigName config, String hash,
      ProcTypeName procType, Port portNumber) implements ProcName {
    /**
     * @throws InvalidValueException if a text field is empty or holds a dash
     * @param versionName the version name
     * @param procType the proc type
     * @param portNumber the port number
     * @param hash the hash
     * @param config the config
     * @param app the app
     */
    public Legacy {
      Objects.requireNonNull(app, "app");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(procType, "procType");
      Objects.requireNonNull(portNumber, "port");
      Names.requireText("version name", versionName);
      Names.requireText("release hash", hash);
      if (!isNameForm(versionName)) {
        throw InvalidValueException.of("version name", versionName, "must be in name form [A-Za-z0-9_.]");
      }
      if (hash.indexOf('-') >= 0) {
        throw InvalidValueException.of("release hash", hash, "must not contain a dash");
      }
    }

    @Override
    public String format() {
      return app + "-" + versionName + "-" + config + "-" + hash + "-" + procType + "-" + portNumber;
    }

    @Override
    public Kind kind() {
      return Kind.LEGACY;
    }

    @Override
    public Optional<Port> port() {
      return Optional.of(portNumber);
    }

    @Override
    public String toString() {
      return format();
    }
  }

  /**
   * Any other program name.
   *
   * @param text the name as Supervisor reports it
   */
  record Foreign(String text) implements ProcName {
    /**
     * @throws InvalidValueException if the text is empty
     * @param text the text
     */
    public Foreign {
      Names.requireText("program name", text);
    }

    @Override
    public String format() {
      return text;
    }

    @Override
    public Kind kind() {
      return Kind.FOREIGN;
    }

    @Override
    public Optional<Port> port() {
      return Optional.empty();
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
