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

  /**
   * A promote or revert of a swarm that has no run paused in {@code canary}: the message says what
   * the swarm's run is doing, or that it has none.
   */
  public static final class NotPaused extends DispatchException {
    private static final long serialVersionUID = 1L;

    NotPaused(String runId, RunState state, String message) {
      super(runId, state, message, null);
    }
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
      super(holderRunId, holderState, holderState.isPaused()
          ? "swarm " + swarm + " is paused in run " + holderRunId + " with its canaries serving; `vr promote " + swarm
              + "` rolls it out, `vr revert " + swarm + "` retires the canaries, then dispatch again"
          : "swarm " + swarm + " is being dispatched by run " + holderRunId
              + " (" + holderState.wire() + ", " + owner + "); wait for it to finish, or for its owner to die and the"
              + " store to reclaim it", null);
    }

    /** The run that holds the swarm. */
    public Optional<String> holder() {
      return Optional.of(runId());
    }
  }
}
