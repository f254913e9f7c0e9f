package io.velociraptor.core.plan;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcName;
import java.util.Objects;

/**
 * One proc on one host, as plans refer to it.
 *
 * @param host the host
 * @param name the program name
 */
public record ProcRef(HostName host, ProcName name) implements Comparable<ProcRef> {
  /**
   * @throws NullPointerException if a field is null
   * @param name the name
   * @param host the host
   */
  public ProcRef {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(name, "name");
  }

  /**
   * The reference to the proc {@code name} on {@code host}.
   *
   * @param host the host
   * @param name the program name
   * @return the reference
   */
  public static ProcRef of(HostName host, ProcName name) {
    return new ProcRef(host, name);
  }

  /** Orders proc references by host, then by program name. */
  @Override
  public int compareTo(ProcRef o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return host + "/" + name;
  }
}
