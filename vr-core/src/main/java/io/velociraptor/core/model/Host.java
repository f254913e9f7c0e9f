package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/** A host that runs Supervisor and procs. */
@Value.Immutable
@JsonSerialize(as = ImmutableHost.class)
@JsonDeserialize(as = ImmutableHost.class)
public interface Host {
  /** The host's name. */
  HostName name();

  /** Where to reach it (SSH, XML-RPC, balancer nodes); defaults to the name. */
  @Value.Default
  default String address() {
    return name().value();
  }

  /** Whether new procs may be placed here. */
  @Value.Default
  default boolean active() {
    return true;
  }

  /** Returns Supervisor's XML-RPC port. */
  @Value.Default
  default int supervisorPort() {
    return 9001;
  }

  /** The ports procs may get here. */
  @Value.Default
  default PortRange portRange() {
    return PortRange.DEFAULT;
  }

  /**
   * Returns an active host with default address, Supervisor port and port range.
   *
   * @param name the host name
   * @return an active host with default address, Supervisor port and port range
   * @throws InvalidValueException if the name is not a host name
   */
  static Host of(String name) {
    return ImmutableHost.builder().name(HostName.of(name)).build();
  }

  /** A new builder for a {@link Host}. */
  static ImmutableHost.Builder builder() {
    return ImmutableHost.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableHost.Builder toBuilder() {
    return ImmutableHost.builder().from(this);
  }

  /** Checks the address and Supervisor port. */
  @Value.Check
  default void check() {
    Checks.text("host address", address());
    if (address().chars().anyMatch(c -> c == ' ' || c == '/' || c == '@')) {
      throw InvalidValueException.of("host address", address(), "must be a host name or IP address");
    }
    Port.of(supervisorPort());
  }
}
