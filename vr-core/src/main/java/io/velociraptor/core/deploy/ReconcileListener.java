package io.velociraptor.core.deploy;

/** Receives a {@link Reconciler}'s events as they happen, on the thread running the pass. */
@FunctionalInterface
public interface ReconcileListener {
  /**
   * Called with each event of a reconcile pass, as it happens.
   *
   * @param event what happened; a listener that throws is logged and ignored
   */
  void on(ReconcileEvent event);
}
