package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeUntarTest {
  @TempDir
  Path dir;

  /**
   * Writes a .tar.gz of entries: "f:name=content", "d:name", "l:name->target", "h:name->target",
   * "c:name" (a char device), "p:name" (a fifo).
   */
  private Path tarball(String... entries) throws IOException {
    Path out = dir.resolve("t" + entries.length + "-" + Math.abs(String.join("|", entries).hashCode()) + ".tar.gz");
    try (OutputStream raw = Files.newOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(raw))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String e : entries) {
        char kind = e.charAt(0);
        String rest = e.substring(2);
        if (kind == 'f') {
          String[] nv = rest.split("=", 2);
          byte[] data = nv[1].getBytes(StandardCharsets.UTF_8);
          TarArchiveEntry te = new TarArchiveEntry(nv[0], true);
          te.setSize(data.length);
          te.setMode(0644);
          tar.putArchiveEntry(te);
          tar.write(data);
        } else if (kind == 'c' || kind == 'p') {
          TarArchiveEntry te = new TarArchiveEntry(rest,
              kind == 'c' ? TarArchiveEntry.LF_CHR : TarArchiveEntry.LF_FIFO);
          te.setDevMajor(1);
          te.setDevMinor(3);
          tar.putArchiveEntry(te);
        } else if (kind == 'd') {
          TarArchiveEntry te = new TarArchiveEntry(rest.endsWith("/") ? rest : rest + "/");
          tar.putArchiveEntry(te);
        } else {
          String[] nt = rest.split("->", 2);
          TarArchiveEntry te = new TarArchiveEntry(nt[0],
              kind == 'l' ? TarArchiveEntry.LF_SYMLINK : TarArchiveEntry.LF_LINK);
          te.setLinkName(nt[1]);
          tar.putArchiveEntry(te);
        }
        tar.closeArchiveEntry();
      }
    }
    return out;
  }

  @Test
  void extractsFilesDirsAndLinksThatStayInside() throws IOException {
    Path into = dir.resolve("out");
    SafeUntar.extract(tarball("d:app", "f:app/Procfile=web: run", "l:app/link->Procfile",
        "l:app/abs->/usr/bin/env", "h:app/hard->app/Procfile", "f:./dot=ok"), into);
    assertThat(into.resolve("app/Procfile")).hasContent("web: run");
    assertThat(Files.readSymbolicLink(into.resolve("app/link"))).isEqualTo(Path.of("Procfile"));
    assertThat(Files.readSymbolicLink(into.resolve("app/abs"))).isEqualTo(Path.of("/usr/bin/env"));
    assertThat(into.resolve("app/hard")).hasContent("web: run");
    assertThat(into.resolve("dot")).hasContent("ok");
  }

  @Test
  void rejectsAnEntryThatClimbsOutWithDotDot() throws IOException {
    Path t = tarball("f:app/../../evil=x");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("'..'")
        .hasMessageContaining("app/../../evil");
    assertThat(dir.resolve("evil")).doesNotExist();
  }

  @Test
  void rejectsAnAbsoluteEntry() throws IOException {
    Path target = dir.resolve("abs-target");
    Path t = tarball("f:" + target + "=x");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("absolute");
    assertThat(target).doesNotExist();
  }

  @Test
  void rejectsACharDeviceNamingItInsteadOfExtractingAnEmptyFile() throws IOException {
    Path t = tarball("d:app", "c:app/null");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"app/null\"")
        .hasMessageContaining("device node");
    assertThat(dir.resolve("out/app/null")).doesNotExist();
  }

  @Test
  void rejectsAFifoNamingIt() throws IOException {
    Path t = tarball("p:pipe");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"pipe\"")
        .hasMessageContaining("fifo");
    assertThat(dir.resolve("out/pipe")).doesNotExist();
  }

  @Test
  void rejectsAnEntryWhoseNameHoldsANewline() throws IOException {
    Path t = tarball("f:evil\nname=x");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"evil\\nname\"")
        .hasMessageContaining("control character");
    assertThat(dir.resolve("out/evil\nname")).doesNotExist();
  }

  @Test
  void rejectsASymlinkWhoseTargetHoldsANewline() throws IOException {
    Path t = tarball("l:link->a\nb");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"link\"")
        .hasMessageContaining("symlink target holding a control character");
  }

  @Test
  void rejectsARelativeSymlinkPointingAboveTheRoot() throws IOException {
    Path t = tarball("l:app/etc->../../../etc");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("outside the archive");
  }

  @Test
  void neverWritesThroughASymlinkEvenOneAllowedInsideTheContainer() throws IOException {
    Path victim = Files.createDirectories(dir.resolve("victim"));
    Path t = tarball("l:app/data->" + victim, "f:app/data/owned=x");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("through the symlink");
    assertThat(victim.resolve("owned")).doesNotExist();
  }

  @Test
  void neverOverwritesASymlinkTargetWithAFileEntryOfTheSameName() throws IOException {
    Path victim = Files.writeString(dir.resolve("victim.txt"), "original");
    Path t = tarball("l:app/f->" + victim, "f:app/f=overwritten");
    Path into = dir.resolve("out");
    SafeUntar.extract(t, into);
    assertThat(victim).hasContent("original");
    assertThat(Files.isSymbolicLink(into.resolve("app/f"))).isFalse();
    assertThat(into.resolve("app/f")).hasContent("overwritten");
  }

  @Test
  void rejectsAHardLinkToAFileOutsideTheArchive() throws IOException {
    Path t = tarball("h:app/passwd->../../etc/passwd");
    assertThatThrownBy(() -> SafeUntar.extract(t, dir.resolve("out")))
        .isInstanceOf(RunnerException.class);
    assertThat(Files.exists(dir.resolve("out/app/passwd"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void rejectsAnUnknownCompression() throws IOException {
    Path zip = Files.writeString(dir.resolve("build.zip"), "PK");
    assertThatThrownBy(() -> SafeUntar.extract(zip, dir.resolve("out")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("unsupported extension");
  }
}
