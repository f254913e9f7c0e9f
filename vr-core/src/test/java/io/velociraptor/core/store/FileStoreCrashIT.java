package io.velociraptor.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.App;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store survives {@code kill -9} at any point: a child JVM writes in a loop and is
 * killed mid-write again and again; after each kill the store reopens, every record parses and
 * is whole, and leftover temporary files are never read as data.
 */
class FileStoreCrashIT {
  private static final int KILLS = 12;
  /** Kills that must land mid-write; a busy machine can let a write finish between look and kill. */
  private static final int MID_WRITE_KILLS = KILLS / 3;
  /** The most kills made to get them: each lands mid-write by a fair chance, so this bound is never near. */
  private static final int MAX_KILLS = 60;

  @TempDir Path tmp;

  @Test
  void everyRecordIsWholeAfterAWriterIsKilledMidWriteManyTimes() throws Exception {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    Path dir = tmp.resolve("store");
    int killsLeavingTempFiles = 0;
    long lastWrite = 0;
    // at least KILLS kills, and on until MID_WRITE_KILLS of them found a write under way: whether a
    // kill lands before the writer renames its temporary file is up to the scheduler, not the test
    for (int kill = 0; kill < KILLS || killsLeavingTempFiles < MID_WRITE_KILLS && kill < MAX_KILLS; kill++) {
      Process child = ChildJvm.start(tmp.resolve("child-" + kill + ".log"), "churn", dir.toString());
      try {
        int writesBeforeKill = 1 + random.nextInt(8);
        lastWrite = Math.max(lastWrite, awaitWrites(child, writesBeforeKill, kill));
        if (kill % 3 != 2) {
          // most kills wait until a record is being written, the rest land wherever the writer is
          awaitTemporaryFile(dir, child);
        }
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly();
      }
      if (!temporaryFiles(dir).isEmpty()) {
        killsLeavingTempFiles++;
      }
      try (FileStore store = FileStore.open(dir)) {
        assertThat(temporaryFiles(dir)).as("opening sweeps leftovers (seed %d)", seed).isEmpty();
        assertWhole(store, seed);
      }
    }
    // the kills must really have landed mid-write, or this test proves nothing
    assertThat(killsLeavingTempFiles).as("kills that interrupted a write (seed %d)", seed)
        .isGreaterThanOrEqualTo(MID_WRITE_KILLS);
    assertThat(lastWrite).isPositive();
  }

  private static void assertWhole(FileStore store, long seed) {
    List<App> apps = store.apps();
    assertThat(apps).as("seed %d", seed).isNotEmpty();
    for (App app : apps) {
      Map<String, String> env = app.buildEnv().asMap();
      assertThat(env).as("app %s is whole (seed %d)", app.name(), seed).hasSize(FileStoreChild.ENV_SIZE);
      String n = env.get("K0").substring(0, env.get("K0").indexOf('-'));
      assertThat(env.values()).as("app %s holds one write (seed %d)", app.name(), seed)
          .allMatch(v -> v.startsWith(n + "-"));
    }
    store.portLocks(); // parses
    List<SwarmRun> history = store.history(SwarmId.of("churnabc"));
    assertThat(history).allMatch(r -> r.state().isTerminal() || r.state() == RunState.PENDING);
    // a run left pending by a killed owner is reclaimed at once: its pid is dead
    store.reclaimStale();
    assertThat(store.activeRun(SwarmId.of("churnabc"))).isEmpty();
  }

  private static long awaitWrites(Process child, int writes, int kill) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    long last = 0;
    for (int i = 0; i < writes; i++) {
      String line = out.readLine();
      if (line == null) {
        throw new AssertionError("writer " + kill + " exited early with " + child.onExit().join().exitValue());
      }
      last = Long.parseLong(line.substring("wrote ".length()));
    }
    return last;
  }

  /** Polls (deadline 30 s) until the writer has a temporary file open: it is mid-write. */
  private static void awaitTemporaryFile(Path dir, Process child) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (temporaryFiles(dir).isEmpty()) {
      if (System.nanoTime() > deadline || !child.isAlive()) {
        throw new AssertionError("the writer never started a write within 30 s");
      }
      Thread.onSpinWait();
    }
  }

  private static List<Path> temporaryFiles(Path dir) throws IOException {
    // the writer renames temp files while we walk, so an entry can vanish under the walk: look again
    for (int attempt = 0; ; attempt++) {
      if (!Files.exists(dir)) {
        return List.of();
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        return paths.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
      } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException vanished) {
        if (attempt >= 1000) {
          throw vanished;
        }
      }
    }
  }
}
