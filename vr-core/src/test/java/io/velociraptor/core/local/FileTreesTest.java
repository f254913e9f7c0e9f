package io.velociraptor.core.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir Path tmp;

  @Test
  void copyingATreeRefusesAFifoNamingItInsteadOfDroppingIt() throws Exception {
    Path from = Files.createDirectories(tmp.resolve("src/sub"));
    Files.writeString(from.resolve("ok"), "x");
    Process p = new ProcessBuilder("mkfifo", from.resolve("pipe").toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    assertThatThrownBy(() -> FileTrees.copyTree(tmp.resolve("src"), tmp.resolve("to"),
        rel -> true))
        .isInstanceOfSatisfying(FileTrees.SpecialFileException.class,
            e -> assertThat(e.relative()).isEqualTo("sub/pipe"))
        .hasMessageContaining("'sub/pipe'")
        .hasMessageContaining("special file");
  }

  @Test
  void copyingATreeSkipsWhatTheFilterRejectsEvenASpecialFile() throws Exception {
    Path from = Files.createDirectories(tmp.resolve("src/.git"));
    Process p = new ProcessBuilder("mkfifo", from.resolve("pipe").toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    Files.writeString(tmp.resolve("src/app.sh"), "x");
    FileTrees.copyTree(tmp.resolve("src"), tmp.resolve("to"),
        rel -> !rel.toString().equals(".git"));
    assertThat(tmp.resolve("to/app.sh")).hasContent("x");
    assertThat(tmp.resolve("to/.git")).doesNotExist();
  }

  @Test
  void copyingATreeKeepsSymlinksAsSymlinks() throws Exception {
    Path from = Files.createDirectories(tmp.resolve("src"));
    Files.createSymbolicLink(from.resolve("link"), Path.of("/etc/passwd"));
    FileTrees.copyTree(from, tmp.resolve("to"), rel -> true);
    assertThat(Files.readSymbolicLink(tmp.resolve("to/link"))).isEqualTo(Path.of("/etc/passwd"));
  }

  @Test
  void deletingATreeRemovesASymlinkButNotWhatItPointsTo() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "x");
    Path tree = Files.createDirectories(tmp.resolve("tree/sub"));
    Files.writeString(tree.resolve("f"), "y");
    Files.createSymbolicLink(tree.resolve("out"), outside);

    FileTrees.deleteTree(tmp.resolve("tree"));

    assertThat(tmp.resolve("tree")).doesNotExist();
    assertThat(outside.resolve("keep")).hasContent("x");
  }

  @Test
  void deletingAMissingTreeOrASymlinkAloneIsFine() throws Exception {
    FileTrees.deleteTree(tmp.resolve("missing"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), tmp);
    FileTrees.deleteTree(link);
    assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(tmp).exists();
  }
}
