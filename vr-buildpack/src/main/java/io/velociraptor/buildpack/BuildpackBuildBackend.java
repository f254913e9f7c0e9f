package io.velociraptor.buildpack;

import io.velociraptor.core.VrException;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.local.LocalExec;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.Procfile;
import io.velociraptor.core.spi.Artifact;
import io.velociraptor.core.spi.ArtifactStore;
import io.velociraptor.core.spi.BuildBackend;
import io.velociraptor.core.spi.BuildFailedException;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.spi.BuildTimeoutException;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BuildBackend} for Heroku-style classic buildpacks ({@code bin/detect},
 * {@code bin/compile}, {@code bin/release}).
 *
 * <p>A build checks out the app's source (git, at a tag, branch or commit, into a per-app cache
 * that is fetched into, never re-cloned; or a local directory), fetches the buildpacks the same
 * way, detects or applies them in order, compiles with a per-app, per-buildpack cache and the
 * build env as ENV_DIR files, merges the last buildpack's default process types with the app's
 * Procfile (the Procfile wins), removes {@code .slugignore} matches, packs a reproducible tarball
 * and stores it with its compile log in the {@link ArtifactStore}.
 *
 * <p>Buildpack scripts are untrusted: as root they run as a dedicated unprivileged user
 * ({@link Builder#buildUser}), each step in its own session killed as a whole at its time limit;
 * with {@link Builder#containerRuntime} they run as one-shot commands of a container runtime
 * (LXC: a throwaway container per script) instead.
 * Identical concurrent requests share one build; other builds of the same app and version wait
 * for each other.
 *
 * <p>Home layout: {@code repos/} (app source caches), {@code buildpacks/} (buildpack caches),
 * {@code cache/<app>/<buildpack>/} (compile caches), {@code work/} (one directory per running
 * build), {@code trash/} (finished builds' work directories, moved there in one rename and
 * deleted in the background), {@code logs/} (every build's log), {@code locks/}.
 */
@SuppressWarnings("try") // locks are held by try-with-resources and not otherwise referenced
public final class BuildpackBuildBackend implements BuildBackend, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BuildpackBuildBackend.class);
  private static final long MAX_TEXT_FILE = 1 << 20;
  private static final DateTimeFormatter LOG_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  /** How long a JVM shutdown waits for a running build to stop its script and clean up. */
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(20);
  private static final String SCRIPT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Path home;
  private final ArtifactStore store;
  private final ScriptSandbox sandbox;
  private final List<Buildpack> defaultBuildpacks;
  private final Duration gitTimeout;
  private final Duration lockTimeout;
  private final Clock clock;
  private final boolean keepWorkDirs;
  private final GitCli git;
  /**
   * Removes finished builds' work directories, one at a time, in the order they finished; its
   * one thread ends when idle for a few seconds, so a backend nobody closes keeps no thread.
   */
  private final ExecutorService cleaner = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "vr-build-cleanup");
        t.setDaemon(true);
        return t;
      });
  private final AtomicInteger pendingCleanups = new AtomicInteger();
  private final ConcurrentHashMap<BuildRequest, CompletableFuture<Build>> inFlight =
      new ConcurrentHashMap<>();

  private BuildpackBuildBackend(Builder b) {
    this.home = b.home.toAbsolutePath().normalize();
    this.store = b.store;
    this.sandbox = b.sandbox();
    this.defaultBuildpacks = List.copyOf(b.defaultBuildpacks);
    this.gitTimeout = b.gitTimeout;
    this.lockTimeout = b.lockTimeout;
    this.clock = b.clock;
    this.keepWorkDirs = b.keepWorkDirs;
    try {
      for (String d : List.of("repos", "buildpacks", "cache", "work", "logs", "locks", "tmp",
          "trash")) {
        Files.createDirectories(home.resolve(d));
      }
      // the build user must pass through these (not list or read them)
      Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(home.resolve("work"), PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(home.resolve("cache"), PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(home.resolve("trash"), PosixFilePermissions.fromString("rwx------"));
      // work directories of builds whose JVM ended before it could remove them
      try (Stream<Path> left = Files.list(home.resolve("trash"))) {
        deleteInBackground(left.sorted().toList());
      }
    } catch (IOException e) {
      throw new VrException("cannot create the builder home " + home + ": " + e.getMessage(), e);
    }
    this.git = new GitCli(home.resolve("tmp"), gitTimeout);
    LOG.info("buildpack builder at {} runs buildpack scripts as {}", home, sandbox.describe());
  }

  /** A new builder for a {@link BuildpackBuildBackend}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The builder's state directory. */
  public Path home() {
    return home;
  }

  /**
   * Builds the app with its buildpacks (detect, compile, release) and stores the tarball, blocking
   * until done; a request identical to one already running waits for that build and shares its
   * result.
   */
  @Override
  public Build build(BuildRequest request, BuildListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    CompletableFuture<Build> mine = new CompletableFuture<>();
    CompletableFuture<Build> running = inFlight.putIfAbsent(request, mine);
    if (running != null) {
      listener.onLine("-----> waiting for an identical build of " + request.app().name() + " "
          + request.version() + " that is already running, to share its result");
      try {
        return running.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }
    try {
      Build b = buildExclusively(request, listener);
      mine.complete(b);
      return b;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(request, mine);
    }
  }

  private Build buildExclusively(BuildRequest req, BuildListener listener) {
    String app = req.app().name().value();
    String version = req.version().value();
    if (app.chars().allMatch(c -> c == '.')) {
      // it names the per-app cache directory
      throw new BuildFailedException(app, version, "prepare", "an app name of only dots cannot"
          + " name a cache directory; rename the app", OptionalInt.empty(), List.of(),
          Optional.empty(), null);
    }
    Path lockFile = home.resolve("locks").resolve("build-" + app + "-" + md5(version) + ".lock");
    try (FileLocks.Held lock = FileLocks.acquire(lockFile, lockTimeout, () -> listener.onLine(
        "-----> another build of " + app + " " + version + " is running; waiting for it"))) {
      return new Run(req, listener).execute();
    } catch (IOException e) {
      throw new BuildFailedException(app, version, "lock", e.getMessage(), OptionalInt.empty(),
          List.of(), Optional.empty(), e);
    }
  }

  /** One build: its directories, log and the step it is in. */
  private final class Run {
    private final BuildRequest req;
    private final BuildListener listener;
    private final String app;
    private final String version;
    private final String id;
    private final Path work;
    private final Path buildDir;
    private String step = "prepare";
    private BuildLog log;

    Run(BuildRequest req, BuildListener listener) {
      this.req = req;
      this.listener = listener;
      this.app = req.app().name().value();
      this.version = req.version().value();
      this.id = UUID.randomUUID().toString().substring(0, 8);
      this.work = home.resolve("work").resolve(app + "-" + req.version().nameForm() + "-" + id);
      this.buildDir = work.resolve("app");
    }

    Build execute() {
      Instant started = clock.instant();
      Path logFile = home.resolve("logs").resolve(app + "-" + req.version().nameForm() + "-"
          + LOG_STAMP.format(started) + "-" + id + ".log");
      Thread building = Thread.currentThread();
      Thread hook = new Thread(() -> stopForShutdown(building), "vr-build-shutdown-" + id);
      try {
        Runtime.getRuntime().addShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        throw new BuildFailedException(app, version, "prepare", "the JVM is shutting down",
            OptionalInt.empty(), List.of(), Optional.empty(), shuttingDown);
      }
      try (BuildLog l = new BuildLog(logFile, listener)) {
        this.log = l;
        return steps(started);
      } catch (BuildFailedException e) {
        throw e;
      } catch (IOException | UncheckedIOException | VrException e) {
        throw failure(e.getMessage(), OptionalInt.empty(), e);
      } finally {
        if (!keepWorkDirs) {
          discard(work);
        }
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running or has run
        }
      }
    }

    /**
     * On a JVM shutdown (SIGTERM, SIGINT) in the middle of this build: interrupts the build,
     * whose running script is then killed (SIGTERM, then SIGKILL, with all it started) as at a
     * timeout, waits for it to end, and removes the work directory (the background deletion it
     * was queued for would die with the JVM).
     */
    private void stopForShutdown(Thread building) {
      LOG.warn("the JVM is shutting down: stopping the build of {} {} in step {}", app, version,
          step);
      building.interrupt();
      try {
        building.join(SHUTDOWN_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (building.isAlive()) {
        LOG.warn("the build of {} {} did not stop within {}", app, version, SHUTDOWN_WAIT);
      }
      if (!keepWorkDirs) {
        for (Path dir : List.of(work, home.resolve("trash").resolve(work.getFileName()))) {
          try {
            FileTrees.deleteTree(dir);
          } catch (IOException e) {
            LOG.warn("could not remove build work directory {}: {}", dir, e.toString());
          }
        }
      }
    }

    private Build steps(Instant started) throws IOException {
      Files.createDirectories(work);
      Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
      sandbox.checkReachable(work);
      log.accept("Building " + app + " " + version + "; buildpack scripts run as "
          + sandbox.describe());

      // source
      step = "checkout";
      Optional<String> commit = checkoutSource();

      // buildpacks
      step = "buildpacks";
      List<Buildpack> locations = !req.buildpacks().isEmpty() ? req.buildpacks()
          : !req.app().buildpacks().isEmpty() ? req.app().buildpacks() : defaultBuildpacks;
      if (locations.isEmpty()) {
        throw failure("no buildpacks: the request, the app and the backend's defaults name none",
            OptionalInt.empty(), null);
      }
      List<FetchedBuildpack> fetched = new ArrayList<>();
      for (int i = 0; i < locations.size(); i++) {
        fetched.add(fetchBuildpack(i, locations.get(i)));
      }

      // env dir, home, tmp for the scripts
      Path envDir = work.resolve("env");
      Files.createDirectories(envDir);
      for (Map.Entry<String, String> e : req.app().buildEnv().asMap().entrySet()) {
        Files.writeString(envDir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
      }
      Files.setPosixFilePermissions(envDir, PosixFilePermissions.fromString("rwx------"));
      Files.createDirectories(work.resolve("home"));
      Files.createDirectories(work.resolve("tmp"));
      for (String d : List.of("app", "env", "home", "tmp", "buildpacks")) {
        sandbox.handOver(work.resolve(d));
      }
      Map<String, String> env = scriptEnv(commit);

      // detect
      step = "detect";
      List<FetchedBuildpack> chosen = detect(fetched, env);

      // compile
      step = "compile";
      for (int i = 0; i < chosen.size(); i++) {
        compile(chosen.get(i), envDir, env);
        if (i < chosen.size() - 1) {
          env = exported(chosen.get(i), env);
        }
      }

      // release
      step = "release";
      SortedMap<String, String> configVars = new TreeMap<>();
      SortedSet<String> addons = new TreeSet<>();
      ReleaseInfo last = ReleaseInfo.EMPTY;
      for (FetchedBuildpack bp : chosen) {
        last = release(bp, env);
        configVars.putAll(last.configVars());
        addons.addAll(last.addons());
        if (!last.addons().isEmpty()) {
          log.accept("       " + bp.name + " asks for addons " + last.addons()
              + " (vr provisions none)");
        }
      }
      Procfile procfile = readTextFile("Procfile").map(Procfile::parse).orElse(Procfile.empty());
      if (procfile.isEmpty() && last.defaultProcessTypes().isEmpty()) {
        throw failure("the app has no process types: add a Procfile ('web: command') or use a"
            + " buildpack whose bin/release gives default_process_types", OptionalInt.empty(),
            null);
      }
      SortedMap<String, String> types = new TreeMap<>(last.defaultProcessTypes());
      types.putAll(procfile.processTypes());
      log.accept("       process types: " + String.join(", ", types.keySet()));

      // .slugignore
      step = "slugignore";
      SlugIgnore ignore = readTextFile(".slugignore").map(SlugIgnore::parse)
          .orElse(SlugIgnore.none());
      if (!ignore.isEmpty()) {
        log.step("slugignore", ignore.toString());
        for (String removed : ignore.apply(buildDir)) {
          log.accept("       removed " + removed);
        }
      }

      // tarball
      step = "tarball";
      log.step("tarball", "");
      Path tarball = work.resolve("build.tar.gz");
      BuildTarball.Digest digest = BuildTarball.write(buildDir, tarball);
      log.accept("       " + digest.entries() + " entries, " + digest.size() + " bytes, sha256 "
          + digest.sha256());

      // store
      step = "store";
      log.step("store", "");
      Artifact artifact = store.put(tarball);
      if (!artifact.sha256().equals(digest.sha256())) {
        throw failure("the artifact store recorded sha256 " + artifact.sha256() + " for a tarball"
            + " with sha256 " + digest.sha256(), OptionalInt.empty(), null);
      }
      Instant finished = clock.instant();
      log.accept("Build of " + app + " " + version + " finished in "
          + Duration.between(started, finished).toMillis() + " ms");
      log.flush();
      // keyed by the build: builds whose tarballs are byte-identical share the artifact, not
      // their logs (results written before keep pointing at their "compile.log")
      URI compileLog = store.attach(artifact.sha256(), compileLogName(started), log.file());

      return Build.builder()
          .app(req.app().name())
          .version(req.version())
          .status(BuildStatus.SUCCESS)
          .commit(commit)
          .buildpacks(chosen.stream().map(bp -> bp.pinned).toList())
          .buildpackNames(chosen.stream().map(bp -> printable(bp.name)).toList())
          .artifact(artifact.location().toString())
          .compileLog(compileLog.toString())
          .md5(digest.md5())
          .sha256(digest.sha256())
          .sizeBytes(digest.size())
          .procfileTypes(procfile.processTypes())
          .releaseProcessTypes(last.defaultProcessTypes())
          .configVars(Env.of(configVars))
          .addons(addons)
          .startedAt(started)
          .finishedAt(finished)
          .build();
    }

    /** The name of this build's log among its artifact's attachments. */
    private String compileLogName(Instant started) {
      return "compile-" + LOG_STAMP.format(started) + "-" + id + ".log";
    }

    private Optional<String> checkoutSource() throws IOException {
      App a = req.app();
      String url = a.repoUrl().orElseThrow(() -> failure("app " + app + " has no repo_url to"
          + " build from", OptionalInt.empty(), null));
      if (a.repoType() == App.RepoType.LOCAL) {
        Path dir = Path.of(url);
        log.step("checkout", "directory " + dir);
        if (!Files.isDirectory(dir)) {
          throw failure("source directory " + dir + " does not exist", OptionalInt.empty(), null);
        }
        copyTree(dir, buildDir, rel -> !rel.toString().equals(".git"));
        return Optional.empty();
      }
      GitCli.requireUrl(url, "app " + app + " repo_url");
      log.step("checkout", url + " at " + req.commit().orElse(version));
      Path repo = home.resolve("repos").resolve(cacheName(app, url));
      String commit;
      try (FileLocks.Held lock = FileLocks.acquire(lockFor(repo), lockTimeout, () -> { })) {
        commit = git.fetchAndResolve(repo, url, Optional.of(req.commit().orElse(version)), log);
        git.export(repo, commit, buildDir, work.resolve("index"), log);
      }
      log.accept("       commit " + commit);
      return Optional.of(commit);
    }

    private FetchedBuildpack fetchBuildpack(int index, Buildpack bp) throws IOException {
      String url = bp.url();
      String base = basename(url);
      Path dest = work.resolve("buildpacks").resolve(index + "-" + base);
      String key = cacheName(base, url);
      Path local = Path.of(url);
      if (bp.ref().isEmpty() && !url.contains("://") && Files.isDirectory(local)) {
        log.step("buildpack", "directory " + local.toAbsolutePath());
        copyTree(local, dest, rel -> !rel.toString().equals(".git"));
        return new FetchedBuildpack(bp, bp, dest, key, base);
      }
      GitCli.requireUrl(url, "buildpack");
      log.step("buildpack", bp.format());
      Path repo = home.resolve("buildpacks").resolve(key);
      String commit;
      try (FileLocks.Held lock = FileLocks.acquire(lockFor(repo), lockTimeout, () -> { })) {
        commit = git.fetchAndResolve(repo, url, bp.ref(), log);
        git.export(repo, commit, dest, work.resolve("index-bp" + index), log);
      }
      Buildpack pinned = io.velociraptor.core.model.ImmutableBuildpack.builder().url(url).ref(commit).build();
      return new FetchedBuildpack(bp, pinned, dest, key, base);
    }

    private List<FetchedBuildpack> detect(List<FetchedBuildpack> all, Map<String, String> env)
        throws IOException {
      if (req.selection() == BuildRequest.Selection.DETECT) {
        List<String> tried = new ArrayList<>();
        for (FetchedBuildpack bp : all) {
          Path detect = bp.dir.resolve("bin/detect");
          if (!Files.isExecutable(detect)) {
            tried.add(bp.given.format() + " (no executable bin/detect)");
            continue;
          }
          LocalExec.Result r = sandbox.run(List.of(detect.toString(), buildDir.toString()), env,
              buildDir, List.of(work), req.scriptTimeout(), true, log);
          if (r.exitCode() == 0) {
            bp.name = firstLine(r.output()).orElse(bp.base);
            log.step("detect", bp.name + " (" + bp.given.format() + ")");
            return List.of(bp);
          }
          tried.add(bp.given.format() + (r.timedOut() ? " (timed out)" : " (exit " + r.exitCode()
              + ")"));
        }
        throw failure("no buildpack detected the app; tried " + String.join(", ", tried),
            OptionalInt.empty(), null);
      }
      for (FetchedBuildpack bp : all) {
        Path detect = bp.dir.resolve("bin/detect");
        if (Files.isExecutable(detect)) {
          LocalExec.Result r = sandbox.run(List.of(detect.toString(), buildDir.toString()), env,
              buildDir, List.of(work), req.scriptTimeout(), true, log);
          if (r.exitCode() != 0) {
            throw failure("buildpack " + bp.given.format() + " does not accept this app"
                + (r.timedOut() ? " (bin/detect timed out)" : " (bin/detect exit "
                + r.exitCode() + ")"), OptionalInt.of(r.exitCode()), null);
          }
          bp.name = firstLine(r.output()).orElse(bp.base);
        }
        log.step("buildpack", bp.name + " (" + bp.given.format() + ")");
      }
      return all;
    }

    private void compile(FetchedBuildpack bp, Path envDir, Map<String, String> env)
        throws IOException {
      Path compile = bp.dir.resolve("bin/compile");
      if (!Files.isExecutable(compile)) {
        throw failure("buildpack " + bp.given.format() + " has no executable bin/compile",
            OptionalInt.empty(), null);
      }
      Path cache = home.resolve("cache").resolve(app).resolve(bp.cacheKey);
      try (FileLocks.Held lock = FileLocks.acquire(lockFor(cache), lockTimeout, () ->
          log.accept("       waiting for another build using the cache " + cache))) {
        Files.createDirectories(cache);
        Files.setPosixFilePermissions(cache.getParent(),
            PosixFilePermissions.fromString("rwx--x--x"));
        sandbox.handOver(cache);
        log.step("compile", bp.name);
        LocalExec.Result r = sandbox.run(List.of(compile.toString(), buildDir.toString(),
            cache.toString(), envDir.toString()), env, buildDir, List.of(work, cache),
            req.compileTimeout(), false, log);
        if (r.timedOut()) {
          log.flush();
          throw new BuildTimeoutException(app, version, "compile", req.compileTimeout(),
              log.tail(), Optional.of(log.file()));
        }
        if (r.exitCode() != 0) {
          throw failure("bin/compile of " + bp.name + " exited with " + r.exitCode(),
              OptionalInt.of(r.exitCode()), null);
        }
      }
    }

    /**
     * Heroku's multi-buildpack convention: a buildpack may leave an {@code export} file in its
     * directory; it is sourced and the resulting environment is given to the buildpacks after it.
     */
    private Map<String, String> exported(FetchedBuildpack bp, Map<String, String> env)
        throws IOException {
      Path export = bp.dir.resolve("export");
      if (!Files.isRegularFile(export, LinkOption.NOFOLLOW_LINKS)) {
        return env;
      }
      Path out = work.resolve("tmp").resolve(".vr-export-" + UUID.randomUUID());
      LocalExec.Result r = sandbox.run(List.of("/bin/sh", "-c", ". \"$1\" >&2 && exec env -0 > \"$2\"",
          "sh", export.toString(), out.toString()), env, buildDir, List.of(work),
          req.scriptTimeout(), false, log);
      if (r.exitCode() != 0) {
        throw failure("sourcing the export file of " + bp.name + " failed"
            + (r.timedOut() ? " (timed out)" : " (exit " + r.exitCode() + ")"),
            OptionalInt.of(r.exitCode()), null);
      }
      Map<String, String> next = new TreeMap<>();
      for (String entry : new String(readNoFollow(out), StandardCharsets.UTF_8).split("\0")) {
        int eq = entry.indexOf('=');
        if (eq > 0 && entry.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
          next.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
      }
      Files.deleteIfExists(out);
      for (String shellOwn : List.of("PWD", "OLDPWD", "SHLVL", "_")) {
        next.remove(shellOwn);
      }
      // the builder's own variables keep their values
      for (String fixed : List.of("HOME", "TMPDIR", "STACK", "SOURCE_VERSION")) {
        next.remove(fixed);
        Optional.ofNullable(env.get(fixed)).ifPresent(v -> next.put(fixed, v));
      }
      log.accept("       " + bp.name + " exported " + String.join(", ", next.keySet().stream()
          .filter(k -> !next.get(k).equals(env.get(k))).toList()));
      return next;
    }

    /** Reads a file the build user could have replaced by a symlink, never following one. */
    private byte[] readNoFollow(Path p) throws IOException {
      try (java.io.InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
        byte[] b = in.readNBytes((int) MAX_TEXT_FILE + 1);
        if (b.length > MAX_TEXT_FILE) {
          throw failure(buildDir.relativize(p) + " is larger than " + MAX_TEXT_FILE + " bytes",
              OptionalInt.empty(), null);
        }
        return b;
      } catch (java.nio.file.FileSystemException e) {
        if (Files.isSymbolicLink(p)) {
          throw failure(p.getFileName() + " must be a regular file, not a symlink",
              OptionalInt.empty(), e);
        }
        throw e;
      }
    }

    private ReleaseInfo release(FetchedBuildpack bp, Map<String, String> env) throws IOException {
      Path release = bp.dir.resolve("bin/release");
      if (!Files.isExecutable(release)) {
        return ReleaseInfo.EMPTY;
      }
      log.step("release", bp.name);
      LocalExec.Result r = sandbox.run(List.of(release.toString(), buildDir.toString()), env,
          buildDir, List.of(work), req.scriptTimeout(), true, log);
      if (r.timedOut()) {
        throw new BuildTimeoutException(app, version, "release", req.scriptTimeout(), log.tail(),
            Optional.of(log.file()));
      }
      if (r.exitCode() != 0) {
        throw failure("bin/release of " + bp.name + " exited with " + r.exitCode(),
            OptionalInt.of(r.exitCode()), null);
      }
      return ReleaseInfo.parse(r.output(), bp.given.format());
    }

    /** Reads a small text file of the build dir, refusing symlinks (they could point at host files). */
    private Optional<String> readTextFile(String name) throws IOException {
      Path p = buildDir.resolve(name);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        throw failure(name + " must be a regular file, not a symlink or directory",
            OptionalInt.empty(), null);
      }
      return Optional.of(new String(readNoFollow(p), StandardCharsets.UTF_8));
    }

    private Map<String, String> scriptEnv(Optional<String> commit) {
      Map<String, String> env = new TreeMap<>();
      env.put("PATH", SCRIPT_PATH);
      env.put("HOME", work.resolve("home").toString());
      env.put("TMPDIR", work.resolve("tmp").toString());
      env.put("LANG", "C.UTF-8");
      env.put("STACK", req.app().stack().orElse(sandbox.stack()));
      commit.ifPresent(c -> env.put("SOURCE_VERSION", c));
      return env;
    }

    private BuildFailedException failure(String reason, OptionalInt exit, Throwable cause) {
      List<String> tail = List.of();
      Optional<Path> file = Optional.empty();
      if (log != null) {
        try {
          log.flush();
        } catch (IOException e) {
          LOG.debug("cannot flush build log: {}", e.toString());
        }
        tail = log.tail();
        file = Optional.of(log.file());
      }
      return new BuildFailedException(app, version, step, reason, exit, tail, file, cause);
    }
  }

  /** A buildpack checked out for one build. */
  private static final class FetchedBuildpack {
    final Buildpack given;
    final Buildpack pinned;
    final Path dir;
    final String cacheKey;
    final String base;
    String name;

    FetchedBuildpack(Buildpack given, Buildpack pinned, Path dir, String cacheKey, String base) {
      this.given = given;
      this.pinned = pinned;
      this.dir = dir;
      this.cacheKey = cacheKey;
      this.base = base;
      this.name = base;
    }
  }

  /**
   * Removes a finished build's work directory: one rename into {@code trash/} (so no later build
   * can meet it half-removed), then the deletion on a background thread, so that the build
   * returns as soon as its result is stored.
   */
  private void discard(Path work) {
    Path tombstone = home.resolve("trash").resolve(work.getFileName().toString());
    try {
      Files.move(work, tombstone, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return; // the build failed before creating it
    } catch (IOException e) {
      LOG.debug("cannot move {} to {} ({}); removing it in place", work, tombstone, e.toString());
      tombstone = work;
    }
    deleteInBackground(List.of(tombstone));
  }

  private void deleteInBackground(List<Path> dirs) {
    if (dirs.isEmpty()) {
      return;
    }
    pendingCleanups.incrementAndGet();
    try {
      cleaner.execute(() -> {
        try {
          for (Path dir : dirs) {
            try {
              FileTrees.deleteTree(dir);
            } catch (IOException e) {
              // another backend on the same home may be removing it too
              if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                LOG.warn("could not remove build work directory {}: {}", dir, e.toString());
              }
            }
          }
        } finally {
          pendingCleanups.decrementAndGet();
        }
      });
    } catch (RejectedExecutionException e) {
      pendingCleanups.decrementAndGet();
      // closed: the next backend on this home removes what is left in trash/
      LOG.debug("backend closed; {} left in {} for the next backend", dirs, home.resolve("trash"));
    }
  }

  /**
   * Waits until the work directories of the builds that have finished so far are removed (they
   * are removed in the background so that a build returns as soon as its result is stored).
   *
   * @param timeout how long to wait at most
   * @return whether they are all removed
   * @throws IllegalArgumentException if the timeout is negative
   */
  public boolean awaitCleanup(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
    }
    try {
      Future<?> marker;
      try {
        marker = cleaner.submit(() -> { });
      } catch (RejectedExecutionException closed) {
        // closed: what was queued before still runs to the end
        return pendingCleanups.get() == 0
            || cleaner.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      marker.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("the cleanup marker cannot fail", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits up to 30 seconds for finished builds' work directories to be removed, then stops the
   * background thread that removes them (what is left then is removed by the next backend on
   * the same home). Builds still running are not stopped. Idempotent.
   */
  @Override
  public void close() {
    if (!awaitCleanup(Duration.ofSeconds(30))) {
      LOG.warn("build work directories under {} were not all removed within 30 s; the next"
          + " backend on this home removes them", home.resolve("trash"));
    }
    cleaner.shutdown();
  }

  private Path lockFor(Path dir) {
    return home.resolve("locks").resolve(home.relativize(dir).toString().replace('/', '_')
        + ".lock");
  }

  /**
   * Copies a local source tree ({@link FileTrees#copyTree}).
   *
   * @throws InvalidBuildInputException naming a special file (fifo, socket, device) in the tree,
   *     which a build cannot hold
   */
  static void copyTree(Path from, Path to, Predicate<Path> include) throws IOException {
    try {
      FileTrees.copyTree(from, to, include);
    } catch (FileTrees.SpecialFileException e) {
      throw new InvalidBuildInputException("directory " + from, 0, e.relative(),
          "is a special file (fifo, socket or device), which a build cannot hold; remove it");
    }
  }

  private static Optional<String> firstLine(String s) {
    String t = s.strip();
    if (t.isEmpty()) {
      return Optional.empty();
    }
    int nl = t.indexOf('\n');
    return Optional.of((nl < 0 ? t : t.substring(0, nl)).strip());
  }

  /** A name a buildpack printed, made fit for the build result: no control characters, short. */
  static String printable(String name) {
    String p = name.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
    return p.length() > 200 ? p.substring(0, 200) : p;
  }

  /** The original's readable cache name: basename of the URL plus the md5 of the URL. */
  static String cacheName(String prefix, String url) {
    return prefix + "-" + md5(url);
  }

  static String basename(String url) {
    String u = url.strip();
    int hash = u.indexOf('#');
    if (hash >= 0) {
      u = u.substring(0, hash);
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    u = u.substring(u.lastIndexOf('/') + 1);
    u = u.substring(u.lastIndexOf(':') + 1);
    if (u.endsWith(".git")) {
      u = u.substring(0, u.length() - 4);
    }
    u = u.replaceAll("[^A-Za-z0-9_.-]", "_");
    return u.isEmpty() || u.startsWith(".") ? "buildpack" + u : u;
  }

  static String md5(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
          .digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every JDK", e);
    }
  }

  /** Configures a {@link BuildpackBuildBackend}. */
  public static final class Builder {
    private Path home;
    private ArtifactStore store;
    private ScriptSandbox sandbox;
    private List<Buildpack> defaultBuildpacks = List.of();
    private Duration gitTimeout = Duration.ofMinutes(10);
    private Duration lockTimeout = Duration.ofHours(1);
    private Clock clock = Clock.systemUTC();
    private boolean keepWorkDirs;
    private Optional<String> user = Optional.empty();
    private ContainerRuntime runtime;
    private CommandRunner runtimeHost;
    private boolean scriptNetwork;

    private Builder() {}

    /**
     * Sets the builder's state directory (created if missing).
     *
     * @param home the builder's state directory (created if missing)
     * @return this
     */
    public Builder home(Path home) {
      this.home = home;
      return this;
    }

    /**
     * Sets where build tarballs and their logs go.
     *
     * @param store where build tarballs and their logs go
     * @return this
     */
    public Builder artifactStore(ArtifactStore store) {
      this.store = store;
      return this;
    }

    /**
     * Runs buildpack scripts on the host as this existing unprivileged user (the JVM must run as
     * root). The user gets the build, cache, env and home directories of each build, nothing
     * else.
     *
     * @param user the user name, e.g. {@code vrbuild}
     * @return this
     * @throws VrException if the user does not exist, is root, or the JVM is not root
     */
    public Builder buildUser(String user) {
      this.sandbox = HostUserSandbox.dedicatedUser(user);
      this.user = Optional.of(user);
      return this;
    }

    /**
     * Runs buildpack scripts (detect, compile, release, sourcing export files) as one-shot
     * commands of a container runtime instead of directly on this machine: with vr-lxc's
     * {@code LxcContainerRuntime} each runs in a throwaway container that sees the host's system
     * directories read-only, only this build's directories (and the compile cache) writable, a
     * private {@code /tmp} and PID namespace, and no network unless {@link #scriptNetwork}. The
     * scripts run as the {@link #buildUser build user} (or, after
     * {@link #runScriptsAsCurrentUser}, as the runner's user).
     *
     * <p>The builder's home (work directories and caches) must be on {@code host}'s filesystem at
     * the same paths: a {@code LocalCommandRunner} is the normal case. The runtime keeps its
     * throwaway directories under its own root, which must lie inside the runner's root.
     *
     * @param runtime the runtime, e.g. {@code RunnerInstall.builder().root(Path.of("/apps")).build().runtime(timeout)}
     * @param host the host to run on, whose files the builder writes
     * @return this
     */
    public Builder containerRuntime(ContainerRuntime runtime, CommandRunner host) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      this.runtimeHost = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Sets whether buildpack scripts get the host's network (default: none).
     *
     * @param network give buildpack scripts the host's network (to download dependencies); by
     *     default they get none. Enforced only with a {@link #containerRuntime container runtime};
     *     on the host-user route scripts always have the host's network.
     * @return this
     */
    public Builder scriptNetwork(boolean network) {
      this.scriptNetwork = network;
      return this;
    }

    /**
     * Runs buildpack scripts as the JVM's own user, without isolation: for development, or when
     * the JVM itself already runs as an unprivileged, dedicated user.
     *
     * @return this
     */
    public Builder runScriptsAsCurrentUser() {
      this.sandbox = HostUserSandbox.currentUser();
      this.user = Optional.empty();
      return this;
    }

    /**
     * Sets the buildpacks for apps and requests that name none, in detection order.
     *
     * @param buildpacks buildpacks for apps and requests that name none, in detection order
     * @return this
     */
    public Builder defaultBuildpacks(List<Buildpack> buildpacks) {
      this.defaultBuildpacks = List.copyOf(buildpacks);
      return this;
    }

    /**
     * Sets the time limit of each git command (fetch, checkout).
     *
     * @param timeout the time limit of each git command (fetch, checkout)
     * @return this
     */
    public Builder gitTimeout(Duration timeout) {
      this.gitTimeout = timeout;
      return this;
    }

    /**
     * Sets how long a build waits for another build of the same app and version, or for a shared
     * cache.
     *
     * @param timeout how long a build waits for another build of the same app and version, or
     *     for a shared cache
     * @return this
     */
    public Builder lockTimeout(Duration timeout) {
      this.lockTimeout = timeout;
      return this;
    }

    /**
     * Sets the clock for build start and finish times.
     *
     * @param clock the clock for build start and finish times
     * @return this
     */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Sets whether each build's work directory is kept after the build (for debugging).
     *
     * @param keep keep each build's work directory after the build (for debugging)
     * @return this
     */
    public Builder keepWorkDirs(boolean keep) {
      this.keepWorkDirs = keep;
      return this;
    }

    /**
     * Builds the backend.
     *
     * @return the backend
     * @throws VrException if home, the artifact store or the way to run scripts is missing
     */
    public BuildpackBuildBackend build() {
      if (home == null) {
        throw new VrException("BuildpackBuildBackend needs a home directory: call home(path)");
      }
      if (store == null) {
        throw new VrException("BuildpackBuildBackend needs an artifact store: call"
            + " artifactStore(store)");
      }
      if (sandbox == null) {
        throw new VrException("BuildpackBuildBackend needs to know how to run untrusted"
            + " buildpack scripts: call buildUser(\"vrbuild\") (as root; add containerRuntime(..)"
            + " to run them in containers), or runScriptsAsCurrentUser()");
      }
      for (Duration d : List.of(gitTimeout, lockTimeout)) {
        if (d.isNegative() || d.isZero()) {
          throw new VrException("timeouts must be positive, got " + d);
        }
      }
      return new BuildpackBuildBackend(this);
    }

    /** The host-user sandbox, or the runtime route when a runtime is configured. */
    private ScriptSandbox sandbox() {
      return runtime == null ? sandbox : new RuntimeScriptSandbox(runtime, runtimeHost, user,
          scriptNetwork, (HostUserSandbox) sandbox);
    }
  }
}
