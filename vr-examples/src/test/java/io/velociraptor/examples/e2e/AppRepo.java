package io.velociraptor.examples.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A git repository holding the example {@code prebuilt} app (busybox httpd on $PORT, with
 * {@code uptests/web/http_ok}), one tag per version the scenarios deploy. Each version's page
 * names the version, so a client of nginx sees which release served it:
 *
 * <ul>
 *   <li>{@code v1}, {@code v2}: healthy;
 *   <li>{@code broken}: serves a page the uptest rejects;
 *   <li>{@code hangs}: healthy, but one more uptest never returns;
 *   <li>{@code v3}: healthy, but one more uptest fails on h3 (address 127.0.0.3) and passes
 *       elsewhere, so a rollout fails in the first wave that starts a proc on h3.
 * </ul>
 *
 * The Procfile also has a {@code www} proc type (same command), for the proc-name change.
 */
final class AppRepo {
  static final Path EXAMPLE = Path.of("src/main/resources/examples/apps/prebuilt").toAbsolutePath();
  static final List<String> VERSIONS = List.of("v1", "v2", "broken", "hangs", "v3");

  private AppRepo() {}

  /** @return the repository directory */
  static Path create(Path dir) {
    try {
      Files.createDirectories(dir);
      copyTree(EXAMPLE, dir);
      Files.writeString(dir.resolve("Procfile"), "# the prebuilt example, twice\nweb: bin/serve\nwww: bin/serve\n");
      Files.createDirectories(dir.resolve("uptests/www"));
      Files.copy(dir.resolve("uptests/web/http_ok"), dir.resolve("uptests/www/http_ok"), StandardCopyOption.COPY_ATTRIBUTES);
      git(dir, "init", "-q", "-b", "main");
      for (String v : VERSIONS) {
        String page = v.equals("broken") ? "not ready at all: " + v + "\n" : "prebuilt and ready: " + v + "\n";
        Files.writeString(dir.resolve("www/index.html"), page);
        Files.createDirectories(dir.resolve("www/web"));
        Files.writeString(dir.resolve("www/web/index.html"), page);
        Path hang = dir.resolve("uptests/web/zz_hangs");
        if (v.equals("hangs")) {
          Files.writeString(hang, "#!/bin/sh\n# an uptest that never answers\nexec sleep 300\n");
          Files.setPosixFilePermissions(hang, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else {
          Files.deleteIfExists(hang);
        }
        Path notOnH3 = dir.resolve("uptests/web/not_on_h3");
        if (v.equals("v3")) {
          Files.writeString(notOnH3, "#!/bin/sh\n# an uptest that fails on h3 only: usage not_on_h3 HOST PORT\n"
              + "case \"$1\" in\n  127.0.0.3) echo \"v3 is not fit for $1\"; exit 1 ;;\nesac\necho \"ok: $1\"\n");
          Files.setPosixFilePermissions(notOnH3, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else {
          Files.deleteIfExists(notOnH3);
        }
        git(dir, "add", "-A");
        git(dir, "-c", "user.name=vr e2e", "-c", "user.email=e2e@example.invalid", "commit", "-q", "-m", "version " + v);
        git(dir, "tag", v);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static String git(Path dir, String... args) {
    List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
    argv.addAll(List.of(args));
    return Exec.run(argv);
  }

  /** Runs a short local command for fixture setup; fails the test with its output. */
  static final class Exec {
    private Exec() {}

    static String run(List<String> argv) {
      try {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IllegalStateException(argv + " failed: " + out);
        }
        return out;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
