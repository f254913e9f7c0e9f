package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.store.JdbcEventLog;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.core.store.StoredEvent;
import io.velociraptor.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server side of the database's event log on a real PostgreSQL: the reader never skips an
 * event whose append committed after a later one (an open transaction holds a hole in the ids),
 * gives up on a hole whose append rolled back, and the follower publishes every event to the hub
 * once under its database id, its backlog before it starts; the hub refuses ids it has published already.
 */
class EventLogFollowTest {
  static PostgresCluster pg;
  static JdbcStore store;

  @BeforeAll
  static void start() {
    pg = PostgresCluster.start();
    store = JdbcStore.builder().url(pg.jdbcUrl()).user(pg.user()).password(pg.password()).open();
  }

  @AfterAll
  static void stop() {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      if (pg != null) {
        pg.close();
      }
    }
  }

  /** An append held open in a transaction of its own: its id is taken, its row not yet visible. */
  static long openAppend(Connection c, String type) throws Exception {
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO vr_events (at, type, json) VALUES (now(), ?, '{}') RETURNING id")) {
      ps.setString(1, type);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Reads until the reader returns something, for at most a minute. */
  static List<StoredEvent> nextNonEmpty(EventLogReader reader) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      List<StoredEvent> got = reader.next(Duration.ofMillis(200));
      if (!got.isEmpty()) {
        return got;
      }
      assertThat(System.nanoTime()).as("waited a minute for the reader to return an event").isLessThan(deadline);
    }
  }

  @Test
  void anEventCommittedAfterALaterOneIsNotSkipped() throws Exception {
    JdbcEventLog log = store.events();
    log.append("before", "{}");
    EventLogReader reader = new EventLogReader(log, log.lastId());
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
      long held = openAppend(c, "slow");
      long later = log.append("fast", "{}");
      assertThat(later).isGreaterThan(held);
      assertThat(log.after(held - 1, 10)).extracting(StoredEvent::id).as("the later one is visible first")
          .containsExactly(later);
      // the hole holds the later event back (well within HOLE_WAIT: the transaction is still open)
      assertThat(reader.next(Duration.ofMillis(100))).isEmpty();
      c.commit();
    }
    List<StoredEvent> got = new ArrayList<>(nextNonEmpty(reader));
    if (got.size() == 1) {
      got.addAll(nextNonEmpty(reader));
    }
    assertThat(got).extracting(StoredEvent::type).containsExactly("slow", "fast");
  }

  @Test
  void aHoleWhoseAppendRolledBackIsPassedAfterTheWait() throws Exception {
    JdbcEventLog log = store.events();
    log.append("before", "{}");
    EventLogReader reader = new EventLogReader(log, log.lastId());
    long later;
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
      openAppend(c, "never");
      later = log.append("after-the-hole", "{}");
      c.rollback();
    }
    long began = System.nanoTime();
    List<StoredEvent> got = nextNonEmpty(reader);
    assertThat(got).extracting(StoredEvent::id).containsExactly(later);
    assertThat(Duration.ofNanos(System.nanoTime() - began)).as("held back at the hole first")
        .isGreaterThanOrEqualTo(EventLogReader.HOLE_WAIT.minusMillis(500));
    assertThat(reader.last()).isEqualTo(later);
  }

  @Test
  void theFollowerPublishesEveryEventOnceUnderItsDatabaseId() throws Exception {
    JdbcEventLog log = store.events();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
      openAppend(c, "never");
      c.rollback(); // a hole in the backlog: passed at once, the backlog being history
    }
    long first = log.append("old", "{\"n\":0}");
    EventHub hub = EventHub.create();
    try (LogFollower follower = LogFollower.start(log, hub, 10)) {
      // the backlog is in the hub when start returns: a webhook subscribing now gets only what comes next
      assertThat(hub.lastId()).isEqualTo(first);
      List<Long> ids = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        ids.add(log.append("run_started", "{\"n\":" + i + "}"));
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (hub.lastId() < ids.get(4)) {
        assertThat(System.nanoTime()).as("waited a minute for the hub to reach event %s", ids.get(4)).isLessThan(deadline);
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      List<EventHub.Event> published = hub.after(first - 1);
      List<Long> expected = new ArrayList<>(List.of(first));
      expected.addAll(ids);
      assertThat(published).extracting(EventHub.Event::id).containsExactlyElementsOf(expected);
      assertThat(published.get(3).json()).isEqualTo("{\"n\":3}");
      assertThat(follower.published()).isEqualTo(ids.get(4));
    }
  }

  @Test
  void theHubPublishesAGivenIdOnceAndNeverALowerOne() {
    EventHub hub = EventHub.create();
    assertThat(hub.publish(5, "a", "{}")).isTrue();
    assertThat(hub.publish(5, "a", "{}")).isFalse();
    assertThat(hub.publish(3, "b", "{}")).isFalse();
    assertThat(hub.publish(9, "c", "{}")).isTrue();
    assertThat(hub.after(0)).extracting(EventHub.Event::id).containsExactly(5L, 9L);
    assertThat(hub.lastId()).isEqualTo(9);
  }
}
