package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlugIgnoreTest {

  @TempDir Path tmp;

  private static void assertMatches(String rules, String path, boolean dir, boolean expected) {
    assertThat(SlugIgnore.parse(rules).matches(path, dir))
        .as("rules %s on %s%s", rules.replace("\n", "\\n"), path, dir ? "/" : "")
        .isEqualTo(expected);
  }

  @Test
  void aNameWithoutSlashMatchesAtAnyDepth() {
    assertMatches("*.psd", "art.psd", false, true);
    assertMatches("*.psd", "design/deep/art.psd", false, true);
    assertMatches("*.psd", "art.psd.txt", false, false);
    assertMatches("tmp", "a/b/tmp", true, true);
    assertMatches("tmp", "a/b/tmp", false, true);
  }

  @Test
  void aPatternWithASlashIsRelativeToTheBuildDirectory() {
    assertMatches("docs/*.txt", "docs/a.txt", false, true);
    assertMatches("docs/*.txt", "sub/docs/a.txt", false, false);
    assertMatches("/docs", "docs", true, true);
    assertMatches("/docs", "x/docs", true, false);
    assertMatches("docs/*.txt", "docs/sub/a.txt", false, false);
  }

  @Test
  void aTrailingSlashMatchesOnlyDirectories() {
    assertMatches("log/", "log", true, true);
    assertMatches("log/", "log", false, false);
    assertMatches("log/", "a/log", true, true);
  }

  @Test
  void doubleStarMatchesAnyNumberOfDirectories() {
    assertMatches("**/test", "test", true, true);
    assertMatches("**/test", "a/b/test", true, true);
    assertMatches("a/**/b.txt", "a/b.txt", false, true);
    assertMatches("a/**/b.txt", "a/x/y/b.txt", false, true);
    assertMatches("a/**", "a/x/y", false, true);
    assertMatches("a/**", "a", true, false);
  }

  @Test
  void starAndQuestionMarkStayInsideOneSegment() {
    assertMatches("src/*.c", "src/a/b.c", false, false);
    assertMatches("?.c", "a.c", false, true);
    assertMatches("?.c", "ab.c", false, false);
  }

  @Test
  void characterClassesAndEscapesWork() {
    assertMatches("file[0-9].txt", "file7.txt", false, true);
    assertMatches("file[0-9].txt", "filex.txt", false, false);
    assertMatches("file[!0-9].txt", "filex.txt", false, true);
    assertMatches("\\*literal", "*literal", false, true);
    assertMatches("\\*literal", "xliteral", false, false);
    assertMatches("a.b", "axb", false, false);
    assertMatches("[ad]", "a", false, true);
  }

  @Test
  void blankLinesAndCommentsMatchNothing() {
    SlugIgnore s = SlugIgnore.parse("\n   \n# *\n\r\n");
    assertThat(s.isEmpty()).isTrue();
    assertThat(s.matches("anything", true)).isFalse();
  }

  @Test
  void aLoneSlashNeverNamesTheBuildDirectory() {
    assertThat(SlugIgnore.parse("/\n//\n").isEmpty()).isTrue();
  }

  @Test
  void negationIsRejectedNamingTheLine() {
    assertThatThrownBy(() -> SlugIgnore.parse("*.log\n!keep.log\n"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("'!keep.log'");
  }

  @Test
  void anUnclosedClassIsRejected() {
    assertThatThrownBy(() -> SlugIgnore.parse("file[0-9.txt"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("unclosed");
  }

  @Test
  void applyRemovesMatchesInsideTheTreeAndReportsThemSorted() throws IOException {
    Path root = tmp.resolve("app");
    write(root, "keep.txt", "docs/a.txt", "docs/deep/b.txt", "art/x.psd", "sub/art/y.psd",
        "log/1.log", "src/main.c");
    List<String> removed = SlugIgnore.parse("*.psd\ndocs/*.txt\nlog/\n\n# comment\n").apply(root);
    assertThat(removed).containsExactly("art/x.psd", "docs/a.txt", "log", "sub/art/y.psd");
    assertThat(tree(root)).containsExactly("art", "docs", "docs/deep", "docs/deep/b.txt",
        "keep.txt", "src", "src/main.c", "sub", "sub/art");
  }

  @Test
  void applyNeverClimbsOutOfTheBuildDirectory() throws IOException {
    Path root = tmp.resolve("app");
    Path outside = tmp.resolve("outside.txt");
    Files.writeString(outside, "precious");
    write(root, "a.txt");
    List<String> removed = SlugIgnore.parse("..\n../outside.txt\n/../*\n.\n").apply(root);
    assertThat(removed).isEmpty();
    assertThat(outside).exists();
    assertThat(root.resolve("a.txt")).exists();
  }

  @Test
  void applyRemovesASymlinkButNotWhatItPointsTo() throws IOException {
    Path root = tmp.resolve("app");
    Path outsideDir = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outsideDir.resolve("secret"), "s");
    Files.createDirectories(root);
    Files.createSymbolicLink(root.resolve("link"), outsideDir);
    assertThat(SlugIgnore.parse("link/\n").apply(root)).isEmpty(); // a symlink is not a directory
    assertThat(SlugIgnore.parse("link\n").apply(root)).containsExactly("link");
    assertThat(outsideDir.resolve("secret")).exists();
  }

  @Test
  void applyDoesNotFollowASymlinkedDirectoryToMatchInsideIt() throws IOException {
    Path root = tmp.resolve("app");
    Path outsideDir = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outsideDir.resolve("x.log"), "s");
    Files.createDirectories(root);
    Files.createSymbolicLink(root.resolve("link"), outsideDir);
    assertThat(SlugIgnore.parse("*.log\n").apply(root)).isEmpty();
    assertThat(outsideDir.resolve("x.log")).exists();
  }

  @Test
  void applyWithAStarRemovesEveryEntryButKeepsTheBuildDirectory() throws IOException {
    Path root = tmp.resolve("app");
    write(root, "a", "b/c");
    assertThat(SlugIgnore.parse("*").apply(root)).containsExactly("a", "b");
    assertThat(root).isEmptyDirectory();
  }

  private static void write(Path root, String... files) throws IOException {
    Files.createDirectories(root);
    for (String f : files) {
      Path p = root.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, f);
    }
  }

  private static List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted()
          .toList();
    }
  }
}
