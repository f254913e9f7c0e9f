package io.velociraptor.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.StoreException;
import io.velociraptor.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the PostgreSQL store adds to the contract: schema, timeouts, lost connections, locks, events, leases. */
class JdbcStoreTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final SwarmId SWARM = SwarmId.of("abcdefgh");
  private static PostgresCluster pg;
  private String url;
  private final List<AutoCloseable> opened = new java.util.ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @BeforeEach
  void freshDatabase() {
    pg.startAgain(); // a test that stopped it and failed leaves it stopped
    url = pg.createDatabase("store_" + DATABASES.incrementAndGet());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  private JdbcStore.Builder builder() {
    return JdbcStore.builder().url(url).user(pg.user()).password(pg.password());
  }

  private JdbcStore open(JdbcStore.Builder b) {
    JdbcStore store = b.open();
    opened.add(store);
    return store;
  }

  private Connection sql() throws SQLException {
    Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
    opened.add(c);
    return c;
  }

  private int count(String query) throws SQLException {
    try (Statement st = sql().createStatement(); ResultSet rs = st.executeQuery(query)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 90 s waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  @Test
  void openCreatesTheSchemaAndOpeningAgainChangesNothing() throws Exception {
    JdbcStore first = open(builder());
    assertThat(first.schemaVersion()).isEqualTo(JdbcStore.SCHEMA_VERSION).isEqualTo(1);
    first.putApp(App.builder().name(AppName.of("shop")).build());
    first.close();
    JdbcStore again = open(builder());
    assertThat(again.schemaVersion()).isEqualTo(JdbcStore.SCHEMA_VERSION);
    assertThat(again.apps()).extracting(a -> a.name().value()).containsExactly("shop");
    assertThat(count("SELECT count(*) FROM vr_schema_version")).isEqualTo(JdbcStore.SCHEMA_VERSION);
    assertThat(count("SELECT count(*) FROM vr_lock")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM vr_records WHERE collection = 'apps'")).isEqualTo(1);
  }

  @Test
  void twoStoresOpeningAnEmptyDatabaseAtOnceMigrateItOnce() throws Exception {
    CompletableFuture<JdbcStore> a = CompletableFuture.supplyAsync(() -> open(builder()));
    CompletableFuture<JdbcStore> b = CompletableFuture.supplyAsync(() -> open(builder()));
    assertThat(a.get(90, TimeUnit.SECONDS).schemaVersion()).isEqualTo(JdbcStore.SCHEMA_VERSION);
    assertThat(b.get(90, TimeUnit.SECONDS).schemaVersion()).isEqualTo(JdbcStore.SCHEMA_VERSION);
    assertThat(count("SELECT count(*) FROM vr_schema_version")).isEqualTo(JdbcStore.SCHEMA_VERSION);
  }

  @Test
  void aDatabaseWithANewerSchemaIsRefusedNamingBothVersions() throws Exception {
    open(builder()).close();
    try (Statement st = sql().createStatement()) {
      st.execute("INSERT INTO vr_schema_version (version, description) VALUES (" + (JdbcStore.SCHEMA_VERSION + 1)
          + ", 'from the future')");
    }
    assertThatThrownBy(() -> open(builder()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("schema is version " + (JdbcStore.SCHEMA_VERSION + 1))
        .hasMessageContaining("schema version " + JdbcStore.SCHEMA_VERSION)
        .hasMessageContaining("Upgrade vr")
        .hasMessageNotContaining(pg.password());
  }

  @Test
  void aChangeBlockedByAnotherSessionFailsAtTheStatementTimeoutInsteadOfHanging() throws Exception {
    JdbcStore store = open(builder().statementTimeout(Duration.ofSeconds(1)));
    Connection holder = sql();
    holder.setAutoCommit(false);
    try (Statement st = holder.createStatement()) {
      st.executeQuery("SELECT id FROM vr_lock WHERE id = 1 FOR UPDATE").close();
    }
    assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        assertThatThrownBy(() -> store.putApp(App.builder().name(AppName.of("shop")).build()))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("put app shop")
            .hasMessageContaining("statement timeout of 1 s")
            .hasMessageContaining(url));
    // reads take no lock
    assertThat(store.apps()).isEmpty();
    holder.rollback();
    store.putApp(App.builder().name(AppName.of("shop")).build());
    assertThat(store.app(AppName.of("shop"))).isPresent();
  }

  @Test
  void whileTheDatabaseIsDownCallsFailClearlyAndTheyWorkAgainOnceItIsBack() {
    JdbcStore store = open(builder().statementTimeout(Duration.ofSeconds(2)).attempts(2));
    store.putApp(App.builder().name(AppName.of("before")).build());
    pg.stop();
    try {
      assertThatThrownBy(() -> store.putApp(App.builder().name(AppName.of("during")).build()))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("put app during")
          .hasMessageContaining("database was unreachable (2 attempts)")
          .hasMessageNotContaining(pg.password());
      assertThatThrownBy(() -> store.apps()).isInstanceOf(StoreException.class)
          .hasMessageContaining("unreachable").hasMessageNotContaining(pg.password());
    } finally {
      pg.startAgain();
    }
    store.putApp(App.builder().name(AppName.of("after")).build());
    assertThat(store.apps()).extracting(a -> a.name().value()).containsExactly("after", "before");
  }

  @Test
  void aServerRestartBetweenCallsIsCarriedByTheRetries() {
    JdbcStore store = open(builder().statementTimeout(Duration.ofSeconds(5)));
    store.putApp(App.builder().name(AppName.of("before")).build());
    pg.restart(); // every pooled connection is now dead
    store.putApp(App.builder().name(AppName.of("after")).build());
    assertThat(store.apps()).hasSize(2);
  }

  @Test
  void aWrongPasswordIsRefusedWithoutTheMessageShowingIt() {
    String wrong = "not-" + pg.password();
    assertThatThrownBy(() -> open(JdbcStore.builder().url(url).user(pg.user()).password(wrong)
        .statementTimeout(Duration.ofSeconds(2)).attempts(1)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("password authentication failed")
        .hasMessageNotContaining(wrong);
  }

  @Test
  void aGivenDataSourceIsUsedAndLeftOpen() throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(pg.user());
    config.setPassword(pg.password());
    try (HikariDataSource ds = new HikariDataSource(config)) {
      JdbcStore store = open(JdbcStore.builder().dataSource(ds));
      store.putApp(App.builder().name(AppName.of("shop")).build());
      assertThat(store.toString()).contains(url);
      store.close();
      assertThat(ds.isClosed()).isFalse();
      try (Connection c = ds.getConnection()) {
        assertThat(c.isValid(5)).isTrue();
      }
    }
  }

  @Test
  void exclusivelyLetsOneSessionAtATimeDoTheWork() {
    JdbcStore a = open(builder());
    JdbcStore b = open(builder());
    Optional<String> outer = a.exclusively("reconcile abcdefgh", () -> {
      assertThat(b.exclusively("reconcile abcdefgh", () -> "b ran")).as("held by a").isEmpty();
      assertThat(a.exclusively("reconcile abcdefgh", () -> "a again")).as("held by a's other session").isEmpty();
      assertThat(b.exclusively("reconcile zyxwvuts", () -> "other")).contains("other");
      return "a ran";
    });
    assertThat(outer).contains("a ran");
    assertThat(b.exclusively("reconcile abcdefgh", () -> "b ran")).contains("b ran");
    // a failing work still unlocks
    assertThatThrownBy(() -> a.exclusively("x", () -> {
      throw new IllegalStateException("boom");
    })).hasMessage("boom");
    assertThat(b.exclusively("x", () -> 1)).contains(1);
  }

  @Test
  void eventsAppendedByOneStoreAreReadAndAwaitedByAnother() throws Exception {
    JdbcStore a = open(builder());
    JdbcStore b = open(builder());
    assertThat(b.events().lastId()).isZero();
    long first = a.events().append("dispatch.started", "{\"run\":\"r1\"}");
    long second = a.events().append("dispatch.done", "{\"run\":\"r1\"}");
    assertThat(second).isGreaterThan(first);
    assertThat(b.events().after(0, 10)).extracting(StoredEvent::type).containsExactly("dispatch.started", "dispatch.done");
    assertThat(b.events().after(first, 10)).extracting(StoredEvent::id).containsExactly(second);
    assertThat(b.events().lastId()).isEqualTo(second);
    assertThat(b.events().await(first, Duration.ofSeconds(1))).map(StoredEvent::id).contains(second);

    // b waits; a appends: b wakes with it
    b.events().await(second, Duration.ofMillis(1)); // starts b's listener
    await("b's event listener to LISTEN", () -> b.events().listening());
    CompletableFuture<Optional<StoredEvent>> waiting =
        CompletableFuture.supplyAsync(() -> b.events().await(second, Duration.ofSeconds(60)));
    long third = a.events().append("reconcile.pass", "{\"swarm\":\"abcdefgh\"}");
    Optional<StoredEvent> woke = waiting.get(90, TimeUnit.SECONDS);
    assertThat(woke).map(StoredEvent::id).contains(third);
    assertThat(woke.get().json()).isEqualTo("{\"swarm\":\"abcdefgh\"}");
    assertThat(b.events().await(third, Duration.ofMillis(200))).isEmpty();
  }

  @Test
  void theEventLogKeepsTheNewestEventsUpToItsRetention() {
    JdbcStore store = open(builder().eventRetention(3));
    for (int i = 1; i <= 5; i++) {
      store.events().append("e", "{\"n\":" + i + "}");
    }
    assertThat(store.events().after(0, 10)).extracting(StoredEvent::json)
        .containsExactly("{\"n\":3}", "{\"n\":4}", "{\"n\":5}");
  }

  @Test
  void aRunsLeaseIsRenewedWhileItsStoreLivesAndReclaimedAfterItStops() throws Exception {
    Duration lease = Duration.ofSeconds(3);
    JdbcStore a = open(builder().staleAfter(lease));
    JdbcStore b = open(builder().staleAfter(lease));
    // an owner on another machine: only the lease can tell whether it still works
    SwarmRun.Owner elsewhere = new SwarmRun.Owner("machine-a", "boot-of-machine-a", 4242, Optional.empty());
    SwarmRun run = ((BeginRun.Started) a.tryBeginRun(SWARM, "t", elsewhere)).run();
    a.reserve(HostName.of("host-a"), List.of(Port.of(5000), Port.of(5001)), run.id());
    assertThat(a.leasedRuns()).containsExactly(run.id());
    assertThat(count("SELECT count(*) FROM vr_leases WHERE run_id = '" + run.id() + "' AND store_instance = '"
        + a.instanceId() + "'")).isEqualTo(1);
    await("two renewals of the lease", () -> a.status(run.id()).orElseThrow().updatedAt()
        .isAfter(run.updatedAt().plusSeconds(1)));

    a.close(); // stops renewing, as a process that died would
    SwarmRun renewed = b.status(run.id()).orElseThrow();
    await("b to reclaim the run after its lease", () -> b.tryBeginRun(SWARM, "t2", RunOwners.current())
        instanceof BeginRun.Started);
    SwarmRun failed = b.status(run.id()).orElseThrow();
    assertThat(failed.state()).isEqualTo(RunState.FAILED);
    assertThat(failed.failureReason().orElseThrow()).contains("abandoned").contains("TTL of PT3S");
    assertThat(failed.finishedAt().orElseThrow()).isAfter(renewed.updatedAt().plus(lease));
    assertThat(b.portLocks()).noneMatch(l -> l.owner().equals(run.id()));
  }

  @Test
  void aRunWhoseChangeFailedForTheDatabaseIsFailedWhenItAnswersAgain() {
    // 3 attempts: just after the restart, the pool may still be backing off from its failed connects
    JdbcStore store = open(builder().statementTimeout(Duration.ofSeconds(2)).attempts(3));
    SwarmRun run = ((BeginRun.Started) store.tryBeginRun(SWARM, "t", RunOwners.current())).run();
    store.reserve(HostName.of("host-a"), List.of(Port.of(5000)), run.id());
    pg.stop();
    try {
      assertThatThrownBy(() -> store.transition(run.id(), RunState.DEPLOYING, "starting"))
          .isInstanceOf(StoreException.class).hasMessageContaining("unreachable");
    } finally {
      pg.startAgain();
    }
    assertThat(store.leasedRuns()).isEmpty();
    // the next dispatch of the swarm finds it free: the given-up run failed, its lock released
    BeginRun next = store.tryBeginRun(SWARM, "t2", RunOwners.current());
    assertThat(next).isInstanceOf(BeginRun.Started.class);
    SwarmRun failed = store.status(run.id()).orElseThrow();
    assertThat(failed.state()).isEqualTo(RunState.FAILED);
    assertThat(failed.failureReason().orElseThrow()).contains("gave it up when the database failed");
    assertThat(store.reserve(HostName.of("host-a"), List.of(Port.of(5000)), "next")).hasSize(1);
  }

  @Test
  void copyFromAFileStoreCopiesEveryRecordVerifiesItAndCanBeRepeated(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    SortedCounts expected;
    try (FileStore files = FileStore.open(dir.resolve("store"))) {
      files.putApp(App.builder().name(AppName.of("shop")).build());
      files.putBuild(io.velociraptor.core.model.Build.builder().app(AppName.of("shop"))
          .version(io.velociraptor.core.model.Version.of("1.0/beta")).status(io.velociraptor.core.model.BuildStatus.SUCCESS)
          .artifact("/a.tar.gz").sha256("a".repeat(64)).sizeBytes(1).putProcfileTypes("web", "run").build());
      SwarmRun done = ((BeginRun.Started) files.tryBeginRun(SWARM, "t", RunOwners.current())).run();
      files.transition(done.id(), RunState.DONE, "done");
      files.reserve(HostName.of("host-a"), List.of(Port.of(5000)), "manual");
      expected = new SortedCounts(files);

      JdbcStore store = open(builder());
      java.util.SortedMap<String, Integer> copied = store.copyFrom(files);
      assertThat(copied).containsEntry("apps", 1).containsEntry("builds/shop", 1)
          .containsEntry("runs/" + SWARM.value(), 1).containsEntry("meta", 1);
      assertThat(store.copyFrom(files)).as("repeated").isEqualTo(copied);
      assertThat(new SortedCounts(store)).isEqualTo(expected);
      assertThat(store.history(SWARM)).isEqualTo(files.history(SWARM));
      assertThat(store.portLocks()).isEqualTo(files.portLocks());
      // the next run continues the numbering
      SwarmRun next = ((BeginRun.Started) store.tryBeginRun(SWARM, "t", RunOwners.current())).run();
      assertThat(next.id()).isEqualTo(SWARM.value() + "-000002");

      // a database with live runs of its own is not overwritten
      assertThatThrownBy(() -> store.copyFrom(files)).isInstanceOf(StoreException.class)
          .hasMessageContaining("already has live runs or port locks");
    }
  }

  @Test
  void aListWhoseRecordCannotBeReadForTheDatabaseFailsInsteadOfComingBackShort() throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(pg.user());
    config.setPassword(pg.password());
    java.util.concurrent.atomic.AtomicInteger failFrom = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    try (HikariDataSource ds = new HikariDataSource(config)) {
      javax.sql.DataSource flaky = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
          getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
            if (method.getName().equals("getConnection") && calls.incrementAndGet() >= failFrom.get()) {
              throw new java.sql.SQLTransientConnectionException("the network went away", "08006");
            }
            try {
              return method.invoke(ds, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
      JdbcStore store = open(JdbcStore.builder().dataSource(flaky).attempts(1));
      store.putApp(App.builder().name(AppName.of("a_app")).build());
      store.putApp(App.builder().name(AppName.of("b_app")).build());
      assertThat(store.apps()).hasSize(2);
      failFrom.set(calls.get() + 2); // the list of keys is read; the first record is not
      assertThatThrownBy(store::apps).isInstanceOf(StoreException.class).hasMessageContaining("unreachable")
          .hasMessageContaining("the network went away");
    }
  }

  /** What a store holds, by kind, for comparing two stores. */
  private record SortedCounts(List<String> apps, List<String> builds, List<String> runs, List<String> locks) {
    SortedCounts(io.velociraptor.core.spi.Store s) {
      this(s.apps().stream().map(a -> a.name().value()).toList(),
          s.builds(AppName.of("shop")).stream().map(b -> b.version().value()).toList(),
          s.history(SWARM).stream().map(SwarmRun::id).toList(),
          s.portLocks().stream().map(l -> l.host() + ":" + l.port() + "=" + l.owner()).toList());
    }
  }
}
