package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/** A program as Supervisor reported it on one host. */
@Value.Immutable
@JsonSerialize(as = ImmutableObservedProc.class)
@JsonDeserialize(as = ImmutableObservedProc.class)
public interface ObservedProc extends Comparable<ObservedProc> {
  /** The host it was seen on. */
  HostName host();

  /** Its program name, parsed. */
  ProcName name();

  /** Its Supervisor state. */
  ProcState state();

  /** Its pid while it runs. */
  OptionalInt pid();

  /** When it last started. */
  Optional<Instant> startedAt();

  /** Returns Supervisor's description text. */
  @Value.Default
  default String description() {
    return "";
  }

  /**
   * Returns the port it holds: from the program name for ours and legacy names; for foreign
   * programs only when the observer learned it otherwise.
   *
   * @return the port it holds: from the program name for ours and legacy names; for foreign
   *     programs only when the observer learned it otherwise
   */
  @Value.Default
  default Optional<Port> port() {
    return name().port();
  }

  /**
   * Returns an observation with no pid or start time.
   *
   * @param host the host
   * @param name the program name
   * @param state the state
   * @return an observation with no pid or start time
   */
  static ObservedProc of(HostName host, ProcName name, ProcState state) {
    return ImmutableObservedProc.builder().host(host).name(name).state(state).build();
  }

  /** A new builder for an {@link ObservedProc}. */
  static ImmutableObservedProc.Builder builder() {
    return ImmutableObservedProc.builder();
  }

  /** Orders observed procs by host, then by program name. */
  @Override
  default int compareTo(ObservedProc o) {
    int c = host().compareTo(o.host());
    return c != 0 ? c : name().compareTo(o.name());
  }
}
