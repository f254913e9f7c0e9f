package io.velociraptor.core.deploy;

/** Receives a dispatch's events as they happen, on the dispatching threads. */
@FunctionalInterface
public interface DispatchListener {
  /**
   * Called with each event of a dispatch, as it happens.
   *
   * @param event what happened; a listener that throws is logged and ignored
   */
  void on(DispatchEvent event);
}
