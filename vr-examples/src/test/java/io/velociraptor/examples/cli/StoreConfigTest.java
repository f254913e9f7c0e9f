package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config's {@code store:} section, read as strictly as the rest; the password file's content never shows. */
class StoreConfigTest {
  @TempDir Path tmp;

  VrConfig load(String store) throws Exception {
    Path config = CliConfigFixture.in(tmp).write();
    Files.writeString(config, Files.readString(config) + store);
    return VrConfig.load(config);
  }

  @Test
  void withoutAStoreSectionItIsTheFileStoreInStoreDirAsBefore() throws Exception {
    VrConfig c = load("");
    assertThat(c.store().type()).isEqualTo(StoreConfig.Type.FILE);
    assertThat(c.storeDir()).isEqualTo(tmp.resolve("store"));
    assertThat(c.artifactDir).isEqualTo(tmp.resolve("store/artifacts"));
    assertThat(load("store:\n  type: file\n").store().isPostgres()).isFalse();
  }

  @Test
  void aPostgresStoreReadsItsUrlUserAndPasswordFileRelativeToTheConfig() throws Exception {
    Files.writeString(tmp.resolve("pg.pass"), "s3cret-pass\n");
    VrConfig c = load("store:\n  type: postgres\n  url: jdbc:postgresql://db.example:5433/vr\n  user: vr\n"
        + "  password_file: pg.pass\n");
    assertThat(c.store().isPostgres()).isTrue();
    assertThat(c.store().url()).isEqualTo("jdbc:postgresql://db.example:5433/vr");
    assertThat(c.store().user()).contains("vr");
    assertThat(c.store().toString()).contains(tmp.resolve("pg.pass").toString()).doesNotContain("s3cret");
    // store_dir still holds the artifacts and builds
    assertThat(c.artifactDir).isEqualTo(tmp.resolve("store/artifacts"));
  }

  @Test
  void aPostgresUrlNamesTheUserAndBecomesAJdbcUrl() throws Exception {
    VrConfig c = load("store:\n  type: postgres\n  url: postgres://ops@127.0.0.1:5432/vr\n");
    assertThat(c.store().url()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/vr");
    assertThat(c.store().user()).contains("ops");
    assertThat(StoreConfig.PgUrl.parse("postgresql://u@[::1]/d").jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]/d");
    assertThat(StoreConfig.PgUrl.parse("jdbc:postgresql://h/d?user=x&ssl=true").user()).isEqualTo(Optional.of("x"));
  }

  @Test
  void aBadTypeIsRefusedNamingTheFieldAndTheChoices() {
    assertThatThrownBy(() -> load("store:\n  type: mysql\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.type \"mysql\" must be one of file, postgres");
    assertThatThrownBy(() -> load("store: postgres\n")).hasMessageContaining("store must be a mapping");
  }

  @Test
  void aMissingUrlOrUserIsRefusedNamingTheField() {
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  user: vr\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.url is required");
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: jdbc:postgresql://h/vr\n"))
        .hasMessageContaining("store.user is required");
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: mysql://h/vr\n  user: vr\n"))
        .hasMessageContaining("store.url \"mysql://h/vr\" is not a PostgreSQL URL");
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: postgres://u@h\n"))
        .hasMessageContaining("store.url").hasMessageContaining("names no database");
  }

  @Test
  void aPasswordInTheUrlIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: postgres://u:hunter2@h/vr\n"))
        .hasMessageContaining("store.url").hasMessageContaining("holds a password").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: jdbc:postgresql://h/vr?password=hunter2\n  user: u\n"))
        .hasMessageContaining("holds a password").hasMessageNotContaining("hunter2");
  }

  @Test
  void anUnreadablePasswordFileIsNamedAndItsContentNeverShown() throws Exception {
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: jdbc:postgresql://h/vr\n  user: vr\n"
        + "  password_file: missing.pass\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.password_file " + tmp.resolve("missing.pass") + " cannot be read");
    Files.createDirectories(tmp.resolve("a-dir"));
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: jdbc:postgresql://h/vr\n  user: vr\n"
        + "  password_file: a-dir\n")).hasMessageContaining("store.password_file " + tmp.resolve("a-dir"));
    Path secret = Files.writeString(tmp.resolve("locked.pass"), "never-shown-42\n");
    Files.setPosixFilePermissions(secret, java.util.Set.of());
    if (!Files.isReadable(secret)) { // root reads it anyway
      assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: jdbc:postgresql://h/vr\n  user: vr\n"
          + "  password_file: locked.pass\n")).hasMessageContaining("store.password_file " + secret)
          .hasMessageNotContaining("never-shown-42");
    }
  }

  @Test
  void aFieldOfAnotherStoreTypeOrATypoIsRefused() {
    assertThatThrownBy(() -> load("store:\n  type: file\n  url: jdbc:postgresql://h/vr\n"))
        .hasMessageContaining("store.url is not a known field");
    assertThatThrownBy(() -> load("store:\n  type: postgres\n  url: jdbc:postgresql://h/vr\n  user: vr\n"
        + "  pasword_file: x\n")).hasMessageContaining("store.pasword_file is not a known field");
  }
}
