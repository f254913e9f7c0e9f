package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Swarm and config files: a key given twice is refused naming both lines, and whole numbers must be whole numbers. */
class StrictInputTest {
  private static final String SWARM = """
      app: java_hello
      version: "1.0"
      config: prod
      proc: web
      squad: prod
      size: 3
      env:
        GREETING_COLOR: green
      settings:
        db:
          host: db1
      """;

  @TempDir
  Path dir;

  private SwarmFile swarm(String text) throws IOException {
    Path file = dir.resolve("swarm.yaml");
    Files.writeString(file, text);
    return SwarmFile.read(file, Optional.empty());
  }

  private VrConfig config(String text) throws IOException {
    Path file = dir.resolve("vr.yaml");
    Files.writeString(file, text);
    return VrConfig.load(file);
  }

  @Test
  void theSwarmFileAsWrittenIsRead() throws IOException {
    assertThat(swarm(SWARM).swarm().size()).isEqualTo(3);
  }

  @Test
  void aSwarmKeyGivenTwiceIsRefusedNamingTheKeyAndBothLines() {
    assertThatThrownBy(() -> swarm(SWARM + "size: 5\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("swarm.yaml")
        .hasMessageContaining("duplicate key 'size' at line 12 (first at line 6)");
  }

  @Test
  void anEnvOrSettingsKeyGivenTwiceIsRefusedAtAnyDepth() {
    assertThatThrownBy(() -> swarm(SWARM.replace("  GREETING_COLOR: green\n",
        "  GREETING_COLOR: green\n  GREETING_COLOR: red\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("duplicate key 'GREETING_COLOR' at line 9 (first at line 8) in env");
    assertThatThrownBy(() -> swarm(SWARM.replace("    host: db1\n", "    host: db1\n    port: 1\n    host: db2\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("duplicate key 'host' at line 13 (first at line 11) in settings.db");
  }

  @Test
  void aFractionalOrQuotedSizeIsRefusedNamingTheFieldAndValue() {
    assertThatThrownBy(() -> swarm(SWARM.replace("size: 3", "size: 3.5")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEqualTo("size"))
        .hasMessageContaining("must be a whole number, not 3.5");
    assertThatThrownBy(() -> swarm(SWARM.replace("size: 3", "size: \"3\"")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEqualTo("size"))
        .hasMessageContaining("must be a whole number, not \"3\" (a string");
  }

  @Test
  void aConfigKeyGivenTwiceIsRefusedAtAnyDepth() {
    assertThatThrownBy(() -> config("store_dir: a\nhosts: []\nstore_dir: b\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("duplicate key 'store_dir' at line 3 (first at line 1)");
    assertThatThrownBy(() -> config("store_dir: a\nhosts:\n  - name: h1\n    address: 127.0.0.1\n    name: h2\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("duplicate key 'name' at line 5 (first at line 3) in hosts.0");
  }

  @Test
  void aQuotedConfigNumberIsRefusedNamingTheField() throws IOException {
    String host = "store_dir: a\nhosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: ";
    assertThatThrownBy(() -> config(host + "\"9001\"\n"))
        .hasMessageContaining("hosts[0].supervisor_port").hasMessageContaining("\"9001\" is a string, not a whole number");
    assertThatThrownBy(() -> config(host + "9001.5\n"))
        .hasMessageContaining("hosts[0].supervisor_port").hasMessageContaining("\"9001.5\" is not a whole number");
    assertThat(config(host + "9001\n").fleet().hosts()).hasSize(1);
  }
}
