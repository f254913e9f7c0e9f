package io.velociraptor.buildpack;

import io.velociraptor.core.local.LocalExec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The {@code git} CLI against a per-URL cache: a bare repository that is fetched into (never
 * re-cloned) and from which one commit is exported into a directory without a {@code .git}.
 * Runs as the JVM's user (checkouts are trusted operations; buildpack scripts are not).
 */
final class GitCli {
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{4,64}");

  private final Map<String, String> env;
  private final Duration timeout;

  GitCli(Path scratchHome, Duration timeout) {
    Map<String, String> e = new TreeMap<>();
    String path = System.getenv("PATH");
    e.put("PATH", path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
    e.put("HOME", scratchHome.toString());
    e.put("GIT_TERMINAL_PROMPT", "0");
    e.put("GIT_CONFIG_NOSYSTEM", "1");
    e.put("LANG", "C.UTF-8");
    // keep the caller's ssh agent so private repositories over ssh work
    Optional.ofNullable(System.getenv("SSH_AUTH_SOCK")).ifPresent(s -> e.put("SSH_AUTH_SOCK", s));
    this.env = Map.copyOf(e);
    this.timeout = timeout;
  }

  /** Checks that a URL cannot be taken for a git option. */
  static String requireUrl(String url, String what) {
    if (url == null || url.isBlank() || url.startsWith("-") || url.chars().anyMatch(c -> c < 0x20)) {
      throw new InvalidBuildInputException(what, 0, String.valueOf(url),
          "not a git URL or path");
    }
    return url.strip();
  }

  /**
   * Fetches every branch and tag of {@code url} into the bare cache {@code repo} (created on first
   * use) and resolves {@code ref} (tag, branch or commit; empty = the remote's HEAD) to a commit.
   */
  String fetchAndResolve(Path repo, String url, Optional<String> ref, Consumer<String> log)
      throws IOException {
    if (!Files.isDirectory(repo.resolve("objects"))) {
      Files.createDirectories(repo);
      git(null, log, "init", "--quiet", "--bare", repo.toString());
    }
    String source = url;
    if (!url.contains("://") && !url.contains("@") && Files.isDirectory(Path.of(url))) {
      source = Path.of(url).toAbsolutePath().normalize().toString();
    }
    // safe.directory: a local source repository may belong to another user; fetching only
    // reads its objects and refs (upload-pack ignores the repository's hook settings)
    List<String> fetch = new ArrayList<>(List.of("-c", "protocol.ext.allow=never", "-c",
        "safe.directory=*", "fetch",
        "--quiet", "--force", "--prune", "--no-recurse-submodules", "--tags", "--", source,
        "+refs/heads/*:refs/remotes/origin/*"));
    if (ref.isEmpty()) {
      fetch.add("+HEAD:refs/vr/remote-head");
    }
    git(repo, log, fetch.toArray(String[]::new));
    List<String> candidates = new ArrayList<>();
    if (ref.isEmpty()) {
      candidates.add("refs/vr/remote-head");
    } else {
      String r = ref.get();
      if (r.isBlank() || r.startsWith("-") || r.chars().anyMatch(c -> c < 0x20 || c == ' ')) {
        throw new InvalidBuildInputException("version", 0, r, "not a tag, branch or commit name");
      }
      candidates.add("refs/tags/" + r);
      candidates.add("refs/remotes/origin/" + r);
      if (HEX.matcher(r).matches()) {
        candidates.add(r.toLowerCase(java.util.Locale.ROOT));
      }
    }
    for (String c : candidates) {
      LocalExec.Result res = exec(repo, s -> { }, true, "rev-parse", "--verify", "--quiet",
          "--end-of-options", c + "^{commit}");
      if (res.exitCode() == 0) {
        return res.output().strip();
      }
    }
    throw new InvalidBuildInputException("git source " + url, 0, ref.orElse("HEAD"),
        "is not a tag, branch or commit reachable from a branch or tag of the repository"
            + " (tried " + String.join(", ", candidates) + ")");
  }

  /** Writes the files of {@code commit} into {@code dest} (no .git, symlinks kept). */
  void export(Path repo, String commit, Path dest, Path indexFile, Consumer<String> log)
      throws IOException {
    Files.createDirectories(dest);
    Map<String, String> withIndex = new TreeMap<>(env);
    withIndex.put("GIT_INDEX_FILE", indexFile.toString());
    List<String> base = List.of("git", "--git-dir=" + repo, "--work-tree=" + dest,
        "-c", "core.symlinks=true", "-c", "core.autocrlf=false");
    run(withIndex, concat(base, "read-tree", commit), log, false);
    run(withIndex, concat(base, "checkout-index", "--all", "--force"), log, false);
    Files.deleteIfExists(indexFile);
  }

  private void git(Path repo, Consumer<String> log, String... args) throws IOException {
    LocalExec.Result r = exec(repo, log, false, args);
    if (r.exitCode() != 0) {
      throw new IOException("git " + String.join(" ", args) + " failed with exit code "
          + r.exitCode() + (r.timedOut() ? " (timed out after " + timeout + ")" : ""));
    }
  }

  private LocalExec.Result exec(Path repo, Consumer<String> log, boolean capture, String... args)
      throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add("git");
    if (repo != null) {
      argv.add("--git-dir=" + repo);
    }
    argv.addAll(List.of(args));
    return LocalExec.run(argv, env, Path.of("/"), Optional.empty(), timeout, capture, log);
  }

  private void run(Map<String, String> e, List<String> argv, Consumer<String> log,
      boolean capture) throws IOException {
    LocalExec.Result r = LocalExec.run(argv, e, Path.of("/"), Optional.empty(), timeout, capture,
        log);
    if (r.exitCode() != 0) {
      throw new IOException(String.join(" ", argv) + " failed with exit code " + r.exitCode());
    }
  }

  private static List<String> concat(List<String> base, String... more) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(more));
    return out;
  }
}
