package io.velociraptor.buildpack;

import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.testkit.MachineClaims;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private builder home, artifact store, git repositories and buildpacks in one temp directory,
 * removed on close (also when the test fails). As root, scripts run as the user {@link #USER},
 * created here if missing.
 */
final class BuildFixture implements AutoCloseable {
  static final String USER = "vrbuild";

  final Path root;
  final Path home;
  final FileSystemArtifactStore store;

  BuildFixture() throws IOException {
    root = Files.createTempDirectory("vr-build-it-");
    // the build user must be able to pass through to the work directories
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    home = root.resolve("home");
    store = FileSystemArtifactStore.of(root.resolve("store"));
    if (isRoot()) {
      MachineClaims.ensureSystemUser(USER);
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  BuildpackBuildBackend.Builder backend() {
    BuildpackBuildBackend.Builder b = BuildpackBuildBackend.builder().home(home)
        .artifactStore(store);
    return isRoot() ? b.buildUser(USER) : b.runScriptsAsCurrentUser();
  }


  /** A git repository with the given files (an entry ending in "*" is made executable). */
  Path gitRepo(String name, Map<String, String> files) throws IOException {
    Path repo = root.resolve("src").resolve(name);
    Files.createDirectories(repo);
    git(repo, "init", "--quiet", "--initial-branch=main");
    commit(repo, files, "initial");
    return repo;
  }

  void commit(Path repo, Map<String, String> files, String message) throws IOException {
    writeFiles(repo, files);
    git(repo, "add", "--all");
    git(repo, "-c", "user.name=vr test", "-c", "user.email=test@vr.invalid", "commit", "--quiet",
        "--allow-empty", "-m", message);
  }

  String head(Path repo) throws IOException {
    Process p = new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "HEAD").start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    waitFor(p);
    return out;
  }

  void git(Path repo, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
    cmd.addAll(List.of(args));
    int rc = run(cmd, null);
    if (rc != 0) {
      throw new IOException(cmd + " failed with exit code " + rc);
    }
  }

  /** A buildpack directory with bin scripts (shell bodies after a #!/bin/sh line). */
  Path buildpack(String name, String detect, String compile, String release) throws IOException {
    Path dir = root.resolve("bp").resolve(name);
    Files.createDirectories(dir.resolve("bin"));
    script(dir.resolve("bin/detect"), detect);
    script(dir.resolve("bin/compile"), compile);
    script(dir.resolve("bin/release"), release);
    return dir;
  }

  static Buildpack local(Path dir) {
    return Buildpack.parse(dir.toString());
  }

  static App gitApp(String name, Path repo, Buildpack... bps) {
    return App.builder().name(AppName.of(name)).repoUrl(repo.toString())
        .buildpacks(List.of(bps)).build();
  }

  static void script(Path p, String body) throws IOException {
    if (body == null) {
      return;
    }
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  static void writeFiles(Path dir, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> e : files.entrySet()) {
      boolean exec = e.getKey().endsWith("*");
      Path p = dir.resolve(exec ? e.getKey().substring(0, e.getKey().length() - 1) : e.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, e.getValue());
      if (exec) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  static int run(List<String> cmd, Path dir) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    return waitFor(pb.start());
  }

  private static int waitFor(Process p) throws IOException {
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("command did not finish in 60 s: " + p.info().commandLine());
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    FileTrees.deleteTree(root);
  }
}
