package io.velociraptor.core.store;

import io.velociraptor.testkit.ArtifactStoreContract;
import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.spi.Artifact;
import io.velociraptor.core.spi.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FileSystemArtifactStoreTest extends ArtifactStoreContract {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @Override
  protected ArtifactStore store() {
    return FileSystemArtifactStore.of(tmp.resolve("store"), clock);
  }

  @Override
  protected void advanceClock(Duration d) {
    clock.now = clock.now.plus(d);
  }

  @Test
  void twoStoreObjectsOnOneDirectorySeeTheSameArtifacts() throws IOException {
    Artifact a = store().put(file("a", "shared"));
    assertThat(FileSystemArtifactStore.of(tmp.resolve("store")).find(a.sha256())).contains(a);
  }

  @Test
  void leavesNoTemporaryFilesBehind() throws IOException {
    ArtifactStore store = store();
    Artifact a = store.put(file("a", "x"));
    store.put(file("b", "x"));
    store.delete(a.sha256());
    try (Stream<Path> left = Files.list(tmp.resolve("store/tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
