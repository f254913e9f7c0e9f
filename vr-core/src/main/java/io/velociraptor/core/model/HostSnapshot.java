package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One host as observed: reachable with its procs, or unreachable with the reason. An unreachable
 * host is unknown, never empty: its {@link #procs()} are the last known ones, if any.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableHostSnapshot.class)
@JsonDeserialize(as = ImmutableHostSnapshot.class)
public interface HostSnapshot extends Comparable<HostSnapshot> {
  /** The host. */
  Host host();

  /** Whether the observation succeeded. */
  boolean reachable();

  /** Why the host could not be observed; present exactly when not reachable. */
  Optional<String> unreachableReason();

  /** Its procs, sorted by name, each name once. */
  List<ObservedProc> procs();

  /**
   * Returns a reachable snapshot.
   *
   * @param host the host
   * @param procs what Supervisor reported
   * @return a reachable snapshot
   */
  static HostSnapshot reachable(Host host, List<ObservedProc> procs) {
    return ImmutableHostSnapshot.builder().host(host).reachable(true).procs(procs).build();
  }

  /**
   * Returns an unreachable snapshot.
   *
   * @param host the host
   * @param reason why it could not be observed (refused, timed out, authentication failed...)
   * @return an unreachable snapshot
   */
  static HostSnapshot unreachable(Host host, String reason) {
    return ImmutableHostSnapshot.builder().host(host).reachable(false).unreachableReason(reason).build();
  }

  /** A new builder for a {@link HostSnapshot}. */
  static ImmutableHostSnapshot.Builder builder() {
    return ImmutableHostSnapshot.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableHostSnapshot.Builder toBuilder() {
    return ImmutableHostSnapshot.builder().from(this);
  }

  /**
   * Checks that the reason is present exactly when unreachable, that procs are on this host and
   * each program name is listed once, and sorts the procs by name.
   *
   * @return this snapshot, or a copy with its procs sorted
   * @throws InvalidValueException naming the proc listed twice or on another host
   */
  @Value.Check
  default HostSnapshot normalize() {
    if (reachable() == unreachableReason().isPresent()) {
      throw InvalidValueException.of("host snapshot " + host().name(), unreachableReason().orElse(""),
          "an unreachable host needs a reason and a reachable one has none");
    }
    for (ObservedProc p : procs()) {
      if (!p.host().equals(host().name())) {
        throw InvalidValueException.of("proc host", p.host(), "proc " + p.name() + " is listed under host " + host().name());
      }
    }
    List<ObservedProc> byName = Checks.sortedUnique(procs(), ObservedProc::name, "proc", "on host " + host().name());
    return byName == procs() ? this : ImmutableHostSnapshot.builder().from(this).procs(byName).build();
  }

  /** Orders by host name only; {@code equals} compares every field. */
  @Override
  default int compareTo(HostSnapshot o) {
    return host().name().compareTo(o.host().name());
  }
}
