package io.velociraptor.core.deploy;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.RunState;
import java.util.Optional;

/** A dispatch failed; the run is recorded as failed with the same reason. */
public class DispatchException extends VrException {
  private static final long serialVersionUID = 1L;
  private final String runId;
  private final RunState failedIn;

  DispatchException(String runId, RunState failedIn, String message, Throwable cause) {
    super(message, cause);
    this.runId = runId;
    this.failedIn = failedIn;
  }

  /** @return the failed run's id */
  public String runId() {
    return runId;
  }

  /** @return the state the run was in when it failed */
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

    /** @return the run that holds the swarm */
    public Optional<String> holder() {
      return Optional.of(runId());
    }
  }
}
