package io.velociraptor.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.StoreException;
import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.ModelGen;
import io.velociraptor.testkit.PropertyRunner;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {
  @TempDir Path tmp;

  @Test
  void whatOneStoreWroteAnotherOpeningTheDirectoryReads() {
    Path dir = tmp.resolve("s");
    String runId;
    try (FileStore store = FileStore.open(dir)) {
      store.putApp(App.builder().name(AppName.of("web")).build());
      store.reserve(HostName.of("h"), List.of(Port.of(5000)), "r");
      runId = ((BeginRun.Started) store.tryBeginRun(SwarmId.of("abcdefgh"), "t", RunOwners.current())).run().id();
    }
    try (FileStore store = FileStore.open(dir)) {
      assertThat(store.apps()).extracting(App::name).containsExactly(AppName.of("web"));
      assertThat(store.portLocks()).hasSize(1);
      assertThat(store.activeRun(SwarmId.of("abcdefgh"))).map(SwarmRun::id).contains(runId);
      assertThat(store.transition(runId, RunState.DONE, "ok").state()).isEqualTo(RunState.DONE);
    }
    assertThat(dir.resolve("apps/web.json")).exists();
    assertThat(dir.resolve("runs/abcdefgh/" + runId + ".json")).exists();
  }

  @Test
  void everyRecordFileIsReadableByItsOwnerOnly() throws Exception {
    Path dir = tmp.resolve("s");
    try (FileStore store = FileStore.open(dir)) {
      store.putApp(App.builder().name(AppName.of("web")).build());
      store.putSwarm(ModelGen.swarms().generate(new java.util.SplittableRandom(7), 20));
      store.reserve(HostName.of("h"), List.of(Port.of(5000)), "r");
      store.tryBeginRun(SwarmId.of("abcdefgh"), "t", RunOwners.current());
    }
    List<Path> records;
    try (var files = Files.walk(dir)) {
      records = files.filter(p -> p.toString().endsWith(".json")).toList();
    }
    assertThat(records).hasSizeGreaterThanOrEqualTo(3);
    for (Path p : records) {
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
          .as(p.toString()).isEqualTo("rw-------");
    }
  }

  @Test
  void temporaryFilesAreNeverReadAsRecordsAndOpeningDeletesThem() throws Exception {
    Path dir = tmp.resolve("s");
    try (FileStore store = FileStore.open(dir)) {
      store.putApp(App.builder().name(AppName.of("web")).build());
    }
    Path leftover = dir.resolve("apps/.web.json.123.tmp");
    Files.writeString(leftover, "{\"name\":\"half");
    Files.writeString(dir.resolve("apps/.hidden.json"), "{}");
    try (FileStore store = FileStore.open(dir)) {
      assertThat(leftover).doesNotExist();
      assertThat(store.apps()).extracting(App::name).containsExactly(AppName.of("web"));
    }
  }

  @Test
  void anUnreadableRecordIsAnErrorNamingItsFile() throws Exception {
    Path dir = tmp.resolve("s");
    try (FileStore store = FileStore.open(dir)) {
      store.putApp(App.builder().name(AppName.of("web")).build());
      Files.writeString(dir.resolve("apps/web.json"), "{not json");
      assertThatThrownBy(() -> store.app(AppName.of("web")))
          .isInstanceOf(StoreException.class).hasMessageContaining("apps/web").hasMessageContaining("cannot be read");
    }
  }

  @Test
  void oneUnreadableRecordIsSkippedWhenListingAndLeftAsItIs() throws Exception {
    Path dir = tmp.resolve("s");
    try (FileStore store = FileStore.open(dir)) {
      store.putApp(App.builder().name(AppName.of("web")).build());
      store.putApp(App.builder().name(AppName.of("api")).build());
      Path bad = dir.resolve("apps/api.json");
      Files.writeString(bad, "{not json");
      assertThat(store.apps()).extracting(App::name).containsExactly(AppName.of("web"));
      assertThat(bad).hasContent("{not json");
      assertThatThrownBy(() -> store.app(AppName.of("api"))).isInstanceOf(StoreException.class)
          .hasMessageContaining("apps/api");
    }
  }

  @Test
  void twoStoresOnOneDirectoryInOneJvmTakeTurns() throws Exception {
    Path dir = tmp.resolve("s");
    try (FileStore a = FileStore.open(dir); FileStore b = FileStore.open(dir)) {
      CompletableFuture<Void> fa = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 20; i++) {
          a.reserve(HostName.of("h"), List.of(Port.of(1000 + i)), "a");
        }
      });
      CompletableFuture<Void> fb = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 20; i++) {
          b.reserve(HostName.of("h"), List.of(Port.of(2000 + i)), "b");
        }
      });
      fa.get(60, TimeUnit.SECONDS);
      fb.get(60, TimeUnit.SECONDS);
      assertThat(a.portLocks()).hasSize(40);
    }
  }

  @Test
  void fileNamesDecodeBackToEveryNameAndNeverLookHiddenOrLikeAPath() {
    int[] chars = ModelGen.ANY_CHARS.codePoints().toArray();
    Gen<String> names = (r, size) -> {
      StringBuilder s = new StringBuilder();
      int n = 1 + r.nextInt(1 + Math.min(size, 30));
      for (int i = 0; i < n; i++) {
        s.appendCodePoint(chars[r.nextInt(chars.length)]);
      }
      return s.toString();
    };
    PropertyRunner.property("file names round-trip").check(names, name -> {
      String file = FileStore.encode(name);
      assertThat(FileStore.decode(file)).isEqualTo(name);
      assertThat(file).doesNotStartWith(".").doesNotContain("/").matches("[A-Za-z0-9_.%-]+");
    });
    assertThat(FileStore.encode("..")).isEqualTo("%2E.");
    assertThat(FileStore.encode("a/b")).isEqualTo("a%2Fb");
  }

  @Test
  void historyKeepsOnlyTheNewestFinishedRunsPerSwarm() {
    try (FileStore store = FileStore.builder().historyLimit(3).open(tmp.resolve("s"))) {
      for (int i = 0; i < 5; i++) {
        SwarmRun run = ((BeginRun.Started) store.tryBeginRun(SwarmId.of("abcdefgh"), "t", RunOwners.current())).run();
        store.transition(run.id(), RunState.DONE, "ok");
      }
      assertThat(store.history(SwarmId.of("abcdefgh"))).extracting(SwarmRun::id)
          .containsExactly("abcdefgh-000003", "abcdefgh-000004", "abcdefgh-000005");
    }
  }

  private static Build build(String app, String version) {
    return Build.builder().app(AppName.of(app)).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/builds/a.tar.gz").sha256("a".repeat(64)).sizeBytes(10).build();
  }

  @Test
  void everyFileNameFitsIn255BytesForTheLongestVersionAndAnotherStoreListsItsKey() throws Exception {
    Path dir = tmp.resolve("s");
    String app = "A".repeat(64);
    String version = "\u20ac".repeat(128);
    try (FileStore store = FileStore.open(dir)) {
      store.putBuild(build(app, version));
      store.putBuild(build(app, version));
    }
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files).allSatisfy(f -> assertThat(f.getFileName().toString().getBytes(StandardCharsets.UTF_8).length)
          .isLessThanOrEqualTo(255));
    }
    try (Stream<Path> files = Files.list(dir.resolve("builds").resolve(app))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .hasSize(2).allSatisfy(n -> assertThat(n).contains("~").matches(".*\\.(json|key)"));
    }
    try (FileStore store = FileStore.open(dir)) {
      assertThat(store.builds(AppName.of(app))).extracting(b -> b.version().value()).containsExactly(version);
      assertThat(store.deleteBuild(AppName.of(app), Version.of(version))).isTrue();
    }
    try (Stream<Path> files = Files.list(dir.resolve("builds").resolve(app))) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aLongKeyAnOlderVrKeptUnderItsPlainNameIsStillReadListedAndReplacedOnce() throws Exception {
    Path dir = tmp.resolve("s");
    String version = "/".repeat(75);
    String plain = FileStore.encode(version) + ".json";
    assertThat(plain.length()).isGreaterThan(FileStore.MAX_PLAIN_NAME).isLessThanOrEqualTo(255);
    Files.createDirectories(dir.resolve("builds/app"));
    Files.writeString(dir.resolve("builds/app").resolve(plain), VrJson.writeJson(build("app", version)));
    try (FileStore store = FileStore.open(dir)) {
      assertThat(store.build(AppName.of("app"), Version.of(version))).isPresent();
      assertThat(store.builds(AppName.of("app"))).hasSize(1);
      store.putBuild(build("app", version));
      assertThat(store.builds(AppName.of("app"))).hasSize(1);
      assertThat(dir.resolve("builds/app").resolve(plain)).doesNotExist();
      assertThat(store.deleteBuild(AppName.of("app"), Version.of(version))).isTrue();
      assertThat(store.builds(AppName.of("app"))).isEmpty();
    }
  }

  @Test
  void aShortenedNameNeverCutsAnEscapeAndDiffersForKeysSharingThePrefix() {
    for (int pad = 0; pad < 3; pad++) {
      String key = "x".repeat(pad) + "/".repeat(120);
      String base = FileStore.baseName(key);
      assertThat(base.length()).isLessThanOrEqualTo(FileStore.MAX_PLAIN_NAME);
      String prefix = base.substring(0, base.indexOf('~'));
      assertThat(FileStore.encode(FileStore.decode(prefix))).isEqualTo(prefix);
      assertThat(FileStore.baseName(key + "a")).isNotEqualTo(FileStore.baseName(key + "b"));
    }
  }
}
