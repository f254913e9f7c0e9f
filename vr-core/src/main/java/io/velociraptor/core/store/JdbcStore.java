package io.velociraptor.core.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link io.velociraptor.core.spi.Store} in a PostgreSQL database, shared by every {@code vr}
 * process and server that points at it, on any number of machines: the same rules as {@link
 * FileStore} and {@link InMemoryStore} (they are written once, over records), passing the same
 * contract.
 *
 * <ul>
 *   <li>Records are JSON text in {@code vr_records(collection, key, json)}. Every change is one
 *       transaction that first locks the one row of {@code vr_lock} ({@code SELECT ... FOR
 *       UPDATE}), so "one live run per swarm", port reservations and resuming a paused run are
 *       atomic across processes and machines. Reads take no lock.
 *   <li>The schema is created and migrated on {@link Builder#open()} by versioned SQL kept with
 *       the code, recorded in {@code vr_schema_version}; a database whose schema is newer than
 *       {@link #SCHEMA_VERSION} is refused, naming both versions.
 *   <li>Every statement has a timeout ({@link Builder#statementTimeout}); transient failures (a
 *       lost or refused connection, a serialization failure or deadlock, the server shutting
 *       down) are retried a bounded number of times with backoff when repeating is safe, and then
 *       fail with a {@link StoreException} that says the database was unreachable.
 *   <li>A run's lease: the live runs this store began or resumed are renewed (a heartbeat, stamped
 *       by the store's clock) every third of {@link Builder#staleAfter} on a daemon thread until
 *       they finish; a run whose owner stopped renewing for longer is reclaimed by whoever asks
 *       next, and its port locks are released. Whether the owner's process is alive is judged only
 *       on the machine it ran on (same host name and boot id).
 *   <li>{@link #events()} is the event log in the same database; {@link #exclusively} runs work
 *       under a PostgreSQL advisory lock, so only one server acts on a thing at a time.
 * </ul>
 *
 * <p>The SQL is PostgreSQL's (tested on 15); the JDBC driver is the caller's dependency.
 */
public final class JdbcStore extends RecordStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);
  /** The migrations, in order: the schema version is the number of them applied. */
  private static final List<String> MIGRATIONS = List.of("V1__records_events_leases.sql");
  /** The schema version this code reads and writes. */
  public static final int SCHEMA_VERSION = MIGRATIONS.size();
  /** The advisory lock key that serializes schema migrations. */
  private static final long MIGRATION_LOCK = 0x7672_5f73_6368_656dL;
  /** The default lease: a run whose owner stopped renewing for this long is reclaimed. */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

  private final JdbcAccess db;
  private final HikariDataSource ownedPool;
  private final String instanceId = UUID.randomUUID().toString();
  private final Clock clock;
  private final ThreadLocal<Connection> tx = new ThreadLocal<>();
  private final Map<String, SwarmRun.Owner> leased = new ConcurrentHashMap<>();
  private final Map<String, Abandoned> abandoned = new ConcurrentHashMap<>();
  private final ScheduledExecutorService renewer;
  private final JdbcEventLog events;
  private final int schemaVersion;
  private volatile boolean closed;

  private JdbcStore(Builder b, JdbcAccess db, HikariDataSource ownedPool, int schemaVersion) {
    super(b.clock, b.staleAfter, b.historyLimit, JdbcStore::ownerGone);
    this.db = db;
    this.ownedPool = ownedPool;
    this.clock = b.clock;
    this.schemaVersion = schemaVersion;
    this.events = new JdbcEventLog(db, b.clock, b.eventRetention);
    this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vr-store-lease-" + instanceId.substring(0, 8));
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(100, b.staleAfter.toMillis() / 3);
    renewer.scheduleWithFixedDelay(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
  }

  /** A new builder for a {@link JdbcStore}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Only on the owner's own machine (same host name and boot id) can its process be judged; for
   * owners elsewhere (or a reused host name) the lease decides.
   */
  private static Optional<String> ownerGone(SwarmRun.Owner owner) {
    if (owner.host().equals(RunOwners.hostName()) && owner.bootId().equals(RunOwners.bootId())) {
      return RunOwners.goneReason(owner);
    }
    return Optional.empty();
  }

  /**
   * Returns the schema version of the database, after {@link Builder#open()} migrated it.
   *
   * @return the schema version of the database, after {@link Builder#open()} migrated it
   */
  public int schemaVersion() {
    return schemaVersion;
  }

  /**
   * Returns the event log kept in this store's database.
   *
   * @return the event log kept in this store's database
   */
  public JdbcEventLog events() {
    return events;
  }

  /**
   * Returns the id of this store object, which the leases it renews carry ({@code vr_leases}).
   *
   * @return the id of this store object, which the leases it renews carry ({@code vr_leases})
   */
  public String instanceId() {
    return instanceId;
  }

  /**
   * Runs work while holding a PostgreSQL advisory lock derived from the name (on a connection of
   * its own, unlocked after), unless another session holds it: then it does not wait and returns
   * empty. The lock lasts as long as that connection: if the database is lost mid-work, another
   * process may take it, so the store's own rules, not this lock, must keep things safe.
   *
   * @param name what to be alone on, e.g. {@code reconcile swarm abcdefgh}
   * @param work what to do, alone
   * @param <T> its result
   * @return the work's result (empty also if it returned null), or empty if another holds the lock
   * @throws StoreException if the database is unreachable
   */
  public <T> Optional<T> exclusively(String name, Supplier<T> work) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(work, "work");
    long key = lockKey(name);
    String operation = "take the lock " + name;
    Connection c = connectionFor(operation);
    boolean locked = false;
    try {
      try (PreparedStatement ps = db.prepare(c, "SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          locked = rs.getBoolean(1);
        }
      } catch (SQLException e) {
        throw db.failure(operation, e, 1);
      }
      if (!locked) {
        return Optional.empty();
      }
      return Optional.ofNullable(work.get());
    } finally {
      if (locked) {
        try (PreparedStatement ps = db.prepare(c, "SELECT pg_advisory_unlock(?)")) {
          ps.setLong(1, key);
          ps.execute();
        } catch (SQLException e) {
          LOG.warn("could not unlock {} at {} ({}); dropping the connection releases it", name, db.location(),
              JdbcAccess.describe(e));
          abortQuietly(c);
        }
      }
      JdbcAccess.closeQuietly(c);
    }
  }

  /** A connection of the pool (or data source), taken with the store's retries. */
  private Connection connectionFor(String operation) {
    for (int attempt = 1; ; attempt++) {
      try {
        Connection c = db.dataSource().getConnection();
        c.setAutoCommit(true);
        return c;
      } catch (SQLException e) {
        if (!db.retry(operation, e, attempt)) {
          throw db.failure(operation, e, attempt);
        }
      }
    }
  }

  private static void abortQuietly(Connection c) {
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("aborting a connection failed", e);
    }
  }

  static long lockKey(String name) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(("vr:" + name).getBytes(StandardCharsets.UTF_8));
      long key = 0;
      for (int i = 0; i < 8; i++) {
        key = (key << 8) | (d[i] & 0xff);
      }
      return key;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  // ---- primitives ---------------------------------------------------------------------------

  @Override
  Optional<String> read(String collection, String key) {
    return query("read " + collection + "/" + key, c -> {
      try (PreparedStatement ps = db.prepare(c, "SELECT json FROM vr_records WHERE collection = ? AND key = ?")) {
        ps.setString(1, collection);
        ps.setString(2, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
        }
      }
    });
  }

  @Override
  List<String> keys(String collection) {
    return query("list " + collection, c -> {
      try (PreparedStatement ps = db.prepare(c, "SELECT key FROM vr_records WHERE collection = ?")) {
        ps.setString(1, collection);
        List<String> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
        out.sort(null); // Java's order, as the other stores: not the database's collation
        return out;
      }
    });
  }

  @Override
  List<String> collections() {
    return query("list collections", c -> {
      try (PreparedStatement ps = db.prepare(c, "SELECT DISTINCT collection FROM vr_records");
          ResultSet rs = ps.executeQuery()) {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
          out.add(rs.getString(1));
        }
        return out;
      }
    });
  }

  /**
   * Copies every record of a file (or in-memory) store into this database, verbatim: apps,
   * swarms, builds, releases, run history, and the live record (port locks, live runs, run
   * numbers), in one transaction; then reads each back and compares. Repeating it is harmless
   * (a record already copied is written again, unchanged). Live runs copied from a file store
   * keep their owners and times, so this store's lease reclaims those no process renews.
   *
   * @param source a {@link FileStore} or {@link InMemoryStore}
   * @return per collection, how many records were copied and verified
   * @throws IllegalArgumentException if the source is another kind of store
   * @throws StoreException if this database already has other live runs or port locks (copy
   *     into a fresh database, or finish them first), a record reads back different, or the
   *     database is unreachable
   */
  public java.util.SortedMap<String, Integer> copyFrom(io.velociraptor.core.spi.Store source) {
    if (!(source instanceof RecordStore from) || source instanceof JdbcStore) {
      throw new IllegalArgumentException("copyFrom takes a FileStore or an InMemoryStore, not " + source);
    }
    java.util.TreeMap<String, java.util.TreeMap<String, String>> records = new java.util.TreeMap<>();
    for (String collection : from.collections()) {
      java.util.TreeMap<String, String> byKey = new java.util.TreeMap<>();
      for (String key : from.keys(collection)) {
        from.read(collection, key).ifPresent(json -> byKey.put(key, json));
      }
      if (!byKey.isEmpty()) {
        records.put(collection, byKey);
      }
    }
    String operation = "copy the records of " + from.location();
    atomically(operation, () -> {
      Optional<String> live = read(META, LIVE);
      Optional<String> theirs = Optional.ofNullable(records.getOrDefault(META, new java.util.TreeMap<>()).get(LIVE));
      if (live.isPresent() && !live.equals(theirs)) {
        if (!isEmptyLive(live.get())) {
          throw new StoreException(db.location(), operation, "the database already has live runs or port locks of"
              + " its own; copy into a fresh database, or let those runs finish and their locks go first", null);
        }
        // keep the database's run numbers where they are higher: a new run must never reuse an id
        LiveState mine = io.velociraptor.core.json.VrJson.readJson(live.get(), LiveState.class);
        LiveState merged = theirs.map(j -> io.velociraptor.core.json.VrJson.readJson(j, LiveState.class))
            .orElseGet(LiveState::empty);
        for (Map.Entry<String, Long> n : mine.runNumbers().entrySet()) {
          if (merged.runNumbers().getOrDefault(n.getKey(), 0L) < n.getValue()) {
            merged = merged.withRunNumber(n.getKey(), n.getValue());
          }
        }
        records.computeIfAbsent(META, k -> new java.util.TreeMap<>()).put(LIVE,
            io.velociraptor.core.json.VrJson.writeJson(merged));
      }
      records.forEach((collection, byKey) -> byKey.forEach((key, json) -> write(collection, key, json)));
      return null;
    });
    java.util.TreeMap<String, Integer> counts = new java.util.TreeMap<>();
    records.forEach((collection, byKey) -> {
      byKey.forEach((key, json) -> {
        if (!read(collection, key).equals(Optional.of(json))) {
          throw new StoreException(db.location(), operation, "the record " + collection + "/" + key
              + " reads back different from the copied one; another process changed it meanwhile, or the copy"
              + " failed: run it again", null);
        }
      });
      counts.put(collection, byKey.size());
    });
    return counts;
  }

  private static boolean isEmptyLive(String json) {
    try {
      LiveState live = io.velociraptor.core.json.VrJson.readJson(json, LiveState.class);
      return live.runs().isEmpty() && live.portLocks().isEmpty();
    } catch (RuntimeException unreadable) {
      return false;
    }
  }

  @Override
  void write(String collection, String key, String json) {
    inTx(c -> {
      try (PreparedStatement ps = db.prepare(c, "INSERT INTO vr_records (collection, key, json) VALUES (?, ?, ?)"
          + " ON CONFLICT (collection, key) DO UPDATE SET json = EXCLUDED.json")) {
        ps.setString(1, collection);
        ps.setString(2, key);
        ps.setString(3, json);
        ps.executeUpdate();
      }
      return null;
    });
  }

  @Override
  boolean delete(String collection, String key) {
    return inTx(c -> {
      try (PreparedStatement ps = db.prepare(c, "DELETE FROM vr_records WHERE collection = ? AND key = ?")) {
        ps.setString(1, collection);
        ps.setString(2, key);
        return ps.executeUpdate() > 0;
      }
    });
  }

  /** Inside a transaction on its connection (failures go to its retry loop), else on the pool's. */
  private <T> T query(String operation, JdbcAccess.SqlWork<T> work) {
    Connection c = tx.get();
    if (c == null) {
      return db.withConnection(operation, work);
    }
    try {
      return work.apply(c);
    } catch (SQLException e) {
      throw new JdbcAccess.SqlFailure(e);
    }
  }

  private <T> T inTx(JdbcAccess.SqlWork<T> work) {
    Connection c = tx.get();
    if (c == null) {
      throw new IllegalStateException("a write outside atomically()");
    }
    try {
      return work.apply(c);
    } catch (SQLException e) {
      throw new JdbcAccess.SqlFailure(e);
    }
  }

  /**
   * One transaction holding the row lock of {@code vr_lock}. A transient failure before the
   * commit rolls it back and runs the work again (bounded, with backoff); an exception of the
   * store's rules (a port taken, a finished run) commits what the work wrote before it, as the
   * file store keeps its writes, and is rethrown.
   */
  @Override
  <T> T atomically(String operation, Supplier<T> work) {
    if (tx.get() != null) {
      return work.get(); // reentrant: already in the transaction
    }
    if (closed) {
      throw new StoreException(db.location(), operation, "the store is closed", null);
    }
    for (int attempt = 1; ; attempt++) {
      Connection c = null;
      boolean committing = false;
      try {
        c = db.dataSource().getConnection();
        c.setAutoCommit(false);
        try (PreparedStatement ps = db.prepare(c, "SELECT id FROM vr_lock WHERE id = 1 FOR UPDATE")) {
          ps.executeQuery().close();
        }
        tx.set(c);
        T result;
        RuntimeException ruleBroken = null;
        try {
          result = work.get();
        } catch (JdbcAccess.SqlFailure f) {
          throw f.sql();
        } catch (RuntimeException e) {
          result = null;
          ruleBroken = e;
        } finally {
          tx.remove();
        }
        committing = true;
        c.commit();
        if (ruleBroken != null) {
          throw ruleBroken;
        }
        return result;
      } catch (SQLException e) {
        JdbcAccess.rollbackQuietly(c);
        if (committing) {
          throw db.commitLost(operation, e);
        }
        if (!db.retry(operation, e, attempt)) {
          throw db.failure(operation, e, attempt);
        }
      } finally {
        JdbcAccess.closeQuietly(c);
      }
    }
  }

  @Override
  String location() {
    return db.location();
  }

  /** A record the database could not be asked for fails the list: only a corrupt one is skipped. */
  @Override
  boolean skippable(StoreException e) {
    return !(e.getCause() instanceof SQLException);
  }

  // ---- leases -------------------------------------------------------------------------------

  @Override
  public BeginRun tryBeginRun(SwarmId swarm, String traceId, SwarmRun.Owner owner) {
    return atomically("begin a run of swarm " + swarm, () -> {
      settleAbandoned();
      BeginRun begun = super.tryBeginRun(swarm, traceId, owner);
      if (begun instanceof BeginRun.Started started) {
        holdLease(started.run());
      }
      return begun;
    });
  }

  @Override
  public SwarmRun resume(String runId, SwarmRun.Owner owner, io.velociraptor.core.model.RunState next,
      String message) {
    return atomically("resume run " + runId, () -> {
      SwarmRun resumed = super.resume(runId, owner, next, message);
      holdLease(resumed);
      return resumed;
    });
  }

  @Override
  public SwarmRun transition(String runId, io.velociraptor.core.model.RunState state, String message) {
    return onRun(runId, () -> super.transition(runId, state, message));
  }

  @Override
  public SwarmRun recordStep(String runId, io.velociraptor.core.model.RunStep step) {
    return onRun(runId, () -> super.recordStep(runId, step));
  }

  @Override
  public SwarmRun recordPlan(String runId, String planJson) {
    return onRun(runId, () -> super.recordPlan(runId, planJson));
  }

  @Override
  public SwarmRun recordTarget(String runId, io.velociraptor.core.model.Swarm swarm,
      Optional<io.velociraptor.core.model.ReleaseHash> release) {
    return onRun(runId, () -> super.recordTarget(runId, swarm, release));
  }

  @Override
  public SwarmRun heartbeat(String runId) {
    return onRun(runId, () -> super.heartbeat(runId));
  }

  /**
   * A change of a run that failed for the database (unreachable, a timeout, a lost commit) fails
   * its dispatcher's step, and the dispatcher gives the run up: this store stops renewing its
   * lease and, once the database answers again (the next change through this store, or the next
   * renewal), fails it and so frees its swarm and port locks, instead of leaving it to the lease.
   * A later change of the run that succeeds (its dispatcher only warned and carried on) takes it
   * back. A finished run's lease ends at once.
   */
  private SwarmRun onRun(String runId, Supplier<SwarmRun> change) {
    try {
      SwarmRun changed = change.get();
      if (changed.state().isTerminal()) {
        leased.remove(runId);
        abandoned.remove(runId);
      } else {
        Abandoned given = abandoned.remove(runId);
        if (given != null) {
          leased.put(runId, given.owner()); // its dispatcher carried on after all (it only warned)
        }
      }
      return changed;
    } catch (StoreException e) {
      if (e.getCause() instanceof SQLException && tx.get() == null) {
        SwarmRun.Owner owner = leased.remove(runId);
        if (owner != null) {
          abandoned.put(runId, new Abandoned(owner, e.getMessage()));
          LOG.warn("run {}: its dispatcher's step failed for the database; it is given up and failed as soon as {}"
              + " answers", runId, db.location());
        }
      }
      throw e;
    }
  }

  /** A run given up by its dispatcher because the database failed, and why. */
  private record Abandoned(SwarmRun.Owner owner, String why) {}

  /** Fails (in the current transaction) the runs given up since the database failed. */
  private void settleAbandoned() {
    for (Map.Entry<String, Abandoned> e : new ArrayList<>(abandoned.entrySet())) {
      String runId = e.getKey();
      Optional<SwarmRun> run = status(runId);
      if (run.isPresent() && !run.get().state().isTerminal() && run.get().owner().equals(e.getValue().owner())) {
        try {
          super.transition(runId, io.velociraptor.core.model.RunState.FAILED,
              "abandoned: its dispatcher gave it up when the database failed (" + e.getValue().why() + ")");
          LOG.warn("failed run {}, given up by its dispatcher when the database failed", runId);
        } catch (io.velociraptor.core.model.InvalidValueException raced) {
          LOG.debug("run {} moved on meanwhile: {}", runId, raced.getMessage());
        }
      }
      abandoned.remove(runId);
      inTx(c -> {
        try (PreparedStatement ps = db.prepare(c, "DELETE FROM vr_leases WHERE run_id = ? AND store_instance = ?")) {
          ps.setString(1, runId);
          ps.setString(2, instanceId);
          return ps.executeUpdate();
        }
      });
    }
  }

  /** Records (in the transaction) that this store renews the run's lease, and starts renewing it. */
  private void holdLease(SwarmRun run) {
    if (run.state().isTerminal()) {
      return;
    }
    inTx(c -> {
      upsertLease(c, run);
      return null;
    });
    leased.put(run.id(), run.owner());
  }

  private void upsertLease(Connection c, SwarmRun run) throws SQLException {
    try (PreparedStatement ps = db.prepare(c, "INSERT INTO vr_leases (run_id, store_instance, owner_host, owner_pid,"
        + " renewed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET store_instance = EXCLUDED.store_instance,"
        + " owner_host = EXCLUDED.owner_host, owner_pid = EXCLUDED.owner_pid, renewed_at = EXCLUDED.renewed_at")) {
      ps.setString(1, run.id());
      ps.setString(2, instanceId);
      ps.setString(3, run.owner().host());
      ps.setLong(4, run.owner().pid());
      ps.setTimestamp(5, Timestamp.from(clock.instant()));
      ps.executeUpdate();
    }
  }

  /** The run ids whose leases this store renews now. */
  List<String> leasedRuns() {
    return List.copyOf(new java.util.TreeSet<>(leased.keySet()));
  }

  /**
   * Renews the lease of every live run this store began or resumed (a heartbeat, in one
   * transaction), and forgets the runs that finished, were reclaimed or resumed by another owner.
   */
  void renewLeases() {
    if (closed || (leased.isEmpty() && abandoned.isEmpty())) {
      return;
    }
    try {
      atomically("renew run leases", () -> {
        settleAbandoned();
        for (Map.Entry<String, SwarmRun.Owner> e : new ArrayList<>(leased.entrySet())) {
          String runId = e.getKey();
          Optional<SwarmRun> run = status(runId);
          if (run.isEmpty() || run.get().state().isTerminal() || !run.get().owner().equals(e.getValue())) {
            leased.remove(runId);
            inTx(c -> {
              try (PreparedStatement ps = db.prepare(c, "DELETE FROM vr_leases WHERE run_id = ? AND store_instance = ?")) {
                ps.setString(1, runId);
                ps.setString(2, instanceId);
                return ps.executeUpdate();
              }
            });
            continue;
          }
          if (run.get().state().isPaused()) {
            continue; // a paused run is never stale: it waits for an operator
          }
          SwarmRun renewed = super.heartbeat(runId);
          inTx(c -> {
            upsertLease(c, renewed);
            return null;
          });
        }
        return null;
      });
    } catch (StoreException | io.velociraptor.core.model.InvalidValueException e) {
      LOG.warn("could not renew the leases of runs {}: {}", leasedRuns(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("could not renew the leases of runs {}", leasedRuns(), e);
    }
  }

  // ---- open and close -------------------------------------------------------------------------

  /**
   * Stops renewing leases, stops the event log's listener and closes the connection pool if the
   * store made it (a given data source is left open). Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    renewer.shutdownNow();
    try {
      renewer.awaitTermination(db.timeoutSeconds() + 5L, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.close();
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  /** The database, for messages. */
  @Override
  public String toString() {
    return "JdbcStore[" + db.location() + "]";
  }

  private static int migrate(JdbcAccess db) {
    return db.inTransaction("open the store (create or migrate its schema)", c -> {
      try (PreparedStatement ps = db.prepare(c, "SELECT pg_advisory_xact_lock(?)")) {
        ps.setLong(1, MIGRATION_LOCK);
        ps.execute();
      }
      db.execute(c, "CREATE TABLE IF NOT EXISTS vr_schema_version (version integer PRIMARY KEY,"
          + " description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      int found;
      try (PreparedStatement ps = db.prepare(c, "SELECT coalesce(max(version), 0) FROM vr_schema_version");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        found = rs.getInt(1);
      }
      if (found > SCHEMA_VERSION) {
        throw new StoreException(db.location(), "open the store", "the database's schema is version " + found
            + ", newer than this vr knows (schema version " + SCHEMA_VERSION + "): a newer vr migrated it."
            + " Upgrade vr to that version, or point this one at another database", null);
      }
      for (int v = found + 1; v <= SCHEMA_VERSION; v++) {
        String name = MIGRATIONS.get(v - 1);
        for (String statement : statements(name)) {
          db.execute(c, statement);
        }
        try (PreparedStatement ps = db.prepare(c, "INSERT INTO vr_schema_version (version, description) VALUES (?, ?)")) {
          ps.setInt(1, v);
          ps.setString(2, name);
          ps.executeUpdate();
        }
        LOG.info("migrated the schema of {} to version {} ({})", db.location(), v, name);
      }
      return SCHEMA_VERSION;
    });
  }

  /** A migration's statements: its text split at semicolons that end a line, comments dropped. */
  static List<String> statements(String migration) {
    String path = "jdbc/" + migration;
    try (InputStream in = JdbcStore.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("the migration " + path + " is missing from vr-core's jar");
      }
      StringBuilder sql = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.strip().startsWith("--")) {
          sql.append(line).append('\n');
        }
      }
      List<String> out = new ArrayList<>();
      for (String s : sql.toString().split(";\\s*\n")) {
        if (!s.isBlank()) {
          out.add(s.strip());
        }
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the migration " + path, e);
    }
  }

  /** Configures and opens a {@link JdbcStore}. */
  public static final class Builder {
    private String url;
    private String user;
    private String password;
    private DataSource dataSource;
    private Clock clock = Clock.systemUTC();
    private Duration staleAfter = DEFAULT_LEASE;
    private int historyLimit = DEFAULT_HISTORY_LIMIT;
    private Duration statementTimeout = Duration.ofSeconds(10);
    private int poolSize = 8;
    private int attempts = 4;
    private int eventRetention = 10_000;

    private Builder() {}

    /**
     * Sets the JDBC URL of the database, e.g. {@code jdbc:postgresql://db1,db2/vr?targetServerType=primary};
     * the store makes (and closes) a connection pool for it.
     *
     * @param url the JDBC URL (its driver must be on the class path)
     * @return this builder
     */
    public Builder url(String url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Sets the database user for {@link #url}.
     *
     * @param user the database user
     * @return this builder
     */
    public Builder user(String user) {
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /**
     * Sets the database user's password for {@link #url}; it appears in no message.
     *
     * @param password the password
     * @return this builder
     */
    public Builder password(String password) {
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /**
     * Uses a data source (a pool) the caller made, instead of {@link #url}; the store does not
     * close it.
     *
     * @param dataSource the data source
     * @return this builder
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * Sets the clock that stamps runs, locks, leases and events.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the lease: a live run unchanged (not renewed) this long, or a lock of no run held this
     * long, is stale and reclaimed; renewed every third of it. Default 60 s.
     *
     * @param lease the lease
     * @return this builder
     */
    public Builder staleAfter(Duration lease) {
      this.staleAfter = Objects.requireNonNull(lease, "lease");
      return this;
    }

    /**
     * Sets how many finished runs to keep per swarm; default 100.
     *
     * @param runs how many finished runs to keep per swarm
     * @return this builder
     */
    public Builder historyLimit(int runs) {
      this.historyLimit = runs;
      return this;
    }

    /**
     * Sets how long one statement (including waiting for the store's lock) may take before it is
     * cancelled, and how long to wait for a connection; default 10 s. JDBC counts whole seconds:
     * it is rounded up.
     *
     * @param timeout the statement timeout
     * @return this builder
     */
    public Builder statementTimeout(Duration timeout) {
      this.statementTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the connection pool's size when the store makes it ({@link #url}); default 8. Besides
     * the store's calls, the event log's listener (once {@link JdbcEventLog#await} is used) holds
     * one connection, and each {@link JdbcStore#exclusively} one while its work runs.
     *
     * @param connections the most connections the pool opens
     * @return this builder
     */
    public Builder poolSize(int connections) {
      this.poolSize = connections;
      return this;
    }

    /**
     * Sets how many times work that failed transiently is tried in all; default 4.
     *
     * @param attempts at least 1
     * @return this builder
     */
    public Builder attempts(int attempts) {
      this.attempts = attempts;
      return this;
    }

    /**
     * Sets how many of the newest events the event log keeps; default 10,000.
     *
     * @param events at least 1
     * @return this builder
     */
    public Builder eventRetention(int events) {
      this.eventRetention = events;
      return this;
    }

    /**
     * Opens the store: makes the connection pool (for a URL), creates or migrates the schema, and
     * starts renewing leases.
     *
     * @return the open store; close it when done
     * @throws IllegalArgumentException if a setting is out of range, or neither or both of a URL
     *     and a data source are set
     * @throws StoreException if the database is unreachable or refuses, or its schema is newer
     *     than {@link #SCHEMA_VERSION}
     */
    public JdbcStore open() {
      if ((url == null) == (dataSource == null)) {
        throw new IllegalArgumentException("set exactly one of url(...) and dataSource(...)");
      }
      if (statementTimeout.isNegative() || statementTimeout.isZero()) {
        throw new IllegalArgumentException("statementTimeout must be positive: " + statementTimeout);
      }
      if (staleAfter.isNegative() || staleAfter.isZero()) {
        throw new IllegalArgumentException("staleAfter must be positive: " + staleAfter);
      }
      if (poolSize < 2) {
        throw new IllegalArgumentException("poolSize must be at least 2: " + poolSize);
      }
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
      }
      if (eventRetention < 1) {
        throw new IllegalArgumentException("eventRetention must be at least 1: " + eventRetention);
      }
      if (historyLimit < 1) {
        throw new IllegalArgumentException("historyLimit must be at least 1: " + historyLimit);
      }
      HikariDataSource pool = null;
      String location;
      DataSource ds;
      if (url != null) {
        pool = new HikariDataSource(poolConfig());
        ds = pool;
        location = JdbcAccess.safeUrl(url);
      } else {
        ds = dataSource;
        location = "data source " + dataSource.getClass().getSimpleName();
      }
      try {
        JdbcAccess db = new JdbcAccess(ds, location, statementTimeout, attempts);
        if (url == null) {
          String found = db.withConnection("open the store", c -> c.getMetaData().getURL());
          db = new JdbcAccess(ds, JdbcAccess.safeUrl(found), statementTimeout, attempts);
        }
        int version = migrate(db);
        return new JdbcStore(this, db, pool, version);
      } catch (RuntimeException e) {
        if (pool != null) {
          pool.close();
        }
        throw e;
      }
    }

    private HikariConfig poolConfig() {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      if (user != null) {
        config.setUsername(user);
      }
      if (password != null) {
        config.setPassword(password);
      }
      config.setPoolName("vr-store");
      config.setMaximumPoolSize(poolSize);
      config.setMinimumIdle(Math.min(2, poolSize));
      long timeoutMs = Math.max(250, statementTimeout.toMillis());
      config.setConnectionTimeout(timeoutMs);
      config.setValidationTimeout(Math.max(250, Math.min(timeoutMs, 5_000)));
      config.setInitializationFailTimeout(-1); // open() connects itself, with retries and a clear message
      if (url.startsWith("jdbc:postgresql:")) {
        long seconds = Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
        config.addDataSourceProperty("connectTimeout", Long.toString(seconds));
        // a statement cancelled by its timeout answers at once; a dead peer does not: give up on it
        config.addDataSourceProperty("socketTimeout", Long.toString(seconds * 3 + 5));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "vr");
      }
      return config;
    }
  }
}
