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
  /** @return the balancer */
  BalancerName balancer();

  /** @return the pool */
  PoolName pool();

  /** @return its members, sorted */
  @Value.NaturalOrder
  SortedSet<PoolMember> members();

  /** @return a builder */
  static ImmutablePoolState.Builder builder() {
    return ImmutablePoolState.builder();
  }
}
