package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.testkit.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr store migrate} against a real PostgreSQL (one private cluster for the class, a
 * database per test): a file store filled through the Store API is copied, every record reads
 * back equal, a second run copies nothing, and the refusals say what is wrong.
 */
class StoreMigrateTest {
  static PostgresCluster pg;
  @TempDir Path tmp;

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

  /** A config whose store is a fresh database of the cluster. */
  Path config(String database) throws Exception {
    String url = pg.createDatabase(database);
    Files.writeString(tmp.resolve("pg.pass"), pg.password() + "\n");
    Path config = CliConfigFixture.in(tmp).write();
    Files.writeString(config, Files.readString(config) + "store:\n  type: postgres\n  url: " + url + "\n  user: "
        + pg.user() + "\n  password_file: pg.pass\n");
    return config;
  }

  JdbcStore open(Path config) {
    return VrConfig.load(config).store().openJdbc();
  }

  static Swarm swarm(String id, String app, String config) {
    return Swarm.builder().id(SwarmId.of(id)).app(AppName.of(app)).procType(ProcTypeName.of("web"))
        .config(ConfigName.of(config)).squad(SquadName.of("s")).size(2).version(Version.of("1.0"))
        .env(Env.of(Map.of("SECRET", "x"))).build();
  }

  static Build build(String app, String version) {
    return Build.builder().app(AppName.of(app)).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/builds/" + app + "-" + version + ".tar.gz").sha256((app.equals("app1") ? "a" : "b").repeat(63) + version.charAt(0)).sizeBytes(42)
        .putProcfileTypes("web", "run-web").build();
  }

  /** A file store with two apps, two swarms, three builds, two releases, three finished runs and port locks. */
  Path fileStore() {
    Path dir = tmp.resolve("old-store");
    try (FileStore s = FileStore.open(dir)) {
      s.putApp(App.builder().name(AppName.of("app1")).repoUrl("https://example.com/app1.git").build());
      s.putApp(App.builder().name(AppName.of("app2")).build());
      Swarm one = swarm("abcdefgh", "app1", "prod");
      Swarm two = swarm("zyxwvuts", "app2", "test");
      s.putSwarm(one);
      s.putSwarm(two);
      s.putBuild(build("app1", "1.0"));
      s.putBuild(build("app1", "2.0"));
      s.putBuild(build("app2", "1.0"));
      s.putRelease(Release.of(one, build("app1", "1.0")));
      s.putRelease(Release.of(two, build("app2", "1.0")));
      for (Swarm sw : List.of(one, one, two)) {
        SwarmRun run = ((BeginRun.Started) s.tryBeginRun(sw.id(), "trace", RunOwners.current())).run();
        s.recordStep(run.id(), RunStep.of("start", RunStep.Outcome.OK, java.time.Instant.now()));
        s.transition(run.id(), RunState.DEPLOYING, "build exists");
        s.transition(run.id(), RunState.DONE, "swarm is as asked");
      }
      s.reserve(HostName.of("h1"), Set.of(Port.of(5000), Port.of(5001)), "operator-hold");
      s.reserve(HostName.of("h2"), Set.of(Port.of(6000)), "operator-hold");
    }
    return dir;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> kinds(String json) throws Exception {
    Map<String, Object> m = VrJson.json().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<>() {});
    Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
    for (Map<String, Object> k : (List<Map<String, Object>>) m.get("kinds")) {
      out.put((String) k.get("kind"), k);
    }
    return out;
  }

  @Test
  void copiesEveryRecordVerifiesItAndASecondRunCopiesNothing() throws Exception {
    Path from = fileStore();
    Path config = config("migrate_once");
    CliConfigFixture.Result first = CliConfigFixture.vr(config, "store", "migrate", "--from", from.toString());
    assertThat(first.exit()).as(first.err() + first.out()).isZero();
    assertThat(first.out()).contains("KIND").contains("COPIED").contains("verified: every record");

    // counts and a re-read of every record: the database has exactly what the file store has
    try (FileStore source = FileStore.open(from); JdbcStore db = open(config)) {
      assertThat(db.apps()).containsExactlyElementsOf(source.apps()).hasSize(2);
      assertThat(db.swarms()).containsExactlyElementsOf(source.swarms()).hasSize(2);
      for (App a : source.apps()) {
        assertThat(db.builds(a.name())).containsExactlyElementsOf(source.builds(a.name()));
      }
      assertThat(db.builds(AppName.of("app1"))).hasSize(2);
      assertThat(db.releases()).containsExactlyInAnyOrderElementsOf(source.releases()).hasSize(2);
      List<SwarmRun> runs = new ArrayList<>();
      for (Swarm s : source.swarms()) {
        assertThat(db.history(s.id())).containsExactlyElementsOf(source.history(s.id()));
        runs.addAll(source.history(s.id()));
        for (SwarmRun r : source.history(s.id())) {
          assertThat(db.status(r.id())).contains(r);
        }
      }
      assertThat(runs).hasSize(3);
      assertThat(db.portLocks()).extracting(l -> l.host() + ":" + l.port() + " " + l.owner())
          .containsExactlyElementsOf(source.portLocks().stream().map(l -> l.host() + ":" + l.port() + " " + l.owner())
              .toList()).hasSize(3);
      // the next run of a migrated swarm goes on from its history's numbers
      SwarmRun next = ((BeginRun.Started) db.tryBeginRun(SwarmId.of("abcdefgh"), "t", RunOwners.current())).run();
      assertThat(next.id()).isEqualTo("abcdefgh-000003");
      db.transition(next.id(), RunState.FAILED, "test");
    }
    CliConfigFixture.Result second = CliConfigFixture.vr(config, "--json", "store", "migrate", "--from", from.toString());
    assertThat(second.exit()).as(second.err()).isZero();
    Map<String, Map<String, Object>> firstKinds = kinds(second.out());
    // that --json run was the second: it copies nothing and changes nothing
    assertThat(firstKinds.get("apps")).containsEntry("in_file_store", 2).containsEntry("copied", 0)
        .containsEntry("already_there", 2);
    assertThat(firstKinds.get("runs")).containsEntry("in_file_store", 3).containsEntry("copied", 0)
        .containsEntry("already_there", 3);
    assertThat(firstKinds.get("port locks")).containsEntry("copied", 0).containsEntry("already_there", 3);
    assertThat(firstKinds.values()).allSatisfy(k -> assertThat(k).containsEntry("copied", 0)
        .containsEntry("different", List.of()));
    CliConfigFixture.Result third = CliConfigFixture.vr(config, "store", "migrate", "--from", from.toString());
    assertThat(third.exit()).as(third.err()).isZero();
    assertThat(third.out()).containsPattern("(?m)^runs +3 +0 +3 +0$");
    // a record new in the file store, while the database moved on (its run above, the port locks it holds):
    // JdbcStore.copyFrom refuses to merge its live record, and says so
    try (FileStore s = FileStore.open(from)) {
      s.putApp(App.builder().name(AppName.of("app3")).build());
    }
    CliConfigFixture.Result moved = CliConfigFixture.vr(config, "store", "migrate", "--from", from.toString());
    assertThat(moved.exit()).as(moved.out()).isEqualTo(VrMain.ERROR);
    assertThat(moved.err()).contains("already has live runs or port locks of its own");
  }

  @Test
  void aRecordTheDatabaseHasDifferentlyStopsTheMigrationBeforeAnythingIsCopied() throws Exception {
    Path from = fileStore();
    Path config = config("migrate_differs");
    App changed = App.builder().name(AppName.of("app1")).repoUrl("https://example.com/moved.git").build();
    try (JdbcStore db = open(config)) {
      db.putApp(changed);
    }
    CliConfigFixture.Result r = CliConfigFixture.vr(config, "store", "migrate", "--from", from.toString());
    assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(1);
    assertThat(r.out()).contains("apps app1: the database has a different record").contains("nothing copied");
    try (JdbcStore db = open(config)) {
      assertThat(db.app(AppName.of("app1"))).contains(changed);
      assertThat(db.swarms()).as("nothing copied").isEmpty();
    }
  }

  @Test
  void itRefusesAFileStoreTargetAndASourceThatIsNoFileStore() throws Exception {
    Path fileConfig = CliConfigFixture.in(tmp).write();
    CliConfigFixture.Result toFile = CliConfigFixture.vr(fileConfig, "store", "migrate", "--from", fileStore().toString());
    assertThat(toFile.exit()).isEqualTo(VrMain.INVALID);
    assertThat(toFile.err()).contains("store.type is file").contains("copies into a database");

    Path config = config("migrate_refused");
    Path empty = Files.createDirectories(tmp.resolve("not-a-store"));
    Files.writeString(empty.resolve("notes.txt"), "hello");
    CliConfigFixture.Result notStore = CliConfigFixture.vr(config, "store", "migrate", "--from", empty.toString());
    assertThat(notStore.exit()).isEqualTo(VrMain.INVALID);
    assertThat(notStore.err()).contains("--from").contains("is not a file store");
    assertThat(empty.resolve("store.lock")).as("the refused directory is not touched").doesNotExist();
    CliConfigFixture.Result missing = CliConfigFixture.vr(config, "store", "migrate", "--from",
        tmp.resolve("nowhere").toString());
    assertThat(missing.err()).contains("does not exist");
  }

  @Test
  void aLiveRunInTheFileStoreIsRefused() throws Exception {
    Path from = fileStore();
    try (FileStore s = FileStore.open(from)) {
      s.tryBeginRun(SwarmId.of("zyxwvuts"), "trace", RunOwners.current());
    }
    Path config = config("migrate_live");
    CliConfigFixture.Result r = CliConfigFixture.vr(config, "store", "migrate", "--from", from.toString());
    assertThat(r.exit()).as(r.out()).isNotZero();
    assertThat(r.err()).contains("has a live run zyxwvuts-000002").contains("migrate when nothing dispatches");
    try (JdbcStore db = open(config)) {
      assertThat(db.apps()).as("nothing copied").isEmpty();
    }
  }
}
