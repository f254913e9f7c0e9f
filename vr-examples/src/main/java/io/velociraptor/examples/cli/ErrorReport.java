package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.deploy.DispatchException;
import io.velociraptor.core.deploy.RollbackRefusedException;
import io.velociraptor.core.json.InvalidInputException;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.remote.HostKeyRejectedException;
import io.velociraptor.core.spi.HostConnectionException;
import io.velociraptor.core.spi.StoreException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What an error means to a person or a tool: its kind, message, hint and, for a busy swarm, the
 * run that holds it. The one mapping from exceptions that the CLI (exit codes) and the server
 * (HTTP statuses) share, so both say the same thing of the same failure.
 *
 * @param kind what kind of failure it is
 * @param message the message, one line; a host's connection failure names the host
 * @param hint what to do about it
 * @param run the live run that holds a busy swarm
 */
public record ErrorReport(Kind kind, String message, String hint, Optional<String> run) {
  /** The kinds of failure, each with its CLI exit code and HTTP status. */
  public enum Kind {
    /** Bad input: a field and its value are named. */
    INVALID(VrMain.INVALID, 400),
    /** No such app, build, swarm, run, host or proc. */
    NOT_FOUND(VrMain.INVALID, 404),
    /** The swarm has a live run. */
    BUSY(VrMain.ERROR, 409),
    /** Refused because of the swarm's state (no earlier release to roll back to). */
    REFUSED(VrMain.ERROR, 409),
    /** A host or the store cannot be reached. */
    UNREACHABLE(VrMain.ERROR, 503),
    /** Anything else. */
    FAILED(VrMain.ERROR, 500);

    private final int exitCode;
    private final int httpStatus;

    Kind(int exitCode, int httpStatus) {
      this.exitCode = exitCode;
      this.httpStatus = httpStatus;
    }

    /** @return the CLI's exit code for it */
    public int exitCode() {
      return exitCode;
    }

    /** @return the server's HTTP status for it */
    public int httpStatus() {
      return httpStatus;
    }
  }

  /**
   * Describes an error.
   *
   * @param e the error
   * @param command the command it happened in ({@code swarm show}), for the hint
   * @return its report
   */
  public static ErrorReport of(Throwable e, String command) {
    Optional<String> run = e instanceof DispatchException.Busy b ? b.holder() : Optional.empty();
    return new ErrorReport(kind(e), oneLine(message(e)), hint(e, command), run);
  }

  /** @return the CLI's exit code */
  public int exitCode() {
    return kind.exitCode();
  }

  /** @return the HTTP status */
  public int httpStatus() {
    return kind.httpStatus();
  }

  /**
   * Returns the JSON error object: {@code error}, {@code hint}, {@code exit_code}, and with a busy
   * swarm {@code run}.
   *
   * @return the CLI's {@code --json} error object
   */
  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", message);
    m.put("hint", hint);
    m.put("exit_code", exitCode());
    run.ifPresent(r -> m.put("run", r));
    return m;
  }

  static Kind kind(Throwable e) {
    if (e instanceof NotFoundException) {
      return Kind.NOT_FOUND;
    }
    if (isInvalid(e)) {
      return Kind.INVALID;
    }
    if (e instanceof DispatchException.Busy) {
      return Kind.BUSY;
    }
    if (e instanceof RollbackRefusedException) {
      return Kind.REFUSED;
    }
    if (cause(e, HostConnectionException.class).isPresent() || cause(e, StoreException.class).isPresent()) {
      return Kind.UNREACHABLE;
    }
    return Kind.FAILED;
  }

  static boolean isInvalid(Throwable e) {
    return e instanceof ConfigException || e instanceof InvalidValueException || e instanceof InvalidInputException
        || e instanceof IllegalArgumentException || e instanceof DispatchException.NotPaused
        || e instanceof NotFoundException;
  }

  /** The error's message; a host's connection failure, however deeply wrapped, says which host. */
  static String message(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    Optional<HostConnectionException> h = cause(e, HostConnectionException.class);
    if (h.isPresent() && !m.contains(h.get().host())) {
      return "host " + h.get().host() + ": " + m;
    }
    return m;
  }

  static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
    }
    return Optional.empty();
  }

  private static String hint(Throwable e, String command) {
    if (e instanceof ConfigException c && c.file().endsWith(".yaml") && c.field().startsWith("the file")) {
      return "copy docs/vr.example.yaml and edit it, then pass --config FILE";
    }
    if (e instanceof ConfigException) {
      return "fix that field; docs/cli.md lists every field of the config and swarm files";
    }
    Optional<HostKeyRejectedException> key = cause(e, HostKeyRejectedException.class);
    if (key.isPresent()) {
      return "vr verifies every SSH host key: compare " + key.get().fingerprint() + " with the host's own"
          + " (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on it) before adding it to " + key.get().knownHosts()
          + " (the config's ssh.known_hosts)";
    }
    if (e instanceof DispatchException.NotPaused) {
      return "only a run paused after its canary wave is promoted or reverted (`vr runs` shows the swarm's runs)";
    }
    if (e instanceof DispatchException.Busy busy && busy.failedIn().isPaused()) {
      return "promote or revert the paused run first";
    }
    if (e instanceof DispatchException.Busy) {
      return "wait for that run to finish (`vr runs`), or reclaim it if its process died";
    }
    if (e instanceof InvalidValueException || e instanceof InvalidInputException || e instanceof NotFoundException) {
      return "fix the value named above; `vr " + command + " --help` shows the options";
    }
    if (e instanceof VrException) {
      return "check the host or file named above; rerun with --debug for the stack trace";
    }
    return "this looks like a bug in vr; rerun with --debug and report the stack trace";
  }

  static String oneLine(String s) {
    return s.replace('\n', ' ').replaceAll("\\s+", " ").trim();
  }
}
