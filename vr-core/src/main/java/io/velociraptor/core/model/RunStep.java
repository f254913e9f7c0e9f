package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * The result of one step of a swarm run: what was done ({@code reserve_ports}, {@code start},
 * {@code uptest}, {@code route_add}...), on which host and to what, how it ended, and the detail
 * a person needs (an uptest's output, an error message).
 */
@Value.Immutable
@JsonSerialize(as = ImmutableRunStep.class)
@JsonDeserialize(as = ImmutableRunStep.class)
public interface RunStep {
  /** How a step ended. Serialized in lowercase. */
  enum Outcome {
    /** It did what it should. */
    OK,
    /** It failed; {@link #detail()} says why. */
    FAILED,
    /** It was not needed or not attempted. */
    SKIPPED;

    /** The lowercase wire form. */
    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses an outcome's wire name.
     *
     * @param text a wire form, any case
     * @return the outcome
     * @throws InvalidValueException naming the text if it is no outcome
     */
    @JsonCreator
    public static Outcome parse(String text) {
      Names.requireText("run step outcome", text);
      for (Outcome o : values()) {
        if (o.wire().equalsIgnoreCase(text)) {
          return o;
        }
      }
      throw InvalidValueException.of("run step outcome", text, "must be ok, failed or skipped");
    }
  }

  /** The step's name, e.g. {@code start}. */
  String name();

  /** The host it acted on, if any. */
  Optional<HostName> host();

  /** What it acted on (a program name, a pool member, a port list), if anything. */
  Optional<String> target();

  /** How it ended. */
  Outcome outcome();

  /** Details for people: an error, an uptest's output. */
  Optional<String> detail();

  /** When it started. */
  Instant startedAt();

  /** How long it took. */
  @Value.Default
  default Duration duration() {
    return Duration.ZERO;
  }

  /**
   * Returns a step with no host, target or detail.
   *
   * @param name the step's name
   * @param outcome how it ended
   * @param startedAt when it started
   * @return a step with no host, target or detail
   */
  static RunStep of(String name, Outcome outcome, Instant startedAt) {
    return ImmutableRunStep.builder().name(name).outcome(outcome).startedAt(startedAt).build();
  }

  /** A new builder for a {@link RunStep}. */
  static ImmutableRunStep.Builder builder() {
    return ImmutableRunStep.builder();
  }

  /** Checks the name, target and duration. */
  @Value.Check
  default void check() {
    Names.dashed("run step name", name());
    target().ifPresent(t -> Checks.text("run step target", t));
    if (duration().isNegative()) {
      throw InvalidValueException.of("run step duration", duration(), "must not be negative");
    }
  }
}
