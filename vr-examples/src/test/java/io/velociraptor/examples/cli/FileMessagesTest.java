package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a person reads when a file is missing or binary, and the top-level usage hint. */
class FileMessagesTest {
  @TempDir
  Path dir;

  @Test
  void aBinarySwarmOrConfigFileIsSaidToBeNotUtf8TextNamingTheFile() throws IOException {
    Path bin = dir.resolve("swarm.yaml");
    Files.write(bin, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    assertThatThrownBy(() -> SwarmFile.read(bin, Optional.empty()))
        .hasMessageContaining(bin.toString()).hasMessageContaining("is not UTF-8 text");
    assertThatThrownBy(() -> VrConfig.load(bin))
        .hasMessageContaining(bin.toString()).hasMessageContaining("is not UTF-8 text");
  }

  @Test
  void aMissingSwarmFileIsNamedAsTheSwarmFile() {
    assertThatThrownBy(() -> SwarmFile.read(dir.resolve("nope.yaml"), Optional.empty()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEqualTo("the swarm file"))
        .hasMessageContaining("nope.yaml");
  }

  @Test
  void aBadRunAsUserIsNamedAsRunAs() throws IOException {
    Path f = dir.resolve("swarm.yaml");
    Files.writeString(f, "app: a\nversion: \"1\"\nconfig: c\nproc: web\nsquad: s\nsize: 1\nrun_as: \"Bad User\"\n");
    assertThatThrownBy(() -> SwarmFile.read(f, Optional.empty()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEqualTo("run_as"))
        .hasMessageContaining("\"Bad User\"");
  }

  @Test
  void theTopLevelCommandIsNotNamedTwice() {
    CommandLine cl = VrMain.commandLine(new VrMain(), Optional.empty());
    assertThat(VrMain.qualified(cl)).isEmpty();
    assertThat(VrMain.qualified(cl.getSubcommands().get("plan"))).isEqualTo("plan");
  }
}
