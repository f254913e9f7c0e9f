package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Instant;
import java.util.Optional;
import org.immutables.value.Value;

/** A port reserved on a host by a swarm run that has not yet started the proc on it. */
@Value.Immutable
@JsonSerialize(as = ImmutablePortLock.class)
@JsonDeserialize(as = ImmutablePortLock.class)
public interface PortLock extends Comparable<PortLock> {
  /** The host. */
  HostName host();

  /** The port. */
  Port port();

  /** Who holds it (a swarm run id). */
  String owner();

  /** When it was taken. */
  Optional<Instant> createdAt();

  /**
   * The lock of {@code port} on {@code host}, held by {@code owner}.
   *
   * @param host the host
   * @param port the port
   * @param owner who holds it
   * @return the lock
   */
  static PortLock of(HostName host, Port port, String owner) {
    return ImmutablePortLock.builder().host(host).port(port).owner(owner).build();
  }

  /** Checks the owner. */
  @Value.Check
  default void check() {
    Checks.text("port lock owner", owner());
  }

  /** Orders port locks by host, then by port. */
  @Override
  default int compareTo(PortLock o) {
    int c = host().compareTo(o.host());
    return c != 0 ? c : port().compareTo(o.port());
  }
}
