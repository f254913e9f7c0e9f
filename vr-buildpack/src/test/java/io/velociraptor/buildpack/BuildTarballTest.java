package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildTarballTest {

  @TempDir Path tmp;

  private Path sampleTree(String name, Instant mtime, String mode) throws IOException {
    Path root = tmp.resolve(name);
    Files.createDirectories(root.resolve("bin"));
    Files.createDirectories(root.resolve("public/css"));
    Files.writeString(root.resolve("Procfile"), "web: bin/run\n");
    Files.writeString(root.resolve("bin/run"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(root.resolve("bin/run"), PosixFilePermissions.fromString(mode));
    Files.writeString(root.resolve("public/index.html"), "<h1>hi</h1>");
    Files.writeString(root.resolve("public/css/a.css"), "body{}");
    Files.writeString(root.resolve("ünïcode.txt"), "u");
    Files.writeString(root.resolve("l".repeat(120) + ".txt"), "long name");
    Files.createSymbolicLink(root.resolve("current"), Path.of("public"));
    Files.createSymbolicLink(root.resolve("abs"), Path.of("/app/public"));
    try (var s = Files.walk(root)) {
      for (Path p : s.toList()) {
        if (!Files.isSymbolicLink(p)) {
          Files.setLastModifiedTime(p, FileTime.from(mtime));
        }
      }
    }
    return root;
  }

  @Test
  void theSameTreeGivesByteIdenticalTarballsWhateverTheMtimesAndModes() throws IOException {
    Path a = sampleTree("a", Instant.parse("2020-01-01T00:00:00Z"), "rwxr-xr-x");
    Path b = sampleTree("b", Instant.parse("2025-06-30T12:34:56Z"), "rwx------");
    BuildTarball.Digest da = BuildTarball.write(a, tmp.resolve("a.tar.gz"));
    BuildTarball.Digest db = BuildTarball.write(b, tmp.resolve("b.tar.gz"));
    assertThat(Files.readAllBytes(tmp.resolve("a.tar.gz")))
        .isEqualTo(Files.readAllBytes(tmp.resolve("b.tar.gz")));
    assertThat(da).isEqualTo(db);
    assertThat(da.size()).isEqualTo(Files.size(tmp.resolve("a.tar.gz")));
  }

  @Test
  void aChangedExecutableBitOrContentChangesTheHash() throws IOException {
    Path a = sampleTree("a", Instant.EPOCH, "rwxr-xr-x");
    String before = BuildTarball.write(a, tmp.resolve("1.tar.gz")).sha256();
    Files.setPosixFilePermissions(a.resolve("bin/run"), PosixFilePermissions.fromString("rw-r--r--"));
    String noExec = BuildTarball.write(a, tmp.resolve("2.tar.gz")).sha256();
    Files.writeString(a.resolve("Procfile"), "web: bin/run2\n");
    String changed = BuildTarball.write(a, tmp.resolve("3.tar.gz")).sha256();
    assertThat(List.of(before, noExec, changed)).doesNotHaveDuplicates();
  }

  @Test
  void entriesAreSortedRelativeAndNormalised() throws IOException {
    Path a = sampleTree("a", Instant.parse("2021-01-01T00:00:00Z"), "rwxrwxrwx");
    BuildTarball.write(a, tmp.resolve("a.tar.gz"));
    List<TarArchiveEntry> entries = read(tmp.resolve("a.tar.gz"));
    assertThat(entries).extracting(TarArchiveEntry::getName).containsExactly(
        "Procfile", "abs", "bin/", "bin/run", "current", "l".repeat(120) + ".txt", "public/",
        "public/css/", "public/css/a.css", "public/index.html", "ünïcode.txt");
    for (TarArchiveEntry e : entries) {
      assertThat(e.getModTime().toInstant()).isEqualTo(BuildTarball.MTIME);
      assertThat(e.getLongUserId()).isZero();
      assertThat(e.getLongGroupId()).isZero();
      assertThat(e.getUserName()).isEmpty();
    }
    assertThat(mode(entries, "bin/run")).isEqualTo(0755);
    assertThat(mode(entries, "Procfile")).isEqualTo(0644);
    assertThat(mode(entries, "bin/")).isEqualTo(0755);
  }

  @Test
  void symlinksStaySymlinksAndAreNeverFollowed() throws IOException {
    Path a = sampleTree("a", Instant.EPOCH, "rwxr-xr-x");
    Files.createSymbolicLink(a.resolve("etc"), Path.of("/etc"));
    Files.createSymbolicLink(a.resolve("passwd"), Path.of("/etc/passwd"));
    BuildTarball.write(a, tmp.resolve("a.tar.gz"));
    List<TarArchiveEntry> entries = read(tmp.resolve("a.tar.gz"));
    TarArchiveEntry etc = entries.stream().filter(e -> e.getName().equals("etc")).findFirst()
        .orElseThrow();
    assertThat(etc.isSymbolicLink()).isTrue();
    assertThat(etc.getLinkName()).isEqualTo("/etc");
    assertThat(entries).extracting(TarArchiveEntry::getName)
        .noneMatch(n -> n.startsWith("etc/"));
    TarArchiveEntry passwd = entries.stream().filter(e -> e.getName().equals("passwd"))
        .findFirst().orElseThrow();
    assertThat(passwd.isSymbolicLink()).isTrue();
    assertThat(passwd.getSize()).isZero();
  }

  @Test
  void refusesANameWithAControlCharacterNamingItEscaped() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Files.writeString(a.resolve("evil\nname"), "x");
    assertThatThrownBy(() -> BuildTarball.write(a, tmp.resolve("a.tar.gz")))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("evil\\x0aname");
  }

  @Test
  void refusesASymlinkTargetWithAControlCharacter() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Files.createSymbolicLink(a.resolve("link"), Path.of("x\ry"));
    assertThatThrownBy(() -> BuildTarball.write(a, tmp.resolve("a.tar.gz")))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("symlink target of 'link'");
  }

  @Test
  void refusesAFifo() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Process p = new ProcessBuilder("mkfifo", a.resolve("pipe").toString()).start();
    assertThat(p.waitFor()).isZero();
    assertThatThrownBy(() -> BuildTarball.write(a, tmp.resolve("a.tar.gz")))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'pipe'")
        .hasMessageContaining("special file");
  }

  @Test
  void refusesARelativeSymlinkThatClimbsOutOfTheTreeNamingIt() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a/sub"));
    Files.createSymbolicLink(a.resolve("up"), Path.of("../../x")); // a/sub/../../x: above a
    Path t = tmp.resolve("a.tar.gz");
    assertThatThrownBy(() -> BuildTarball.write(tmp.resolve("a"), t))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'sub/up'")
        .hasMessageContaining("outside the build");
  }

  @Test
  void keepsRelativeSymlinksThatStayInsideAndAbsoluteOnes() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a/sub"));
    Files.createSymbolicLink(a.resolve("sibling"), Path.of("../Procfile"));
    Files.createSymbolicLink(a.resolve("self"), Path.of(".."));
    Files.createSymbolicLink(a.resolve("abs"), Path.of("/usr/bin/env"));
    BuildTarball.write(tmp.resolve("a"), tmp.resolve("a.tar.gz"));
    assertThat(BuildTarball.entries(tmp.resolve("a.tar.gz")))
        .containsExactly("sub/", "sub/abs", "sub/self", "sub/sibling");
  }

  @Test
  void refusesACharDeviceNamingIt() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(BuildFixture.isRoot(), "mknod needs root");
    Path a = Files.createDirectories(tmp.resolve("a"));
    Process p = new ProcessBuilder("mknod", a.resolve("null").toString(), "c", "1", "3")
        .inheritIO().start();
    assertThat(p.waitFor()).isZero();
    assertThatThrownBy(() -> BuildTarball.write(a, tmp.resolve("a.tar.gz")))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'null'")
        .hasMessageContaining("special file");
  }

  @Test
  void listingOrExtractingRefusesASymlinkEntryThatPointsOutside() throws IOException {
    Path t = tmp.resolve("out.tar.gz");
    craftedTarball(t, "app/etc", TarConstants.LF_SYMLINK, "../../etc");
    assertThatThrownBy(() -> BuildTarball.entries(t))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'app/etc'").hasMessageContaining("outside the build");
    assertThatThrownBy(() -> BuildTarball.extract(t, tmp.resolve("x")))
        .isInstanceOf(InvalidBuildInputException.class).hasMessageContaining("'app/etc'");
    assertThat(tmp.resolve("etc")).doesNotExist();
  }

  @Test
  void listingOrExtractingRefusesACharDeviceOrFifoEntry() throws IOException {
    for (byte type : new byte[] {TarConstants.LF_CHR, TarConstants.LF_FIFO}) {
      Path t = tmp.resolve("dev" + type + ".tar.gz");
      craftedTarball(t, "dev/null", type, "");
      assertThatThrownBy(() -> BuildTarball.entries(t))
          .isInstanceOf(InvalidBuildInputException.class).hasMessageContaining("'dev/null'");
      assertThatThrownBy(() -> BuildTarball.extract(t, tmp.resolve("x" + type)))
          .isInstanceOf(InvalidBuildInputException.class).hasMessageContaining("'dev/null'");
      assertThat(tmp.resolve("x" + type + "/dev/null")).doesNotExist();
    }
  }

  @Test
  void namesThatLookHostileToAShellAreJustNames() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    for (String n : List.of("-rf", "$(reboot)", "a b", "..x", "back\\slash")) {
      Files.writeString(a.resolve(n), n);
    }
    BuildTarball.write(a, tmp.resolve("a.tar.gz"));
    assertThat(BuildTarball.entries(tmp.resolve("a.tar.gz")))
        .containsExactly("$(reboot)", "-rf", "..x", "a b", "back\\slash");
  }

  @Test
  void extractsWhatItWroteIncludingSymlinksAndModes() throws IOException {
    Path a = sampleTree("a", Instant.EPOCH, "rwxr-xr-x");
    BuildTarball.write(a, tmp.resolve("a.tar.gz"));
    Path out = tmp.resolve("out");
    BuildTarball.extract(tmp.resolve("a.tar.gz"), out);
    assertThat(Files.readString(out.resolve("public/index.html"))).isEqualTo("<h1>hi</h1>");
    assertThat(Files.readSymbolicLink(out.resolve("current"))).isEqualTo(Path.of("public"));
    assertThat(Files.isExecutable(out.resolve("bin/run"))).isTrue();
    // and packing the extracted tree again gives the same bytes
    assertThat(BuildTarball.write(out, tmp.resolve("b.tar.gz")))
        .isEqualTo(BuildTarball.write(a, tmp.resolve("c.tar.gz")));
  }

  @Test
  void readingRefusesTarballsWithHostileEntries() throws IOException {
    for (String bad : List.of("../escape", "/etc/passwd", "a/../../b", "x\u0001y")) {
      Path t = tmp.resolve("hostile.tar.gz");
      hostileTarball(t, bad, false);
      assertThatThrownBy(() -> BuildTarball.entries(t))
          .as(bad).isInstanceOf(InvalidBuildInputException.class);
      assertThatThrownBy(() -> BuildTarball.extract(t, tmp.resolve("x")))
          .as(bad).isInstanceOf(InvalidBuildInputException.class);
    }
  }

  @Test
  void extractionNeverWritesThroughASymlink() throws IOException {
    Path t = tmp.resolve("through.tar.gz");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    try (OutputStream f = Files.newOutputStream(t);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(f))) {
      TarArchiveEntry link = new TarArchiveEntry("dir", TarConstants.LF_SYMLINK);
      link.setLinkName(outside.toString());
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
      byte[] body = "pwned".getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry file = new TarArchiveEntry("dir/file");
      file.setSize(body.length);
      tar.putArchiveEntry(file);
      tar.write(body);
      tar.closeArchiveEntry();
    }
    assertThatThrownBy(() -> BuildTarball.extract(t, tmp.resolve("x")))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("through the symlink dir");
    assertThat(outside).isEmptyDirectory();
  }

  private static void hostileTarball(Path t, String name, boolean dir) throws IOException {
    try (OutputStream f = Files.newOutputStream(t);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(f))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      byte[] body = "x".getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setSize(body.length);
      tar.putArchiveEntry(e);
      tar.write(body);
      tar.closeArchiveEntry();
    }
  }

  private static void craftedTarball(Path t, String name, byte type, String link)
      throws IOException {
    try (OutputStream f = Files.newOutputStream(t);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(f))) {
      TarArchiveEntry e = new TarArchiveEntry(name, type);
      if (!link.isEmpty()) {
        e.setLinkName(link);
      }
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    }
  }

  private static int mode(List<TarArchiveEntry> entries, String name) {
    return entries.stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow()
        .getMode() & 07777;
  }

  private static List<TarArchiveEntry> read(Path t) throws IOException {
    List<TarArchiveEntry> out = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(
        new GZIPInputStream(Files.newInputStream(t)), "UTF-8")) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.add(e);
      }
    }
    return out;
  }
}
