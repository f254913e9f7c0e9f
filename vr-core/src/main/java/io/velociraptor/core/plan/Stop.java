package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import java.util.Objects;
import java.util.Optional;

/**
 * A proc the plan stops, after every start is uptested and routed.
 *
 * @param host the host
 * @param name the program name
 * @param state its observed state
 * @param reason why it stops
 * @param detail what about it differs from the desired swarm, for people
 * @param replacedBy the new proc that takes over, if any
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record Stop(HostName host, ProcName name, ProcState state, StopReason reason, String detail,
    Optional<ProcRef> replacedBy) implements Comparable<Stop> {
  /**
   * @throws NullPointerException if a field is null
   * @param state the state
   * @param replacedBy the replaced by
   * @param reason the reason
   * @param name the name
   * @param host the host
   * @param detail the detail
   */
  public Stop {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(replacedBy, "replacedBy");
  }

  /** This stop as a proc reference. */
  public ProcRef ref() {
    return new ProcRef(host, name);
  }

  /** Whether the proc was serving (up) when observed. */
  public boolean inService() {
    return state.isUp();
  }

  /** Orders stops by host, then by program name. */
  @Override
  public int compareTo(Stop o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : name.compareTo(o.name);
  }
}
