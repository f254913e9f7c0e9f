package io.velociraptor.core.store;

import io.velociraptor.core.spi.Store;
import io.velociraptor.testkit.PostgresCluster;
import io.velociraptor.testkit.StoreContract;
import io.velociraptor.testkit.TestClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on a real PostgreSQL, one private cluster for the class and a fresh database
 * per test. The contract's TTL (10 minutes) is the lease: renewals run every 200 s of real time,
 * so they never fire during a test, and the test clock alone decides staleness.
 */
class JdbcStoreContractTest extends StoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static PostgresCluster pg;

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

  @Override
  protected Store open(TestClock clock, Duration staleAfter) {
    String url = pg.createDatabase("contract_" + DATABASES.incrementAndGet());
    return JdbcStore.builder().url(url).user(pg.user()).password(pg.password()).clock(clock).staleAfter(staleAfter)
        .open();
  }
}
