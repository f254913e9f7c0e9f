package io.velociraptor.core.plan;

import io.velociraptor.core.model.HostName;
import java.util.Objects;

/**
 * Ports of one host's range held at a wave's peak (after its starts, before its stops): every
 * observed proc's, every port lock's, and the rollout's own new procs so far.
 *
 * @param host the host
 * @param used ports of the range held at the peak
 * @param range how many ports the host's range has
 */
public record HostPorts(HostName host, int used, int range) implements Comparable<HostPorts> {
  /**
   * @throws NullPointerException if the host is null
   * @param host the host
   * @param used the ports used
   * @param range the range's size
   */
  public HostPorts {
    Objects.requireNonNull(host, "host");
  }

  /** Orders by host name. */
  @Override
  public int compareTo(HostPorts o) {
    return host.compareTo(o.host);
  }

  @Override
  public String toString() {
    return used + "/" + range + " on " + host;
  }
}
