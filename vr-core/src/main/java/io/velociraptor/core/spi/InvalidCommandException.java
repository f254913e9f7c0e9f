package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;

/**
 * A {@link Command} or {@link OneShot} was built with a bad value; the message names the field and
 * the value.
 */
public final class InvalidCommandException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The field (structured field of the message). */
  private final String field;
  /** The value (structured field of the message). */
  private final String value;

  InvalidCommandException(String field, String value, String rule) {
    super("invalid command " + field + " '" + value + "': " + rule);
    this.field = field;
    this.value = value;
  }

  /** The command field that was rejected, e.g. {@code env} or {@code workingDir}. */
  public String field() {
    return field;
  }

  /** The rejected value (NUL characters shown as {@code \0}). */
  public String value() {
    return value;
  }
}
