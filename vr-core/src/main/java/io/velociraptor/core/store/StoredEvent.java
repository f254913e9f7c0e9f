package io.velociraptor.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One event of a {@link JdbcEventLog}: its id (increasing in the order events were appended),
 * when, its type and its JSON body, both as the appender gave them.
 *
 * @param id the event's id, increasing
 * @param at when it was appended, by the store's clock
 * @param type what kind of event, e.g. {@code dispatch.step}
 * @param json its body, JSON text
 */
public record StoredEvent(long id, Instant at, String type, String json) {
  /**
   * An event as read back from the log.
   *
   * @throws NullPointerException if a field is null
   */
  public StoredEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(json, "json");
  }
}
