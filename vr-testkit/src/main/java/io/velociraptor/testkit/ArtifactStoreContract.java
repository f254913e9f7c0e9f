package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.VrException;
import io.velociraptor.core.spi.Artifact;
import io.velociraptor.core.spi.ArtifactStore;
import io.velociraptor.core.spi.ArtifactStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ArtifactStore} does; subclasses supply the store. A JUnit 5 test class:
 * extend it, and every test here runs against your store.
 */
public abstract class ArtifactStoreContract {

  /** A fresh directory per test, for the store and the files it is given. */
  @TempDir protected Path tmp;

  /** Creates the contract; subclasses supply the store. */
  protected ArtifactStoreContract() {}

  /**
   * A fresh, empty store on a clock the test can move with {@link #advanceClock}.
   *
   * @return the store
   */
  protected abstract ArtifactStore store();

  /**
   * Moves the store's clock forward.
   *
   * @param d how far
   */
  protected abstract void advanceClock(Duration d);

  /**
   * Writes a file in {@link #tmp}.
   *
   * @param name its name
   * @param content its text
   * @return its path
   * @throws IOException if it cannot be written
   */
  protected Path file(String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  static String read(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void storesBytesUnderTheirSha256AndMd5() throws IOException {
    ArtifactStore store = store();
    Artifact a = store.put(file("a", "hello\n"));
    assertThat(a.sha256())
        .isEqualTo("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    assertThat(a.md5()).isEqualTo("b1946ac92492d2347c6235b4d2611184");
    assertThat(a.size()).isEqualTo(6);
    assertThat(read(store.open(a.sha256()))).isEqualTo("hello\n");
    assertThat(store.find(a.sha256())).contains(a);
  }

  @Test
  void storingTheSameBytesTwiceKeepsOneArtifactAndTheFirstStoredTime() throws IOException {
    ArtifactStore store = store();
    Artifact first = store.put(file("a", "same"));
    advanceClock(Duration.ofHours(1));
    Artifact second = store.put(file("b", "same"));
    assertThat(second).isEqualTo(first);
    assertThat(store.list()).containsExactly(first);
  }

  @Test
  void listsArtifactsSortedBySha256() throws IOException {
    ArtifactStore store = store();
    List<Artifact> stored = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      stored.add(store.put(file("f" + i, "content " + i)));
    }
    assertThat(store.list()).extracting(Artifact::sha256)
        .isSorted()
        .containsExactlyInAnyOrderElementsOf(stored.stream().map(Artifact::sha256).toList());
  }

  @Test
  void keepsAttachmentsWithTheirArtifactAndDeletesThemTogether() throws IOException {
    ArtifactStore store = store();
    Artifact a = store.put(file("a", "tarball"));
    java.net.URI where = store.attach(a.sha256(), "compile.log", file("log", "line 1\nline 2\n"));
    assertThat(read(store.openAttachment(a.sha256(), "compile.log").orElseThrow()))
        .isEqualTo("line 1\nline 2\n");
    assertThat(where).isNotEqualTo(a.location());
    assertThat(where.toString()).contains("compile.log");
    assertThat(store.openAttachment(a.sha256(), "other.log")).isEmpty();
    assertThat(store.delete(a.sha256())).isTrue();
    assertThat(store.find(a.sha256())).isEmpty();
    assertThat(store.openAttachment(a.sha256(), "compile.log")).isEmpty();
    assertThat(store.delete(a.sha256())).isFalse();
  }

  @Test
  void refusesAttachmentNamesThatCouldLeaveTheArtifactDirectory() throws IOException {
    ArtifactStore store = store();
    Artifact a = store.put(file("a", "x"));
    for (String bad : List.of("../escape", "a/b", "", ".hidden", "..")) {
      assertThatThrownBy(() -> store.attach(a.sha256(), bad, tmp.resolve("a")))
          .isInstanceOf(VrException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void refusesToAttachToAnArtifactThatIsNotStored() throws IOException {
    ArtifactStore store = store();
    String missing = "0".repeat(64);
    assertThatThrownBy(() -> store.attach(missing, "compile.log", file("log", "x")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining(missing);
  }

  @Test
  void openingAMissingArtifactNamesIt() {
    String missing = "ab".repeat(32);
    assertThatThrownBy(() -> store().open(missing))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining(missing);
  }

  @Test
  void rejectsSomethingThatIsNotASha256() {
    assertThatThrownBy(() -> store().find("../../etc"))
        .isInstanceOf(VrException.class)
        .hasMessageContaining("'../../etc'");
  }

  @Test
  void garbageCollectionDeletesOnlyOldArtifactsThatNoReleaseUses() throws IOException {
    ArtifactStore store = store();
    Artifact oldUnused = store.put(file("a", "old unused"));
    Artifact oldUsed = store.put(file("b", "old used"));
    advanceClock(Duration.ofDays(10));
    Instant cutoff = store.put(file("probe", "probe")).storedAt().minus(Duration.ofDays(1));
    Artifact recent = store.find(store.put(file("c", "recent")).sha256()).orElseThrow();

    List<Artifact> removed = store.collectGarbage(cutoff, Set.of(oldUsed.sha256()));

    assertThat(removed).containsExactly(oldUnused);
    assertThat(store.find(oldUnused.sha256())).isEmpty();
    assertThat(store.find(oldUsed.sha256())).isPresent();
    assertThat(store.find(recent.sha256())).isPresent();
  }

  @Test
  void concurrentPutsOfTheSameBytesAllSucceedWithOneArtifact() throws Exception {
    ArtifactStore store = store();
    Path f = file("same", "x".repeat(100_000));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Artifact>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> store.put(f)));
      }
      Artifact first = results.get(0).get();
      for (Future<Artifact> r : results) {
        assertThat(r.get()).isEqualTo(first);
      }
      assertThat(store.list()).containsExactly(first);
    } finally {
      pool.shutdownNow();
    }
  }
}
