package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.SortedSet;
import org.immutables.value.Value;

/** The members a balancer currently routes a pool to. */
@Value.Immutable
@JsonSerialize(as = ImmutablePoolState.class)
@JsonDeserialize(as = ImmutablePoolState.class)
public interface PoolState {
  /** The balancer. */
  BalancerName balancer();

  /** The pool. */
  PoolName pool();

  /** Its members, sorted. */
  @Value.NaturalOrder
  SortedSet<PoolMember> members();

  /** A new builder for a {@link PoolState}. */
  static ImmutablePoolState.Builder builder() {
    return ImmutablePoolState.builder();
  }
}
