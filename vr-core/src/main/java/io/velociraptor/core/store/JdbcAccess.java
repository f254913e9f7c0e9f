package io.velociraptor.core.store;

import io.velociraptor.core.spi.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database plumbing {@link JdbcStore} and {@link JdbcEventLog} share: connections, a timeout
 * on every statement, bounded retries of transient failures with backoff, and messages that say
 * what failed without a password.
 */
final class JdbcAccess {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcAccess.class);
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 2_000;

  /** Work on a connection that may throw {@link SQLException}. */
  @FunctionalInterface
  interface SqlWork<T> {
    T apply(Connection c) throws SQLException;
  }

  /** A database failure inside a transaction's work, carried out to the retry loop. */
  static final class SqlFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SqlFailure(SQLException cause) {
      super(cause.getMessage(), cause);
    }

    SQLException sql() {
      return (SQLException) getCause();
    }
  }

  private final DataSource dataSource;
  private final String location;
  private final int timeoutSeconds;
  private final int attempts;

  JdbcAccess(DataSource dataSource, String location, Duration statementTimeout, int attempts) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.location = location;
    // JDBC's query timeout counts whole seconds: round up, never to 0 (which means none)
    this.timeoutSeconds = (int) Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
    this.attempts = attempts;
  }

  String location() {
    return location;
  }

  DataSource dataSource() {
    return dataSource;
  }

  int timeoutSeconds() {
    return timeoutSeconds;
  }

  /** A statement with the store's timeout. */
  PreparedStatement prepare(Connection c, String sql) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    ps.setQueryTimeout(timeoutSeconds);
    return ps;
  }

  /** Runs one statement with the store's timeout. */
  void execute(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql)) {
      ps.execute();
    }
  }

  /**
   * Runs idempotent work (reads, or writes that may be repeated) on a pooled connection in
   * auto-commit mode, retrying transient failures a bounded number of times.
   */
  <T> T withConnection(String operation, SqlWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        return work.apply(c);
      } catch (SQLException e) {
        if (!retry(operation, e, attempt)) {
          throw failure(operation, e, attempt);
        }
      }
    }
  }

  /**
   * Runs work in one transaction, retrying when a transient failure came before the commit
   * (the transaction was rolled back, so repeating it is safe). A failure of the commit itself
   * is not retried: whether it was applied is unknown, and the message says so.
   */
  <T> T inTransaction(String operation, SqlWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      Connection c = null;
      boolean committing = false;
      try {
        c = dataSource.getConnection();
        c.setAutoCommit(false);
        T result;
        try {
          result = work.apply(c);
        } catch (SqlFailure f) {
          throw f.sql();
        }
        committing = true;
        c.commit();
        return result;
      } catch (SQLException e) {
        rollbackQuietly(c);
        if (committing) {
          throw commitLost(operation, e);
        }
        if (!retry(operation, e, attempt)) {
          throw failure(operation, e, attempt);
        }
      } finally {
        closeQuietly(c);
      }
    }
  }

  /** Whether to try again after a failure (and, if so, waits the backoff first). */
  boolean retry(String operation, SQLException e, int attempt) {
    if (!isTransient(e) || attempt >= attempts) {
      return false;
    }
    long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(10, 2 * (attempt - 1)));
    LOG.debug("{} at {}: transient failure ({}), attempt {} of {}, retrying in {} ms", operation, location,
        describe(e), attempt, attempts, backoff);
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
    if (Thread.currentThread().isInterrupted()) {
      return false;
    }
    return true;
  }

  /**
   * Whether a failure may pass if the work is tried again: a lost or refused connection (SQLState
   * class 08), a serialization failure (40001), a deadlock (40P01), the server shutting down or
   * starting (57P01, 57P02, 57P03), or the driver's or pool's transient and recoverable
   * exceptions.
   */
  static boolean isTransient(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null
          && (s.getSQLState().startsWith("28") || s.getSQLState().equals("3D000"))) {
        return false; // refused credentials or no such database: trying again will not help
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        String state = s.getSQLState();
        if (state != null && (state.startsWith("08") || state.equals("40001") || state.equals("40P01")
            || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"))) {
          return true;
        }
        if (s instanceof SQLTransientException || s instanceof SQLRecoverableException) {
          return !"57014".equals(state);
        }
      }
    }
    return false;
  }

  /** A statement cancelled by its timeout. */
  static boolean isTimeout(SQLException e) {
    return "57014".equals(e.getSQLState()) || e instanceof java.sql.SQLTimeoutException;
  }

  StoreException failure(String operation, SQLException e, int attempt) {
    if (isTimeout(e)) {
      return new StoreException(location, operation, "a statement took over the statement timeout of "
          + timeoutSeconds + " s and was cancelled (the store's lock held by a hung process, or an overloaded"
          + " database): " + describe(e), e);
    }
    if (isTransient(e)) {
      return new StoreException(location, operation, "the database was unreachable (" + attempt
          + (attempt == 1 ? " attempt" : " attempts") + "): " + describe(e)
          + "; check that it is running and reachable, and that this is its primary", e);
    }
    return new StoreException(location, operation, "the database refused it: " + describe(e), e);
  }

  StoreException commitLost(String operation, SQLException e) {
    return new StoreException(location, operation, "the connection to the database failed while committing ("
        + describe(e) + "), so whether the change was made is unknown; read the state back (status, history)"
        + " before repeating it", e);
  }

  /** The failure as a person reads it: its message and SQLState (never the connection's password). */
  static String describe(SQLException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    String out = message + (e.getSQLState() == null ? "" : " [SQLState " + e.getSQLState() + "]");
    // the pool's "connection is not available" hides why: the driver's failure underneath
    SQLException root = e;
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        root = s;
      }
    }
    if (root != e && root.getMessage() != null) {
      out += ": " + root.getMessage() + (root.getSQLState() == null ? "" : " [SQLState " + root.getSQLState() + "]");
    }
    return out;
  }

  static void rollbackQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      if (!c.isClosed() && !c.getAutoCommit()) {
        c.rollback();
      }
    } catch (SQLException e) {
      LOG.debug("rollback failed", e);
    }
  }

  static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      if (!c.isClosed() && !c.getAutoCommit()) {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      LOG.debug("resetting auto-commit failed", e);
    }
    try {
      c.close();
    } catch (SQLException e) {
      LOG.debug("closing a connection failed", e);
    }
  }

  /** A JDBC URL without what may hold a secret: user info and the query string. */
  static String safeUrl(String url) {
    if (url == null) {
      return "(unknown database)";
    }
    String out = url.replaceFirst("//[^/@?]*@", "//");
    int q = out.indexOf('?');
    return q < 0 ? out : out.substring(0, q);
  }
}
