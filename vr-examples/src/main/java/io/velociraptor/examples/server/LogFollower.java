package io.velociraptor.examples.server;

import io.velociraptor.core.store.JdbcEventLog;
import io.velociraptor.core.store.StoredEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds an {@link EventHub} from the database's event log, on one thread: every event any vr
 * (this server, another server, a CLI dispatch) appended, in id order ({@link EventLogReader}),
 * under its database id. It
 * is the hub's only publisher when the store is a database, so each event is published exactly
 * once per server, ids increase, and a client's {@code Last-Event-ID} means the same event on
 * every server. It starts with the last {@code backlog} events (published before {@link #start}
 * returns, so webhooks, which start after it, never get them again), so a client that reconnects
 * after a server restarted still resumes; while the database is unreachable it retries every second and
 * then goes on from the last id it published, losing nothing the log kept.
 */
final class LogFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
  /** The longest wait for a new event before looking again (also how soon close is noticed). */
  static final Duration WAIT = Duration.ofSeconds(1);

  private final EventLogReader reader;
  private final EventHub hub;
  private final Thread thread;
  private volatile boolean closed;
  private volatile long published;

  private LogFollower(JdbcEventLog log, EventHub hub, long after) {
    this.reader = new EventLogReader(log, after);
    this.hub = hub;
    this.published = after;
    this.thread = new Thread(this::run, "vr-serve-event-log");
    this.thread.setDaemon(true);
  }

  /**
   * Starts following.
   *
   * @param log the database's event log
   * @param hub the hub to publish to
   * @param backlog how many of the latest events to publish first
   * @return the follower; close it to stop
   */
  static LogFollower start(JdbcEventLog log, EventHub hub, int backlog) {
    long end = log.lastId();
    LogFollower f = new LogFollower(log, hub, Math.max(0, end - backlog));
    f.catchUp(end);
    f.thread.start();
    return f;
  }

  /**
   * Publishes what the log has now, on the caller's thread, so that a subscriber from the hub's
   * last id (a webhook) gets only events after the server started, never the backlog again.
   */
  private void catchUp(long end) {
    try {
      for (List<StoredEvent> page = reader.upTo(end); !page.isEmpty(); page = reader.upTo(end)) {
        for (StoredEvent e : page) {
          hub.publish(e.id(), e.type(), e.json());
          published = e.id();
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot read the event log's backlog (the follower retries): {}", e.getMessage());
    }
  }

  /** @return the id of the last event published to the hub */
  long published() {
    return published;
  }

  private void run() {
    boolean failing = false;
    while (!closed) {
      try {
        for (StoredEvent e : reader.next(WAIT)) {
          if (closed) {
            return;
          }
          hub.publish(e.id(), e.type(), e.json());
          published = e.id();
        }
        if (failing) {
          LOG.info("the event log is readable again; following from event {}", published);
          failing = false;
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        if (!failing) {
          LOG.warn("cannot read the event log (retrying every second): {}", e.getMessage());
          failing = true;
        }
        // a retry delay for an unreachable database, not a wait for a condition
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      }
    }
  }

  /** Stops following and waits for the thread (at most the wait of one read). */
  @Override
  public void close() {
    closed = true; // no interrupt: it would break the pooled connection of a read in flight
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
