package io.velociraptor.supervisor.events;

import io.velociraptor.core.VrException;

/** Supervisor sent something that is not the event-listener protocol. Names what was read. */
public final class EventProtocolException extends VrException {
  private static final long serialVersionUID = 1L;

  EventProtocolException(String message) {
    super(message);
  }
}
