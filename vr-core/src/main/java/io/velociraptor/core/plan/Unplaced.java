package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import java.util.Objects;
import java.util.Optional;

/**
 * Procs the swarm wants but the plan could not place, and why.
 *
 * @param count how many
 * @param reason why
 * @param host the host, when the proc was meant for one host (one per host)
 * @param detail what a person can do about it
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record Unplaced(int count, UnplacedReason reason, Optional<HostName> host, String detail)
    implements Comparable<Unplaced> {
  /**
   * @throws InvalidValueException if count is not positive
   * @param reason the reason
   * @param host the host
   * @param detail the detail
   * @param count the count
   */
  public Unplaced {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(detail, "detail");
    if (count < 1) {
      throw InvalidValueException.of("unplaced count", count, "must be at least 1");
    }
  }

  /** Orders unplaced procs by reason, then by host (none first), then by count. */
  @Override
  public int compareTo(Unplaced o) {
    int c = reason.compareTo(o.reason);
    if (c != 0) {
      return c;
    }
    c = host.map(HostName::value).orElse("").compareTo(o.host.map(HostName::value).orElse(""));
    return c != 0 ? c : Integer.compare(count, o.count);
  }
}
