package io.velociraptor.examples.server;

import io.velociraptor.core.store.JdbcEventLog;
import io.velociraptor.core.store.StoredEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the database's event log in id order without skipping an event. Ids come from a sequence,
 * so two appends in flight at once may commit out of order: id 6 can be visible before id 5. A
 * reader that simply went on after 6 would never see 5. This one stops at a hole in the ids and
 * gives what follows only once the hole is filled or has stayed open for {@link #HOLE_WAIT} (an
 * append that failed and will never commit; appends take milliseconds). A reader from the log's
 * start takes its first event as it finds it (older events are dropped by the log's retention).
 * Not thread-safe: one reader per follower.
 */
public final class EventLogReader {
  /** How long a hole in the ids holds back the events after it. */
  public static final Duration HOLE_WAIT = Duration.ofSeconds(3);
  /** How many events one read takes. */
  static final int PAGE = 500;

  private final JdbcEventLog log;
  private long last;
  /** From the log's start, whatever its first id is: older events may be gone (retention). */
  private boolean first;
  private long holeSince;

  /**
   * A reader of the events after an id.
   *
   * @param log the log
   * @param after the last id already seen (0: from the start of the log)
   */
  public EventLogReader(JdbcEventLog log, long after) {
    this.log = log;
    this.last = after;
    this.first = after == 0;
  }

  /** @return the id of the last event returned (or the one the reader began after) */
  public long last() {
    return last;
  }

  /**
   * The events up to {@code end} (a server's backlog when it starts), in id order, holes passed
   * without waiting: below the log's last id when the server started, a hole is an append that
   * failed, or (for a few milliseconds) one still committing, which this reader then misses.
   *
   * @param end the last id to read
   * @return up to one page of them; empty once {@code end} is reached
   * @throws io.velociraptor.core.spi.StoreException if the database is unreachable
   */
  public List<StoredEvent> upTo(long end) {
    List<StoredEvent> out = new ArrayList<>();
    for (StoredEvent e : log.after(last, PAGE)) {
      if (e.id() > end) {
        break;
      }
      out.add(e);
      last = e.id();
      first = false;
    }
    return out;
  }

  /**
   * The next events, in id order; waits up to {@code wait} when there are none.
   *
   * @param wait how long to wait for a new event (zero: not at all)
   * @return the events (empty when none came in time)
   * @throws io.velociraptor.core.spi.StoreException if the database is unreachable
   */
  public List<StoredEvent> next(Duration wait) {
    List<StoredEvent> page = log.after(last, PAGE);
    if (page.isEmpty() && !wait.isZero() && !wait.isNegative()) {
      log.await(last, wait);
      page = log.after(last, PAGE);
    }
    List<StoredEvent> out = new ArrayList<>();
    for (StoredEvent e : page) {
      if (e.id() != last + 1 && !first) {
        long now = System.nanoTime();
        if (holeSince == 0) {
          holeSince = now;
        }
        if (now - holeSince < HOLE_WAIT.toNanos()) {
          break; // an append still committing: its event comes next
        }
      }
      holeSince = 0;
      first = false;
      out.add(e);
      last = e.id();
    }
    if (out.isEmpty() && !page.isEmpty()) {
      // held back at a hole: look again shortly (a retry delay, not a wait for a condition)
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    return out;
  }
}
