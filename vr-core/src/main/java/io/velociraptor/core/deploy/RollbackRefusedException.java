package io.velociraptor.core.deploy;

import io.velociraptor.core.VrException;

/**
 * A rollback cannot be done as asked: the swarm has no earlier successful release, or the build
 * of the release asked for was garbage-collected or rebuilt (a rollback never rebuilds). Nothing
 * was dispatched.
 */
public final class RollbackRefusedException extends VrException {
  private static final long serialVersionUID = 1L;
  /** The swarm (structured field of the message). */
  private final String swarm;

  RollbackRefusedException(String swarm, String message) {
    super(message);
    this.swarm = swarm;
  }

  /** The name of the swarm whose rollback was refused. */
  public String swarm() {
    return swarm;
  }
}
