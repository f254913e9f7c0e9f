package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a rollout does when a wave fails (its new procs fail their uptests or do not stay healthy). */
public enum OnFailure {
  /** Stop the rollout where it is: the failed wave's new procs are torn down, nothing else changes. */
  STOP,
  /** Re-dispatch the last release that succeeded, with the same policy ({@code auto_revert}). */
  REVERT;

  /** The lowercase wire form, {@code stop} or {@code revert}. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads the swarm file's {@code on_failure} value.
   *
   * @param text {@code stop} or {@code revert}, any case
   * @return the value
   * @throws InvalidValueException naming the text otherwise
   */
  @JsonCreator
  public static OnFailure parse(String text) {
    Names.requireText("update.on_failure", text);
    for (OnFailure f : values()) {
      if (f.wire().equalsIgnoreCase(text)) {
        return f;
      }
    }
    throw InvalidValueException.of("update.on_failure", text, "must be stop or revert");
  }
}
