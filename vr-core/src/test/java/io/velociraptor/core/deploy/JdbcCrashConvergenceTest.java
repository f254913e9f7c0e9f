package io.velociraptor.core.deploy;

import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The crash-convergence test on a {@link JdbcStore} in a private PostgreSQL: every crash point's
 * world starts from emptied tables, and the next dispatch reclaims the dead dispatcher's run.
 */
class JdbcCrashConvergenceTest extends CrashConvergenceTest {
  private static PostgresCluster pg;
  private static String url;

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
    url = pg.createDatabase("crash");
    JdbcStore.builder().url(url).user(pg.user()).password(pg.password()).open().close();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @Override
  Store newStore() {
    try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password()); Statement st = c.createStatement()) {
      st.execute("TRUNCATE vr_records, vr_events, vr_leases");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot empty the store's tables", e);
    }
    return JdbcStore.builder().url(url).user(pg.user()).password(pg.password()).poolSize(4).open();
  }
}
