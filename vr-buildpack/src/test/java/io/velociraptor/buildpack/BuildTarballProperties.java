package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.local.FileTrees;
import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.PropertyRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over generated trees: the tarball depends only on names, contents, link targets and executable
 * bits (not on creation order, mtimes or other mode bits), and unpacking and repacking it gives
 * the same bytes.
 */
class BuildTarballProperties {
  private static final String[] NAMES = {"a", "b", "Procfile", "bin", "x y", "ünï", "-rf", "..x",
      ".hidden", "$(id)", "long" + "n".repeat(110)};

  @TempDir Path tmp;

  /** One entry of a generated tree: a path and what is there. */
  record Entry(String path, char kind, String content, boolean exec) {}

  static final Gen<List<Entry>> TREES = (r, size) -> {
    TreeMap<String, Entry> entries = new TreeMap<>();
    int n = 1 + r.nextInt(Math.max(1, size / 4) + 1);
    for (int i = 0; i < n; i++) {
      int depth = 1 + r.nextInt(3);
      StringBuilder path = new StringBuilder();
      for (int d = 0; d < depth; d++) {
        if (d > 0) {
          path.append('/');
        }
        path.append(NAMES[r.nextInt(NAMES.length)]);
      }
      String p = path.toString();
      // a path must not lie under a file or link of the tree, nor be a parent already
      boolean clash = entries.keySet().stream().anyMatch(e -> p.startsWith(e + "/")
          || e.startsWith(p + "/") || e.equals(p));
      if (clash) {
        continue;
      }
      char kind = "ffffdl".charAt(r.nextInt(6));
      // a relative target climbs at most to the root: one climbing out is refused
      String content = kind == 'l' ? (r.nextBoolean()
          ? "../".repeat(r.nextInt(depth)) + NAMES[r.nextInt(NAMES.length)]
          : "/etc/passwd") : "content " + r.nextInt(1000) + "\n".repeat(r.nextInt(3));
      entries.put(p, new Entry(p, kind, content, r.nextBoolean()));
    }
    return List.copyOf(entries.values());
  };

  private static void materialize(List<Entry> tree, Path root, long seed) {
    List<Entry> order = new ArrayList<>(tree);
    Random shuffle = new Random(seed);
    Collections.shuffle(order, shuffle);
    SplittableRandom r = new SplittableRandom(seed);
    try {
      Files.createDirectories(root);
      for (Entry e : order) {
        Path p = root.resolve(e.path());
        Files.createDirectories(p.getParent());
        switch (e.kind()) {
          case 'd' -> Files.createDirectories(p);
          case 'l' -> Files.createSymbolicLink(p, Path.of(e.content()));
          default -> {
            Files.writeString(p, e.content(), StandardCharsets.UTF_8);
            // only the owner's execute bit may matter; the rest is noise
            String mode = (e.exec() ? "rwx" : "rw-") + (r.nextBoolean() ? "r-x" : "---")
                + (r.nextBoolean() ? "rw-" : "r--");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
            Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(r.nextInt(2_000_000_000))));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theTarballOfATreeDependsOnlyOnItsContentAndRepacksToTheSameBytes() {
    int[] caseNo = {0};
    PropertyRunner.property("build tarball reproducibility").cases(100).check(TREES, tree -> {
      Path dir = tmp.resolve("case-" + caseNo[0]++);
      try {
        materialize(tree, dir.resolve("one"), 1);
        materialize(tree, dir.resolve("two"), 2);
        BuildTarball.Digest one = BuildTarball.write(dir.resolve("one"), dir.resolve("one.tgz"));
        BuildTarball.Digest two = BuildTarball.write(dir.resolve("two"), dir.resolve("two.tgz"));
        assertThat(Files.readAllBytes(dir.resolve("one.tgz")))
            .isEqualTo(Files.readAllBytes(dir.resolve("two.tgz")));
        assertThat(one).isEqualTo(two);

        List<String> names = BuildTarball.entries(dir.resolve("one.tgz"));
        assertThat(names).doesNotHaveDuplicates()
            .allSatisfy(n -> assertThat(n).doesNotStartWith("/").doesNotContain("/../"));
        BuildTarball.extract(dir.resolve("one.tgz"), dir.resolve("unpacked"));
        assertThat(BuildTarball.write(dir.resolve("unpacked"), dir.resolve("again.tgz")))
            .isEqualTo(one);
        FileTrees.deleteTree(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
