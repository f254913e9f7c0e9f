package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import java.util.Optional;

/**
 * A balancer could not read or change a pool, or refused a name. Names the balancer, the pool
 * and, where one host was at fault, that host.
 */
public class BalancerException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The balancer (structured field of the message). */
  private final String balancer;
  /** The pool (structured field of the message). */
  private final String pool;
  /** The host (structured field of the message). */
  private final String host;
  /** The detail (structured field of the message). */
  private final String detail;

  /**
   * A balancer failure; the message names the balancer, and the pool and host where known.
   *
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

  /** The balancer's name. */
  public String balancer() {
    return balancer;
  }

  /** The pool, if one was concerned. */
  public Optional<String> pool() {
    return Optional.ofNullable(pool);
  }

  /** The message without the balancer, pool and host prefix. */
  public String detail() {
    return detail;
  }

  /** The host at fault, if one was. */
  public Optional<String> host() {
    return Optional.ofNullable(host);
  }
}
