package io.velociraptor.core.store;

import io.velociraptor.core.spi.StoreException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event log in a {@link JdbcStore}'s database ({@code vr_events}), shared by every process that
 * opens the store, so a follower on one server sees what another appended. Events are generic
 * (a type and JSON text); ids increase in append order. Each append sends {@code NOTIFY
 * vr_events}; {@link #await} wakes on it ({@code LISTEN} on a connection of its own, when the
 * driver is PostgreSQL's) and also polls by id, so a lost notification or another driver only
 * delays it. The log keeps the newest {@code retention} events (a builder option of the store).
 */
public final class JdbcEventLog {
  /** The advisory lock appends take in turn, so event ids commit in order. */
  private static final long APPEND_LOCK = 0x7672_5f65_7665_6e74L;
  private static final Logger LOG = LoggerFactory.getLogger(JdbcEventLog.class);
  static final String CHANNEL = "vr_events";
  /** How often a waiter re-reads the log when notifications arrive. */
  private static final long POLL_WITH_LISTENER_MS = 2_000;
  /** How often a waiter re-reads the log when no listener works. */
  private static final long POLL_WITHOUT_LISTENER_MS = 250;

  private final JdbcAccess db;
  private final Clock clock;
  private final int retention;
  private final Object signal = new Object();
  private long signals;
  private volatile boolean listening;
  private volatile boolean closed;
  private Thread listener;

  JdbcEventLog(JdbcAccess db, Clock clock, int retention) {
    this.db = db;
    this.clock = clock;
    this.retention = retention;
  }

  /**
   * Appends an event and wakes those waiting in {@link #await}, here and in other processes;
   * drops the oldest events beyond the retention limit.
   *
   * @param type what kind of event, not blank
   * @param json its body, JSON text
   * @return its id
   * @throws IllegalArgumentException if the type is blank
   * @throws StoreException if the database is unreachable (a failed commit is not repeated: the
   *     message says the event may have been appended)
   */
  public long append(String type, String json) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(json, "json");
    if (type.isBlank()) {
      throw new IllegalArgumentException("an event's type must not be blank");
    }
    Timestamp at = Timestamp.from(clock.instant());
    return db.inTransaction("append a " + type + " event", c -> {
      // appends take turns until they commit, so ids commit in increasing order: a reader that
      // saw id N never later finds a committed id below N (a bigserial alone hands out ids in
      // order but lets a later one commit first)
      try (PreparedStatement ps = db.prepare(c, "SELECT pg_advisory_xact_lock(?)")) {
        ps.setLong(1, APPEND_LOCK);
        ps.execute();
      }
      long id;
      try (PreparedStatement ps = db.prepare(c, "INSERT INTO vr_events (at, type, json) VALUES (?, ?, ?) RETURNING id")) {
        ps.setTimestamp(1, at);
        ps.setString(2, type);
        ps.setString(3, json);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      try (PreparedStatement ps = db.prepare(c, "SELECT pg_notify(?, ?)")) {
        ps.setString(1, CHANNEL);
        ps.setString(2, Long.toString(id));
        ps.execute();
      }
      try (PreparedStatement ps = db.prepare(c, "DELETE FROM vr_events WHERE id <= ?")) {
        ps.setLong(1, id - retention);
        ps.executeUpdate();
      }
      return id;
    });
  }

  /**
   * Returns up to {@code limit} events with ids above {@code id}, oldest first.
   *
   * @param id the last id already seen (0 for the start of the log)
   * @param limit how many at most, at least 1
   * @return the events, oldest first
   * @throws StoreException if the database is unreachable
   */
  public List<StoredEvent> after(long id, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    return db.withConnection("read events after " + id, c -> {
      try (PreparedStatement ps = db.prepare(c, "SELECT id, at, type, json FROM vr_events WHERE id > ? ORDER BY id LIMIT ?")) {
        ps.setLong(1, id);
        ps.setInt(2, limit);
        List<StoredEvent> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new StoredEvent(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4)));
          }
        }
        return out;
      }
    });
  }

  /**
   * Returns the id of the newest event, or 0 if the log is empty.
   *
   * @return the id of the newest event, or 0 if the log is empty
   * @throws StoreException if the database is unreachable
   */
  public long lastId() {
    return db.withConnection("read the last event id", c -> {
      try (PreparedStatement ps = db.prepare(c, "SELECT coalesce(max(id), 0) FROM vr_events");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /**
   * Waits for the first event after {@code afterId}, from this process or another: returns at once
   * if there is one, else when one is appended (woken by {@code NOTIFY}, or found by polling).
   *
   * @param afterId the last id already seen
   * @param timeout how long to wait at most
   * @return the next event, or empty if none came in time (or the log was closed)
   * @throws StoreException if the database is unreachable
   */
  public Optional<StoredEvent> await(long afterId, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    ensureListener();
    while (!closed) {
      long seen;
      synchronized (signal) {
        seen = signals;
      }
      List<StoredEvent> next = after(afterId, 1);
      if (!next.isEmpty()) {
        return Optional.of(next.get(0));
      }
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remainingMs <= 0) {
        return Optional.empty();
      }
      long slice = Math.min(remainingMs, listening ? POLL_WITH_LISTENER_MS : POLL_WITHOUT_LISTENER_MS);
      synchronized (signal) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(slice);
        while (signals == seen && !closed) {
          long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
          if (left <= 0) {
            break;
          }
          try {
            signal.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Whether this log's listener holds a {@code LISTEN} connection now (else waiters poll). */
  boolean listening() {
    return listening;
  }

  private synchronized void ensureListener() {
    if (listener == null && !closed) {
      listener = new Thread(this::listen, "vr-events-listener");
      listener.setDaemon(true);
      listener.start();
    }
  }

  private void wake() {
    synchronized (signal) {
      signals++;
      signal.notifyAll();
    }
  }

  /** Holds a connection that {@code LISTEN}s, waking waiters on each notification; reconnects. */
  private void listen() {
    long backoff = 100;
    while (!closed) {
      Connection c = null;
      try {
        c = db.dataSource().getConnection();
        c.setAutoCommit(true);
        Connection raw = c.unwrap(Connection.class);
        Method poll = notificationsMethod(raw);
        if (poll == null) {
          LOG.info("the JDBC driver at {} has no PostgreSQL notifications: event waiters poll", db.location());
          return;
        }
        db.execute(c, "LISTEN " + CHANNEL);
        listening = true;
        backoff = 100;
        wake(); // events appended while no one listened: let waiters look
        while (!closed) {
          Object[] got = (Object[]) poll.invoke(raw, 1000);
          if (got != null && got.length > 0) {
            wake();
          }
        }
      } catch (SQLException | IllegalAccessException | RuntimeException e) {
        if (!closed) {
          LOG.debug("the event listener lost its connection to {}: {}", db.location(), e.toString());
        }
      } catch (InvocationTargetException e) {
        if (!closed) {
          LOG.debug("the event listener lost its connection to {}: {}", db.location(), e.getCause().toString());
        }
      } finally {
        listening = false;
        if (c != null) {
          try {
            db.execute(c, "UNLISTEN *");
          } catch (SQLException e) {
            LOG.debug("UNLISTEN failed", e);
          }
          JdbcAccess.closeQuietly(c);
        }
      }
      synchronized (signal) {
        if (closed) {
          return;
        }
        try {
          signal.wait(backoff);
        } catch (InterruptedException e) {
          return;
        }
      }
      backoff = Math.min(backoff * 2, 5_000);
    }
  }

  /** PostgreSQL's {@code PGConnection.getNotifications(int)}, found without compiling against the driver. */
  private static Method notificationsMethod(Connection raw) {
    try {
      Class<?> pg = Class.forName("org.postgresql.PGConnection", false, raw.getClass().getClassLoader());
      return pg.isInstance(raw) ? pg.getMethod("getNotifications", int.class) : null;
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      return null;
    }
  }

  void close() {
    closed = true;
    Thread t;
    synchronized (this) {
      t = listener;
    }
    wake();
    if (t != null) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(db.timeoutSeconds() + 5L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
