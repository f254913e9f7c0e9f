package io.velociraptor.lxc;

import io.velociraptor.core.VrException;
import java.util.Optional;

/**
 * A runner command failed: bad proc.yaml input, a checksum mismatch, an unsafe tarball, or a
 * host tool (lxc-execute, lxc-stop) that did not do its job.
 */
public final class RunnerException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The subject (structured field of the message). */
  private final String subject;
  /** The bad value (structured field of the message). */
  private final String badValue;

  RunnerException(String subject, String badValue, String message) {
    super(message);
    this.subject = subject;
    this.badValue = badValue;
  }

  RunnerException(String subject, String badValue, String message, Throwable cause) {
    super(message, cause);
    this.subject = subject;
    this.badValue = badValue;
  }

  static RunnerException badValue(String key, Object value, String why) {
    String shown = String.valueOf(value);
    return new RunnerException(key, shown, key + " " + quote(shown) + " " + why);
  }

  static RunnerException failed(String subject, String message) {
    return new RunnerException(subject, null, message);
  }

  static RunnerException failed(String subject, String message, Throwable cause) {
    return new RunnerException(subject, null, message, cause);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '"') {
        b.append("\\\"");
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /**
   * Returns what failed: a proc.yaml key, a file, or a host command.
   *
   * @return what failed: a proc.yaml key, a file, or a host command
   */
  public String subject() {
    return subject;
  }

  /**
   * Returns the offending value, when the failure is about one.
   *
   * @return the offending value, when the failure is about one
   */
  public Optional<String> badValue() {
    return Optional.ofNullable(badValue);
  }
}
