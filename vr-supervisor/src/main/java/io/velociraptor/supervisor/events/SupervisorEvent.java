package io.velociraptor.supervisor.events;

import io.velociraptor.core.model.ProcState;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One event Supervisor sent an event listener, typed. Every event keeps its envelope ({@link
 * #header()}) and, for kinds vr does not model, its raw payload.
 */
public sealed interface SupervisorEvent
    permits SupervisorEvent.ProcessState, SupervisorEvent.Tick, SupervisorEvent.Other {

  /** The envelope: {@code ver, server, serial, pool, poolserial, eventname, len}. */
  EventHeader header();

  /** The event name, e.g. {@code PROCESS_STATE_RUNNING}. */
  default String name() {
    return header().eventName();
  }

  /**
   * The envelope of an event.
   *
   * @param version the protocol version ({@code 3.0})
   * @param server the supervisord identifier
   * @param serial the event's serial number
   * @param pool the listener pool
   * @param poolSerial the serial within the pool
   * @param eventName the event type
   * @param all every header token, sorted by key
   */
  record EventHeader(String version, String server, long serial, String pool, long poolSerial, String eventName,
      Map<String, String> all) {}

  /**
   * {@code PROCESS_STATE_*}: a process changed state.
   *
   * @param header the envelope
   * @param processName the process
   * @param groupName its group
   * @param from the state it left
   * @param to the state it entered (from the event name)
   * @param pid its pid, for RUNNING, STOPPING, EXITED
   * @param expected for EXITED: whether the exit code was expected
   * @param tries for STARTING and BACKOFF: failed starts so far
   */
  record ProcessState(EventHeader header, String processName, String groupName, ProcState from, ProcState to,
      OptionalLong pid, Optional<Boolean> expected, OptionalLong tries) implements SupervisorEvent {}

  /**
   * {@code TICK_5}, {@code TICK_60}, {@code TICK_3600}.
   *
   * @param header the envelope
   * @param when supervisord's clock at the tick
   */
  record Tick(EventHeader header, Instant when) implements SupervisorEvent {}

  /**
   * Any other event.
   *
   * @param header the envelope
   * @param payloadHeaders the payload's first-line tokens, sorted by key
   * @param data the payload after the first line (e.g. PROCESS_LOG data); may be empty
   */
  record Other(EventHeader header, Map<String, String> payloadHeaders, String data) implements SupervisorEvent {}
}
