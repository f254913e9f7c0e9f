package io.velociraptor.examples.server;

import java.util.Optional;

/**
 * What the server shows of the reconciler and tells it: its state, its uptest results, and a
 * nudge (a Supervisor event came in). The server runs without one too ({@link #NONE}).
 */
public interface ReconcilerView {
  /** No reconciler: the state says so, there are no uptest results, a nudge does nothing. */
  ReconcilerView NONE = new ReconcilerView() {
    @Override
    public Object status() {
      return java.util.Map.of("running", false);
    }

    @Override
    public Object uptests(Optional<String> swarmId) {
      return java.util.List.of();
    }

    @Override
    public void nudge(String reason) {
      // nothing to wake
    }
  };

  /** @return the reconciler's state as JSON-ready data: last pass, per-swarm backoff, lost hosts */
  Object status();

  /**
   * Returns the periodic uptest results.
   *
   * @param swarmId only this swarm's procs, or all
   * @return the results per proc, as JSON-ready data
   */
  Object uptests(Optional<String> swarmId);

  /**
   * Asks for a pass soon.
   *
   * @param reason why, for the run's reason
   */
  void nudge(String reason);
}
