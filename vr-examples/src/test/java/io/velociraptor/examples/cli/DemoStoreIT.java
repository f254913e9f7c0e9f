package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.testkit.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr demo --store} through the real jar on a private PostgreSQL: the story runs with its
 * state in the database (the build and the app stay there, the swarm is deleted at the end, no
 * file store is made), and a bad --store is refused before anything starts, a password never echoed.
 */
class DemoStoreIT {
  static PostgresCluster pg;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    pg = PostgresCluster.start();
  }

  @AfterAll
  static void stop() {
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void theDemoKeepsItsStateInTheDatabaseItIsGiven() throws Exception {
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    String url = pg.createDatabase("demo");
    Path pass = Files.writeString(dir.resolve("pg.pass"), pg.password() + "\n");
    Path work = dir.resolve("work");
    VrJar.Result r = VrJar.run(dir, "demo", "--procs", "1", "--dir", work.toString(),
        "--store", "postgres://" + pg.user() + "@127.0.0.1:" + pg.port() + "/demo", "--store-password-file", pass.toString());
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("the state (apps, builds, swarms, runs, port locks) is in the PostgreSQL store "
        + url + " (user " + pg.user() + ")").contains("demo finished in").doesNotContain(pg.password());
    assertThat(work.resolve("store")).as("no file store").doesNotExist();
    try (JdbcStore db = JdbcStore.builder().url(url).user(pg.user()).password(pg.password()).open()) {
      assertThat(db.apps()).extracting(a -> a.name().value()).containsExactly("java_hello");
      assertThat(db.build(AppName.of("java_hello"), Version.of("1.0"))).isPresent();
      assertThat(db.swarms()).as("deleted at the end of the story").isEmpty();
      assertThat(db.portLocks()).isEmpty();
    }
  }

  @Test
  void aBadStoreIsRefusedBeforeAnythingStartsAndAPasswordIsNeverEchoed() throws Exception {
    VrJar.Result notPg = VrJar.run(dir, "demo", "--store", "mysql://u@h/db");
    assertThat(notPg.exit()).as(notPg.toString()).isEqualTo(VrMain.INVALID);
    assertThat(notPg.err()).contains("--store").contains("is not a PostgreSQL URL");
    VrJar.Result withPassword = VrJar.run(dir, "demo", "--store", "postgres://u:hunter2@h/db");
    assertThat(withPassword.exit()).isEqualTo(VrMain.INVALID);
    assertThat(withPassword.err()).contains("holds a password").doesNotContain("hunter2");
    VrJar.Result noFile = VrJar.run(dir, "demo", "--store", "postgres://u@h/db", "--store-password-file",
        dir.resolve("missing").toString());
    assertThat(noFile.err()).contains("--store-password-file").contains("cannot be read");
    assertThat(noFile.out()).doesNotContain("== 1.");
  }
}
