package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;

/**
 * A {@link ContainerRuntime} that has no one-shot entry point was asked to run a {@link OneShot}
 * (third-party runtimes written before it existed).
 */
public final class OneShotUnsupportedException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The runtime's name (structured field of the message). */
  private final String runtime;

  /**
   * A runtime that cannot run one-shot commands was asked to run one.
   *
   * @param runtime the runtime's {@link ContainerRuntime#name() name}
   */
  public OneShotUnsupportedException(String runtime) {
    super("runtime " + runtime + " cannot run one-shot commands; use a runtime that implements"
        + " ContainerRuntime.runOneShot (vr-lxc's lxc or plain)");
    this.runtime = runtime;
  }

  /** The name of the runtime that refused. */
  public String runtime() {
    return runtime;
  }
}
