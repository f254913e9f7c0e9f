package io.velociraptor.core.store;

import io.velociraptor.core.spi.Store;
import io.velociraptor.testkit.StoreContract;
import io.velociraptor.testkit.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

class FileStoreContractTest extends StoreContract {
  @TempDir Path dir;

  @Override
  protected Store open(TestClock clock, Duration staleAfter) {
    return FileStore.builder().clock(clock).staleAfter(staleAfter).open(dir.resolve("store"));
  }
}
