package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.SortedSet;
import org.immutables.value.Value;

/** A group of hosts a swarm's procs are spread across. A host belongs to at most one squad. */
@Value.Immutable
@JsonSerialize(as = ImmutableSquad.class)
@JsonDeserialize(as = ImmutableSquad.class)
public interface Squad {
  /** The squad's name. */
  SquadName name();

  /** Its hosts, sorted. */
  @Value.NaturalOrder
  SortedSet<HostName> hosts();

  /** A new builder for a {@link Squad}. */
  static ImmutableSquad.Builder builder() {
    return ImmutableSquad.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableSquad.Builder toBuilder() {
    return ImmutableSquad.builder().from(this);
  }
}
