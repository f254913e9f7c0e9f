package io.velociraptor.core.plan;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcName;
import java.util.Objects;

/**
 * A proc of the swarm the plan leaves running.
 *
 * @param host the host
 * @param name the program name
 * @param reason why it stays
 */
public record Keep(HostName host, ProcName name, KeepReason reason) implements Comparable<Keep> {
  /**
   * @throws NullPointerException if a field is null
   * @param reason the reason
   * @param name the name
   * @param host the host
   */
  public Keep {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reason, "reason");
  }

  /** This keep as a proc reference. */
  public ProcRef ref() {
    return new ProcRef(host, name);
  }

  /** Orders kept procs by host, then by program name. */
  @Override
  public int compareTo(Keep o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : name.compareTo(o.name);
  }
}
