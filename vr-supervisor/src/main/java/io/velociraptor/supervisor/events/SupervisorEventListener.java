package io.velociraptor.supervisor.events;

/** Receives the events an {@link EventListenerProtocol} reads. */
@FunctionalInterface
public interface SupervisorEventListener {
  /**
   * Called with each event, in the order Supervisor sends them.
   *
   * @param event the event
   * @throws Exception to make the protocol answer FAIL: Supervisor sends the event again later
   */
  void onEvent(SupervisorEvent event) throws Exception;
}
