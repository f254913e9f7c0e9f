package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildFilesTest {
  @TempDir Path tmp;

  @Test
  void copyingATreeRefusesAFifoNamingItInsteadOfDroppingIt() throws Exception {
    Path from = Files.createDirectories(tmp.resolve("src/sub"));
    Files.writeString(from.resolve("ok"), "x");
    Process p = new ProcessBuilder("mkfifo", from.resolve("pipe").toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    assertThatThrownBy(() -> BuildFiles.copyTree(tmp.resolve("src"), tmp.resolve("to"),
        rel -> true))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'sub/pipe'")
        .hasMessageContaining("special file");
  }

  @Test
  void copyingATreeSkipsWhatTheFilterRejectsEvenASpecialFile() throws Exception {
    Path from = Files.createDirectories(tmp.resolve("src/.git"));
    Process p = new ProcessBuilder("mkfifo", from.resolve("pipe").toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    Files.writeString(tmp.resolve("src/app.sh"), "x");
    BuildFiles.copyTree(tmp.resolve("src"), tmp.resolve("to"),
        rel -> !rel.toString().equals(".git"));
    assertThat(tmp.resolve("to/app.sh")).hasContent("x");
    assertThat(tmp.resolve("to/.git")).doesNotExist();
  }
}
