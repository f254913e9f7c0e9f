package io.velociraptor.core.plan;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolName;
import java.util.Objects;

/**
 * A pool on a balancer.
 *
 * @param balancer the balancer
 * @param pool the pool
 */
public record PoolRef(BalancerName balancer, PoolName pool) implements Comparable<PoolRef> {
  /**
   * @throws NullPointerException if a field is null
   * @param pool the pool
   * @param balancer the balancer
   */
  public PoolRef {
    Objects.requireNonNull(balancer, "balancer");
    Objects.requireNonNull(pool, "pool");
  }

  /**
   * The reference to {@code pool} of {@code balancer}.
   *
   * @param balancer the balancer
   * @param pool the pool
   * @return the reference
   */
  public static PoolRef of(BalancerName balancer, PoolName pool) {
    return new PoolRef(balancer, pool);
  }

  /** Orders pool references by balancer, then by pool. */
  @Override
  public int compareTo(PoolRef o) {
    int c = balancer.compareTo(o.balancer);
    return c != 0 ? c : pool.compareTo(o.pool);
  }

  @Override
  public String toString() {
    return balancer + "/" + pool;
  }
}
