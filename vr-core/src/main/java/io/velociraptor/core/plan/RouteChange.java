package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.velociraptor.core.model.PoolMember;
import java.util.Objects;
import java.util.Optional;

/**
 * A member the plan adds to or removes from a pool. Adds happen after the new procs pass their
 * uptests; removes after the adds, before any stop.
 *
 * @param pool the balancer and pool
 * @param member the {@code address:port} node
 * @param reason why
 * @param proc the proc of this swarm behind the member, when it is one
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record RouteChange(PoolRef pool, PoolMember member, RouteReason reason, Optional<ProcRef> proc)
    implements Comparable<RouteChange> {
  /**
   * @throws NullPointerException if a field is null
   * @param reason the reason
   * @param proc the proc
   * @param pool the pool
   * @param member the member
   */
  public RouteChange {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(proc, "proc");
  }

  /** Orders route changes by pool, then by member. */
  @Override
  public int compareTo(RouteChange o) {
    int c = pool.compareTo(o.pool);
    return c != 0 ? c : member.compareTo(o.member);
  }
}
