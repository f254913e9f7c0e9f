package io.velociraptor.core.deploy;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.RunState;
import java.util.Optional;

/** A dispatch failed; the run is recorded as failed with the same reason. */
public class DispatchException extends VrException {
  private static final long serialVersionUID = 1L;
  /** The run id (structured field of the message). */
  private final String runId;
  /** The failed in (structured field of the message). */
  private final RunState failedIn;

  DispatchException(String runId, RunState failedIn, String message, Throwable cause) {
    super(message, cause);
    this.runId = runId;
    this.failedIn = failedIn;
  }

  /** The failed run's id. */
  public String runId() {
    return runId;
  }

  /** The state the run was in when it failed. */
  public RunState failedIn() {
    return failedIn;
  }

  /** A second dispatch of a swarm whose run is still live is refused. */
  public static final class Busy extends DispatchException {
    private static final long serialVersionUID = 1L;

    Busy(String holderRunId, RunState holderState, String swarm, String owner) {
      super(holderRunId, holderState, "swarm " + swarm + " is being dispatched by run " + holderRunId
          + " (" + holderState.wire() + ", " + owner + "); wait for it to finish, or for its owner to die and the"
          + " store to reclaim it", null);
    }

    /** The run that holds the swarm. */
    public Optional<String> holder() {
      return Optional.of(runId());
    }
  }
}
