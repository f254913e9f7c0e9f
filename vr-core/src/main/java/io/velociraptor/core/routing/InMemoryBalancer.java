package io.velociraptor.core.routing;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BalancerException;
import java.util.Collection;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Balancer} in this JVM's memory, for tests and the demo. Same name rules as {@link
 * NginxBalancer}. {@link #failNextChanges(int)} makes changes fail, to test what a dispatcher
 * does when routing fails. Thread-safe; calls never block for long (one monitor, no I/O).
 */
public final class InMemoryBalancer implements Balancer {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryBalancer.class);

  private final BalancerName name;
  private final TreeMap<PoolName, TreeSet<PoolMember>> pools = new TreeMap<>();
  private int failuresToInject;
  private long changes;

  private InMemoryBalancer(BalancerName name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /**
   * Returns an empty balancer.
   *
   * @param name the balancer's name
   * @return an empty balancer
   */
  public static InMemoryBalancer of(BalancerName name) {
    return new InMemoryBalancer(name);
  }

  @Override
  public BalancerName name() {
    return name;
  }

  @Override
  public synchronized SortedSet<PoolMember> members(PoolName pool) {
    RoutingNames.pool(name.value(), pool);
    return new TreeSet<>(pools.getOrDefault(pool, new TreeSet<>()));
  }

  @Override
  public synchronized void add(PoolName pool, Collection<PoolMember> members) {
    SortedSet<PoolMember> checked = RoutingNames.members(name.value(), RoutingNames.pool(name.value(), pool), members);
    injectFailure(pool, "add");
    TreeSet<PoolMember> current = pools.computeIfAbsent(pool, p -> new TreeSet<>());
    if (current.addAll(checked)) {
      changes++;
      LOG.info("balancer {} pool {}: added {}", name, pool, checked);
    }
  }

  @Override
  public synchronized void remove(PoolName pool, Collection<PoolMember> members) {
    SortedSet<PoolMember> checked = RoutingNames.members(name.value(), RoutingNames.pool(name.value(), pool), members);
    injectFailure(pool, "remove");
    TreeSet<PoolMember> current = pools.get(pool);
    if (current != null && current.removeAll(checked)) {
      changes++;
      LOG.info("balancer {} pool {}: removed {}", name, pool, checked);
      if (current.isEmpty()) {
        pools.remove(pool);
      }
    }
  }

  @Override
  public synchronized SortedSet<PoolName> pools() {
    return new TreeSet<>(pools.keySet());
  }

  /**
   * Makes the next {@code count} calls to {@link #add} or {@link #remove} throw a {@link
   * BalancerException} and change nothing.
   *
   * @param count how many changes fail; 0 stops failing
   * @throws IllegalArgumentException if the count is negative
   */
  public synchronized void failNextChanges(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    failuresToInject = count;
  }

  /** How many calls changed a pool (no-op calls do not count). */
  public synchronized long changes() {
    return changes;
  }

  private void injectFailure(PoolName pool, String operation) {
    if (failuresToInject > 0) {
      failuresToInject--;
      throw new BalancerException(name.value(), pool.value(), null,
          operation + " failed (injected by failNextChanges); the pool is unchanged", null);
    }
  }

  /** The balancer's name, for messages. */
  @Override
  public String toString() {
    return "InMemoryBalancer[" + name + "]";
  }
}
