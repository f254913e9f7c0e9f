package io.velociraptor.core.store;

import io.velociraptor.core.spi.Store;
import io.velociraptor.testkit.StoreContract;
import io.velociraptor.testkit.TestClock;
import java.time.Duration;

class InMemoryStoreContractTest extends StoreContract {
  @Override
  protected Store open(TestClock clock, Duration staleAfter) {
    return InMemoryStore.builder().clock(clock).staleAfter(staleAfter).build();
  }
}
