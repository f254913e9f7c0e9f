package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import java.util.Optional;

/**
 * A balancer could not read or change a pool, or refused a name. Names the balancer, the pool
 * and, where one host was at fault, that host.
 */
public class BalancerException extends VrException {
  private static final long serialVersionUID = 1L;

  private final String balancer;
  private final String pool;
  private final String host;
  private final String detail;

  /**
   * @param balancer the balancer's name
   * @param pool the pool, or null when no one pool is concerned
   * @param host the host at fault, or null
   * @param message what happened and what state things are in, for people
   * @param cause the underlying failure, or null
   */
  public BalancerException(String balancer, String pool, String host, String message, Throwable cause) {
    super("balancer " + balancer + (pool == null ? "" : ", pool " + pool) + (host == null ? "" : ", host " + host)
        + ": " + message, cause);
    this.balancer = balancer;
    this.pool = pool;
    this.host = host;
    this.detail = message;
  }

  /** @return the balancer's name */
  public String balancer() {
    return balancer;
  }

  /** @return the pool, if one was concerned */
  public Optional<String> pool() {
    return Optional.ofNullable(pool);
  }

  /** @return the message without the balancer, pool and host prefix */
  public String detail() {
    return detail;
  }

  /** @return the host at fault, if one was */
  public Optional<String> host() {
    return Optional.ofNullable(host);
  }
}
