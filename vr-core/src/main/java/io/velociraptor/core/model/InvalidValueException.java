package io.velociraptor.core.model;

import io.velociraptor.core.VrException;

/**
 * A value given to the model breaks its rules. Carries the field and the bad value, both named in
 * the message.
 */
public final class InvalidValueException extends VrException {
  private static final long serialVersionUID = 1L;
  /** The field (structured field of the message). */
  private final String field;
  /** The value (structured field of the message). */
  private final String value;

  private InvalidValueException(String field, String value, String rule) {
    super("invalid " + field + " " + quote(value) + ": " + rule);
    this.field = field;
    this.value = value;
  }

  /**
   * An exception saying that {@code value} of {@code field} breaks {@code rule}.
   *
   * @param field the field or kind of value, e.g. {@code app name}
   * @param value the rejected value, as given
   * @param rule what the value must be
   * @return the exception to throw
   */
  public static InvalidValueException of(String field, Object value, String rule) {
    return new InvalidValueException(field, String.valueOf(value), rule);
  }

  /** The field or kind of value that was rejected. */
  public String field() {
    return field;
  }

  /** The rejected value, as given. */
  public String value() {
    return value;
  }

  static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < value.length() && i < 200; i++) {
      char c = value.charAt(i);
      if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > 200) {
      out.append("...");
    }
    return out.append('"').toString();
  }
}
