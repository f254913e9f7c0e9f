package io.velociraptor.core.spi;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PoolState;
import java.util.Collection;
import java.util.SortedSet;

/**
 * A load balancer holding pools of members ({@code host:port}). Changes are idempotent: adding a
 * member that is there, or removing one that is not (or from a pool that does not exist), is a
 * harmless no-op. A pool exists while it has members; removing its last member deletes it.
 * Every call finishes within the implementation's configured timeout or throws. Thread-safe.
 *
 * <p>Implementations validate names before touching anything: a pool or member name that is not
 * safe for the balancer's configuration is refused with a {@link BalancerException} naming it.
 */
public interface Balancer {

  /** This balancer's name, as swarms refer to it. */
  BalancerName name();

  /**
   * Returns its members, sorted; empty if the pool does not exist.
   *
   * @param pool a pool
   * @return its members, sorted; empty if the pool does not exist
   * @throws BalancerException if the balancer cannot be read, or the pool name is refused
   */
  SortedSet<PoolMember> members(PoolName pool);

  /**
   * Adds members to a pool, creating it if needed. When this returns, the balancer routes to
   * them.
   *
   * @param pool the pool
   * @param members the members to add; may hold ones already there
   * @throws BalancerException if the change cannot be made (the pool is then as it was), or a
   *     name is refused
   */
  void add(PoolName pool, Collection<PoolMember> members);

  /**
   * Removes members from a pool, deleting the pool when none is left. When this returns, the
   * balancer sends them no new requests.
   *
   * @param pool the pool
   * @param members the members to remove; may hold ones not there
   * @throws BalancerException if the change cannot be made (the pool is then as it was), or a
   *     name is refused
   */
  void remove(PoolName pool, Collection<PoolMember> members);

  /**
   * A pool's members as the planner's fleet snapshot holds them.
   *
   * @param pool a pool
   * @return this balancer's name, the pool and its members
   * @throws BalancerException as {@link #members}
   */
  default PoolState state(PoolName pool) {
    return PoolState.builder().balancer(name()).pool(pool).members(members(pool)).build();
  }

  /**
   * Returns the pools that have members, sorted.
   *
   * @return the pools that have members, sorted
   * @throws BalancerException if the balancer cannot be read
   */
  SortedSet<PoolName> pools();
}
